import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOCore
import PapersCore
import ServiceLifecycle

/// What the routes need: the stores, picked by `--database` / `--blobs` (`open`) or handed in by
/// a test (`init`), and what is built over them.
public struct AppDependencies: Sendable {
    public let configuration: ServerConfiguration
    let store: any MetadataStore
    let blobs: any BlobStore
    let staging: StagingArea
    /// The file tree's use cases, over both stores.
    let files: FileService
    let tokens: TokenService
    let hasher: PasswordHasher
    let decoyHash: String
    /// The clock of tokens, throttling and timestamps (tests move it by hand).
    var now: @Sendable () -> Date { store.now }
    /// Removes content no file has used for `--gc-grace`, run beside the server.
    let collector: BlobCollector
    /// Follows the logouts of other processes on the same database.
    let revocations: RevocationFeed
    /// tus uploads waiting for their bytes in `DATA/uploads/`, and their expiry.
    let resumableUploads: ResumableUploads
    /// `--metrics`' registry; `nil` without it.
    let metrics: ServerMetrics?
    /// `--tls-cert`'s context, reloaded on SIGHUP; `nil`: plain HTTP.
    let tls: TLSCertificates?

    /// Assembles the server over stores that are open: clears what stopped processes left in
    /// `tmp/`, runs the store's start-up housekeeping, and loads or creates the signing key.
    /// - Throws: the store's or `SecretKey`'s errors.
    init(configuration: ServerConfiguration, store: any MetadataStore, blobs: any BlobStore, staging: StagingArea, logger: Logger) async throws {
        self.configuration = configuration
        self.store = store
        self.blobs = blobs
        self.staging = staging
        let cleared = staging.clearLeftovers()
        if cleared > 0 { logger.notice("start-up: removed \(cleared) uploads that stopped processes left in tmp/") }
        try await store.recover()
        files = FileService(store: store, blobs: blobs, staging: staging, maxUpload: configuration.maxUploadBytes)
        let secret = try configuration.secretKey ?? SecretKey.loadOrCreate(dataDirectory: configuration.dataDirectory)
        tokens = await TokenService(secret: secret, lifetime: configuration.tokenLifetime, now: store.now)
        hasher = PasswordHasher(rounds: configuration.passwordRounds)
        decoyHash = hasher.hash(UUID().uuidString)
        collector = BlobCollector(store: store, blobs: blobs, grace: configuration.gcGrace, interval: configuration.gcInterval, logger: logger)
        revocations = RevocationFeed(store: store, logger: logger)
        metrics = configuration.metrics || configuration.metricsListen != nil ? ServerMetrics.shared : nil
        if let certificate = configuration.tlsCertificate, let key = configuration.tlsKey {
            tls = try TLSCertificates(certificate: certificate, key: key)
        } else {
            tls = nil
        }
        resumableUploads = ResumableUploads(
            store: try ResumableUploadStore(directory: configuration.dataDirectory + "/uploads"), files: files,
            expiry: configuration.uploadExpiry, sweepInterval: min(configuration.gcInterval, 60), now: store.now, logger: logger)
    }

