import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import PapersCore
import ServiceLifecycle

/// What the routes need, built once at start-up (tests build it over a temporary directory).
public struct AppDependencies: Sendable {
    public let configuration: ServerConfiguration
    let store: any MetadataStore
    let blobs: DiskBlobStore
    let tokens: TokenService
    let hasher: PasswordHasher
    let decoyHash: String
    /// The clock of tokens, throttling and timestamps (tests move it by hand).
    let now: @Sendable () -> Date
    /// Removes content no file has used for `--gc-grace`, run beside the server.
    let collector: BlobCollector?
    /// Follows the logouts of other processes on the same database.
    let revocations: RevocationFeed?

    /// Opens the data directory: creates it, opens and migrates the database, clears what stopped
    /// processes left in `tmp/`, and loads or creates the signing key.
    /// - Throws: the store's or `SecretKey`'s errors when the directory is unusable.
    public static func open(_ configuration: ServerConfiguration, logger: Logger, now: @escaping @Sendable () -> Date = Date.init) async throws
        -> AppDependencies
    {
        MemoryTuning.apply()
        let dir = configuration.dataDirectory
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if let mode = DataDirectory.openMode(dir) {
            logger.warning(
                "the data directory \(dir) can be read by other users (mode \(String(mode, radix: 8))); run chmod 700 on it")
        }
        let blobs = try DiskBlobStore(root: dir, minFreeSpace: configuration.minFreeSpaceBytes)
        let databasePath = configuration.databasePath ?? dir + "/papers.sqlite"
        // A database outside the data directory (`--database`) gets its folder made like the data directory.
        try FileManager.default.createDirectory(
            atPath: (databasePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        try DataDirectory.makeOwnerOnly(databasePath, alsoExisting: ["-wal", "-shm"])
        let store = try SQLiteMetadataStore(path: databasePath, blobs: blobs, readers: NIOSingletons.groupLoopCountSuggestion, now: now)
        let cleared = try store.recover()
        if cleared > 0 { logger.notice("start-up: removed \(cleared) uploads that stopped processes left in tmp/") }
        let secret = try configuration.secretKey ?? SecretKey.loadOrCreate(dataDirectory: dir)
        let tokens = await TokenService(secret: secret, lifetime: configuration.tokenLifetime, now: now)
        let hasher = PasswordHasher(rounds: configuration.passwordRounds)
        let decoyHash = hasher.hash(UUID().uuidString)
        let collector = BlobCollector(store: store, grace: configuration.gcGrace, interval: configuration.gcInterval, logger: logger)
        return AppDependencies(
            configuration: configuration, store: store, blobs: blobs, tokens: tokens, hasher: hasher, decoyHash: decoyHash, now: now,
            collector: collector, revocations: RevocationFeed(store: store, logger: logger))
    }
}

/// The router with every route of the API, its middleware, and its error mapping.
func buildRouter(_ dependencies: AppDependencies, logger: Logger) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    // Middleware applies to routes added after it; the first added is the outermost, so the log
    // sees every answer, errors included. The route table is filled in once the routes exist.
    let table = RouteTable()
    router.add(middleware: RequestLogMiddleware(logger: logger))
    router.add(middleware: ErrorMiddleware(logger: logger, routes: table))
    let auth = AuthMiddleware(tokens: dependencies.tokens, store: dependencies.store, accounts: KnownAccounts())
    router.get("health") { _, context in
        try await dependencies.store.ping()
        return try Response.json(
            HealthStatus(status: "ok", version: PapersVersion.string, database: "sqlite", blobs: "file"), status: .ok, context: context)
    }
    AuthController(
        store: dependencies.store, tokens: dependencies.tokens, hasher: dependencies.hasher, throttle: LoginThrottle(store: dependencies.store, now: dependencies.now),
        defaultQuota: dependencies.configuration.defaultQuotaBytes, decoyHash: dependencies.decoyHash
    ).addRoutes(to: router.group("api/v1/auth"), auth: auth)
    let uploads = UploadController(store: dependencies.store, blobs: dependencies.blobs, maxUpload: dependencies.configuration.maxUploadBytes)
    NodesController(
        store: dependencies.store, uploads: uploads, content: ContentController(store: dependencies.store, blobs: dependencies.blobs)
    ).addRoutes(to: router.group("api/v1/user/{user_id}").add(middleware: auth))
    table.load(router.routes.map { ($0.path.description, $0.method.rawValue) })
    return router
}

/// The whole server: router, HTTP/1.1 with `Expect: 100-continue` answered, graceful shutdown on
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
                    additionalChannelHandlers: [
                        ReceiveBufferHandler(), MalformedRequestHandler(logger: logger), ExpectContinueHandler(maxUpload: maxUpload),
                    ],
                    idleTimeout: idleTimeout))
            return MeteredHTTP1Channel(http1: http1)
        },
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
        services: [dependencies.collector as (any Service)?, dependencies.revocations].compactMap { $0 },
        onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}
