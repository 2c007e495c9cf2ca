import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PapersServer

/// `papers serve`: the HTTP server. Every option can also come from a `PAPERS_*` environment variable.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the Papers server.",
        discussion: """
            Environment: PAPERS_HOST, PAPERS_PORT, PAPERS_DATA, PAPERS_TOKEN_TTL, PAPERS_MAX_UPLOAD,
            PAPERS_DEFAULT_QUOTA, PAPERS_MIN_FREE_SPACE, PAPERS_IDLE_TIMEOUT, PAPERS_LOG_LEVEL, PAPERS_SECRET_KEY (the JWT signing key; without it one is
            made at first start in DATA/secret.key). Options win over the environment.
            """)

    @Option(help: "Address to listen on (PAPERS_HOST). Default 127.0.0.1.")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free one (PAPERS_PORT). Default 8080.")
    var port: Int?

    @Option(help: "Data directory (PAPERS_DATA). Default $XDG_DATA_HOME/papers or ~/.local/share/papers.")
    var data: String?

    @Option(
        name: .customLong("database"),
        help: "The database: a path, sqlite:PATH, or postgres://USER:PASSWORD@HOST:PORT/DB[?sslmode=...] (PAPERS_DATABASE_URL). Default DATA/papers.sqlite.")
    var database: String?

    @Option(
        name: .customLong("blobs"),
        help: "Where file contents live: a folder path or file:///path (also a volume several servers share), or s3://bucket/prefix?endpoint=URL&region=R with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (PAPERS_BLOBS_URL). Default DATA/blobs.")
    var blobs: String?

    @Option(name: .customLong("token-ttl"), help: "Token lifetime: seconds or 30m, 24h, 7d (PAPERS_TOKEN_TTL). Default 24h.")
    var tokenTTL: String?

    @Option(name: .customLong("max-upload"), help: "Largest upload: bytes or 512K, 100M, 2G (PAPERS_MAX_UPLOAD). Default unlimited.")
    var maxUpload: String?

    @Option(name: .customLong("default-quota"), help: "Quota of new accounts, same units (PAPERS_DEFAULT_QUOTA). Default unlimited.")
    var defaultQuota: String?

    @Option(
        name: .customLong("min-free-space"),
        help: "Free disk space uploads must leave for deletes and the database, same units; 0 turns it off (PAPERS_MIN_FREE_SPACE). Default 256M.")
    var minFreeSpace: String?

    @Option(
        name: .customLong("idle-timeout"),
        help: "Close a connection idle this long, or whose request head is not complete by then: seconds or 30s, 2m (PAPERS_IDLE_TIMEOUT). Default 60s.")
    var idleTimeout: String?

    @Option(
        name: .customLong("gc-grace"),
        help: "How long content stays after its last file is gone, before it is removed: 0, 30s, 10m, 1h (PAPERS_GC_GRACE). Default 1h.")
    var gcGrace: String?

    @Option(name: .customLong("gc-interval"), help: "How often unused content is collected: 30s, 10m (PAPERS_GC_INTERVAL). Default 10m.")
    var gcInterval: String?

    @Option(name: .customLong("upload-expiry"), help: "How long an unfinished resumable upload waits for its bytes: 30m, 24h, 7d (PAPERS_UPLOAD_EXPIRY). Default 24h.")
    var uploadExpiry: String?

    @Option(
        name: .customLong("trash-days"),
        help: "Days a deleted file or folder stays in the trash before it is deleted for good; 0 deletes at once (PAPERS_TRASH_DAYS). Default 30.")
    var trashDays: String?

    @Option(
        name: .customLong("keep-versions"),
        help: "Earlier versions kept of each file when its content is replaced; 0 keeps none (PAPERS_KEEP_VERSIONS). Default 10.")
    var keepVersions: String?

    @Option(
        help: "open: anyone may register; closed: accounts come from `papers admin users add` (PAPERS_REGISTRATION). Default open only on a loopback address.")
    var registration: String?

    @Option(name: .customLong("tls-cert"), help: "Serve HTTPS with this PEM certificate chain (PAPERS_TLS_CERT); reloaded on SIGHUP. Needs --tls-key.")
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: "The PEM private key of --tls-cert (PAPERS_TLS_KEY).")
    var tlsKey: String?

    @Flag(help: "Serve Prometheus metrics at GET /metrics, without a token (PAPERS_METRICS=1).")
    var metrics = false

    @Option(
        name: .customLong("metrics-listen"),
        help: "Serve /metrics on this HOST:PORT instead of the main address, so it need not be public; implies --metrics (PAPERS_METRICS_LISTEN).")
    var metricsListen: String?

    @Option(name: .customLong("log-format"), help: "text or json: one JSON object per line, for log shippers (PAPERS_LOG_FORMAT). Default text.")
    var logFormat: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (PAPERS_LOG_LEVEL). Default info.")
    var logLevel: String?

    func resolvedConfiguration(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServerConfiguration {
        func value(_ option: String?, _ variable: String) -> String? {
            option ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        }
        var configuration = ServerConfiguration(
            dataDirectory: ServerConfiguration.dataDirectory(option: data, environment: environment))
        if let host = value(host, "PAPERS_HOST") { configuration.host = host }
        if let text = port.map(String.init) ?? value(nil, "PAPERS_PORT") {
            guard let port = Int(text), (0...65535).contains(port) else { throw ValidationError("port must be 0–65535, not \(text)") }
            configuration.port = port
        }
        /// An option (or its variable) read by `parse`; `nil` when neither is given.
        func parsed<T>(_ option: String?, _ variable: String, _ name: String, like examples: String, _ parse: (String) -> T?) throws -> T? {
            guard let text = value(option, variable) else { return nil }
            guard let result = parse(text) else { throw ValidationError("\(name) must look like \(examples), not \(text)") }
            return result
        }
        switch try parsed(database, "PAPERS_DATABASE_URL", "database", like: "a path, sqlite:PATH or postgres://...", ConfigValue.database) {
        case .sqlite(let path): configuration.database = .sqlite(path: (path as NSString).expandingTildeInPath)
        case let chosen: configuration.database = chosen
        }
        if let text = value(blobs, "PAPERS_BLOBS_URL") {
            do {
                configuration.blobs = try ConfigValue.blobs(text, environment: environment)
            } catch {
                throw ValidationError(error.description)
            }
        }
        if let ttl = try parsed(tokenTTL, "PAPERS_TOKEN_TTL", "token-ttl", like: "3600, 30m, 24h or 7d", ConfigValue.duration) {
            configuration.tokenLifetime = ttl
        }
        if let size = try parsed(maxUpload, "PAPERS_MAX_UPLOAD", "max-upload", like: "1048576, 512K, 100M or 2G", ConfigValue.size) {
            configuration.maxUploadBytes = size
        }
        if let size = try parsed(defaultQuota, "PAPERS_DEFAULT_QUOTA", "default-quota", like: "1048576, 512K, 100M or 2G", ConfigValue.size) {
            configuration.defaultQuotaBytes = size
        }
        if let size = try parsed(minFreeSpace, "PAPERS_MIN_FREE_SPACE", "min-free-space", like: "0, 512M or 2G", ConfigValue.size) {
            configuration.minFreeSpaceBytes = size
        }
        if let seconds = try parsed(idleTimeout, "PAPERS_IDLE_TIMEOUT", "idle-timeout", like: "60, 30s or 2m", ConfigValue.duration) {
            configuration.idleTimeout = seconds
        }
        if let seconds = try parsed(gcGrace, "PAPERS_GC_GRACE", "gc-grace", like: "0, 30s, 10m or 1h", ConfigValue.durationOrZero) {
            configuration.gcGrace = seconds
        }
        if let seconds = try parsed(gcInterval, "PAPERS_GC_INTERVAL", "gc-interval", like: "30s, 10m or 1h", ConfigValue.duration) {
            configuration.gcInterval = seconds
        }
        if let seconds = try parsed(uploadExpiry, "PAPERS_UPLOAD_EXPIRY", "upload-expiry", like: "30m, 24h or 7d", ConfigValue.duration) {
            configuration.uploadExpiry = seconds
        }
        if let days = try parsed(trashDays, "PAPERS_TRASH_DAYS", "trash-days", like: "0, 7 or 30 (days, up to 36500)", ConfigValue.count) {
            configuration.trashDays = days
        }
        if let count = try parsed(keepVersions, "PAPERS_KEEP_VERSIONS", "keep-versions", like: "0, 10 or 100 (up to 36500)", ConfigValue.count) {
            configuration.keepVersions = count
        }
        if let mode = try parsed(registration, "PAPERS_REGISTRATION", "registration", like: "open or closed", {
            ServerConfiguration.Registration(rawValue: $0.lowercased())
        }) {
            configuration.registration = mode
        }
        let certificate = value(tlsCert, "PAPERS_TLS_CERT")
        let key = value(tlsKey, "PAPERS_TLS_KEY")
        guard (certificate == nil) == (key == nil) else { throw ValidationError("--tls-cert and --tls-key go together: give both or neither") }
        configuration.tlsCertificate = certificate.map { ($0 as NSString).expandingTildeInPath }
        configuration.tlsKey = key.map { ($0 as NSString).expandingTildeInPath }
        if metrics || ["1", "true", "yes", "on"].contains(environment["PAPERS_METRICS"]?.lowercased() ?? "") { configuration.metrics = true }
        if let address = try parsed(metricsListen, "PAPERS_METRICS_LISTEN", "metrics-listen", like: "127.0.0.1:9090 or [::1]:9090", {
            ServerConfiguration.ListenAddress($0)
        }) {
            configuration.metrics = true
            configuration.metricsListen = address
        }
        if let format = try parsed(logFormat, "PAPERS_LOG_FORMAT", "log-format", like: "text or json", { ServerConfiguration.LogFormat(rawValue: $0.lowercased()) }) {
            configuration.logFormat = format
        }
        if let text = value(logLevel, "PAPERS_LOG_LEVEL") {
            guard let level = Logger.Level(rawValue: text.lowercased()) else { throw ValidationError("unknown log level \(text)") }
            configuration.logLevel = level
        }
        if let key = environment["PAPERS_SECRET_KEY"], !key.isEmpty {
            configuration.secretKey = Array(key.utf8)
        }
        return configuration
    }

    func run() async throws {
        let configuration = try resolvedConfiguration()
        if configuration.logFormat == .json {
            let level = configuration.logLevel
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
        var logger = Logger(label: "papers")
        logger.logLevel = configuration.logLevel
        let dependencies: AppDependencies
        do {
            dependencies = try await AppDependencies.open(configuration, logger: logger)
        } catch {
            logger.critical("\(AppDependencies.describeOpenFailure(error, configuration))")
            throw ExitCode(1)
        }
        let host = configuration.host
        let startupLogger = logger
        let backends = dependencies.backends
        let registration = configuration.registrationIsOpen ? "open" : "closed"
        let scheme = configuration.tlsCertificate == nil ? "http" : "https"
        let metrics = configuration.metricsListen.map { " metrics=\($0.host):\($0.port)" } ?? (configuration.metrics ? " metrics=/metrics" : "")
        let app = buildApplication(dependencies, logger: logger) { port in
            startupLogger.notice("papers serve listening on \(scheme)://\(host):\(port) data=\(configuration.dataDirectory) \(backends) registration=\(registration)\(metrics)")
        }
        try await app.runService()
    }
}