    /// Opens the data directory and the stores the configuration names: creates the directory,
    /// opens and migrates the database, opens the blob store, and assembles the server over them.
    /// - Throws: the stores' or `SecretKey`'s errors when something is unusable.
    public static func open(_ configuration: ServerConfiguration, logger: Logger, now: @escaping @Sendable () -> Date = Date.init) async throws
        -> AppDependencies
    {
        MemoryTuning.apply()
        if let raised = OpenFileLimit.raiseToHard() {
            logger.debug("open files limit raised from \(raised.before) to \(raised.after)")
        }
        let dir = configuration.dataDirectory
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if let mode = DataDirectory.openMode(dir) {
            logger.warning(
                "the data directory \(dir) can be read by other users (mode \(String(mode, radix: 8))); run chmod 700 on it")
        }
        let staging = try StagingArea(root: dir + "/tmp", minFreeSpace: configuration.minFreeSpaceBytes)
        let blobs = try await openBlobStore(configuration)
        if !configuration.usesPostgres {
            let databasePath = configuration.sqlitePath
            // A database outside the data directory (`--database`) gets its folder made like the data directory.
            try FileManager.default.createDirectory(
                atPath: (databasePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
            try DataDirectory.makeOwnerOnly(databasePath, alsoExisting: ["-wal", "-shm"])
        }
        let store = try await openMetadataStore(configuration, logger: logger, now: now)
        return try await AppDependencies(configuration: configuration, store: store, blobs: blobs, staging: staging, logger: logger)
    }
}

extension AppDependencies {
    /// The blob store `--blobs` names (an S3 one is asked first whether it lets Papers in).
    /// - Throws: `BlobStoreError`, `SigV4` credential errors, the file system's errors.
    static func openBlobStore(_ configuration: ServerConfiguration) async throws -> any BlobStore {
        switch configuration.blobs {
        case .s3(let location):
            let store = S3BlobStore(location: location, credentials: try SigV4.Credentials.fromEnvironment())
            // Wrong credentials or a missing bucket stop the start with one line, not a 503 per request.
            try await store.ping()
            return store
        case .folder(let path):
            return try DiskBlobStore(directory: path)
        case nil:
            return try DiskBlobStore(directory: configuration.dataDirectory + "/blobs")
        }
    }

    /// The metadata store `--database` names, opened and migrated.
    /// - Throws: `StoreError.unavailable`, `PostgresURLError`, GRDB's `DatabaseError`.
    static func openMetadataStore(
        _ configuration: ServerConfiguration, logger: Logger, now: @escaping @Sendable () -> Date = Date.init,
        operationTimeout: Duration = .seconds(5)
    ) async throws -> any MetadataStore {
        if case .postgres(let url) = configuration.database {
            return try await PostgresMetadataStore(
                url: url, logger: logger, retention: configuration.retention, now: now, operationTimeout: operationTimeout)
        }
        return try SQLiteMetadataStore(
            path: configuration.sqlitePath, readers: NIOSingletons.groupLoopCountSuggestion, retention: configuration.retention, now: now)
    }

    /// The backends for the start-up line: `database=sqlite blobs=file`.
    public var backends: String { "database=\(store.kind) blobs=\(blobs.kind)" }

    /// The one line `papers serve` logs when `open` failed: what could not be opened, and why,
    /// without a password from the database URL.
    public static func describeOpenFailure(_ error: any Error, _ configuration: ServerConfiguration) -> String {
        if case .s3(let location) = configuration.blobs {
            switch error {
            case let error as S3Location.Invalid: return error.description
            case BlobStoreError.refused(let detail): return "the object store refuses Papers for \(location.description): \(detail)"
            case BlobStoreError.unavailable(let detail): return "cannot reach the object store for \(location.description): \(detail)"
            default: break
            }
        }
        if case .postgres(let url) = configuration.database {
            switch error {
            case StoreError.unavailable(let detail): return "cannot reach the database \(PostgresURL.redacted(url)): \(detail)"
            case let error as PostgresURLError: return "--database \(PostgresURL.redacted(url)): \(error)"
            case let error as StoreMigration.Failure: return "\(error)"
            default: return "cannot open the database \(PostgresURL.redacted(url)): \(String(reflecting: error))"
            }
        }
        if let error = error as? TLSCertificates.Failure { return error.description }
        return "cannot open the data directory \(configuration.dataDirectory): \(error)"
    }
}

/// The router with every route of the API, its middleware, and its error mapping.
func buildRouter(_ dependencies: AppDependencies, logger: Logger) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    // Middleware applies to routes added after it; the first added is the outermost, so the log
    // sees every answer, errors included. The route table is filled in once the routes exist.
    let table = RouteTable()
    router.add(middleware: RequestLogMiddleware(logger: logger, structured: dependencies.configuration.logFormat == .json))
    if dependencies.metrics != nil {
        // Outside the error mapping: it counts every answer with the status the client got.
        router.add(middleware: MetricsMiddleware())
    }
    router.add(middleware: ErrorMiddleware(logger: logger, routes: table))
    if let metrics = dependencies.metrics, dependencies.configuration.metricsListen == nil {
        router.get("metrics") { _, _ in metricsResponse(metrics, dependencies) }
    }
    let auth = AuthMiddleware(tokens: dependencies.tokens, store: dependencies.store, accounts: AccountStates(store: dependencies.store, now: dependencies.now))
    router.get("health") { _, context in
        var status = HealthStatus(status: "ok", version: PapersVersion.string, database: dependencies.store.kind, blobs: dependencies.blobs.kind)
        do {
            try await dependencies.store.ping()
            try await dependencies.blobs.ping()
        } catch {
            // A load balancer takes this process out of rotation until both answer again.
            logger.warning("health: \(error)")
            status.status = "unavailable"
            return try Response.json(status, status: .serviceUnavailable, context: context)
        }
        return try Response.json(status, status: .ok, context: context)
    }
    let throttle = LoginThrottle(store: dependencies.store, now: dependencies.now)
    AuthController(
        store: dependencies.store, tokens: dependencies.tokens, hasher: dependencies.hasher, throttle: throttle,
        defaultQuota: dependencies.configuration.defaultQuotaBytes, registrationOpen: dependencies.configuration.registrationIsOpen,
        decoyHash: dependencies.decoyHash
    ).addRoutes(to: router.group("api/v1/auth"), auth: auth)
    NodesController(
        files: dependencies.files, uploads: UploadController(files: dependencies.files), content: ContentController(files: dependencies.files)
    ).addRoutes(to: router.group("api/v1/user/{user_id}").add(middleware: auth))
    TusController(uploads: dependencies.resumableUploads, maxUpload: dependencies.configuration.maxUploadBytes)
        .addRoutes(to: router.group("api/v1/user/{user_id}").add(middleware: auth))
    TrashController(files: dependencies.files).addRoutes(to: router.group("api/v1/user/{user_id}").add(middleware: auth))
    SearchController(files: dependencies.files).addRoutes(to: router.group("api/v1/user/{user_id}").add(middleware: auth))
    let shares = ShareLinks(store: dependencies.store, hasher: dependencies.hasher, throttle: throttle, verified: VerifiedPasswords(now: dependencies.now))
    SharesController(shares: shares).addRoutes(to: router.group("api/v1/user/{user_id}").add(middleware: auth))
    ShareController(shares: shares, files: dependencies.files, content: ContentController(files: dependencies.files)).addRoutes(to: router)
    DAVController(
        files: dependencies.files, uploads: UploadController(files: dependencies.files), content: ContentController(files: dependencies.files)
    ).addRoutes(
        to: router,
        auth: DAVAuthMiddleware(
            store: dependencies.store, bearer: auth, hasher: dependencies.hasher, throttle: throttle, decoyHash: dependencies.decoyHash,
            verified: VerifiedPasswords(now: dependencies.now)))
    table.load(router.routes.map { ($0.path.description, $0.method.rawValue) })
    return router
}

/// The whole server: router, HTTP/1.1 (and HTTP/2 by ALPN under TLS) with `Expect: 100-continue` answered, graceful shutdown on
/// SIGTERM/SIGINT (in-flight requests finish).
public func buildApplication(
    _ dependencies: AppDependencies, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let configuration = dependencies.configuration
    let maxUpload = configuration.maxUploadBytes
    let idleTimeout = TimeAmount.milliseconds(Int64(configuration.idleTimeout * 1000))
    return Application(
        router: buildRouter(dependencies, logger: logger),
        server: HTTPServerBuilder { responder in
            let http1 = HTTP1Channel(
                responder: responder,
                configuration: .init(
                    additionalChannelHandlers: [MalformedRequestHandler(logger: logger), ExpectContinueHandler(maxUpload: maxUpload)],
                    idleTimeout: idleTimeout))
            let http2 = HTTP2Channel(
                responder: responder,
                configuration: .init(
                    idleTimeout: .milliseconds(Int64(configuration.idleTimeout * 1000)),
                    streamConfiguration: .init(additionalChannelHandlers: [ExpectContinueHandler(maxUpload: maxUpload), HTTP2StreamRules()])))
            return ServerChannel(http1: http1, http2: http2, metrics: dependencies.metrics, tls: dependencies.tls)
        },
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
        services: [dependencies.collector, dependencies.revocations, dependencies.resumableUploads] + metricsServer(dependencies, logger: logger)
            + (dependencies.tls.map { [TLSReloader(certificates: $0, logger: logger)] } ?? []),
        onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}

/// `/metrics` in Prometheus' text format.
func metricsResponse(_ metrics: ServerMetrics, _ dependencies: AppDependencies) -> Response {
    Response(
        status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition(dependencies))))
}

/// With `--metrics-listen`, a second server on that address with `/metrics` only (the main one then
/// has none), so the figures need not be public.
func metricsServer(_ dependencies: AppDependencies, logger: Logger) -> [any Service] {
    guard let metrics = dependencies.metrics, let address = dependencies.configuration.metricsListen else { return [] }
    let router = Router()
    router.get("metrics") { _, _ in metricsResponse(metrics, dependencies) }
    return [
        Application(
            router: router, configuration: .init(address: .hostname(address.host, port: address.port), serverName: nil),
            onServerRunning: { channel in logger.notice("metrics on http://\(address.host):\(channel.localAddress?.port ?? address.port)/metrics") },
            logger: logger)
    ]
}
