import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// A `postgres://` or `postgresql://` URL that cannot be used.
struct PostgresURLError: Error, CustomStringConvertible {
    var description: String
}

/// `postgres://user:password@host:port/dbname?sslmode=...`, read. `sslmode` is `disable`, `prefer`
/// (the default, as libpq's: TLS when offered, certificate not checked), `require` (TLS, certificate
/// not checked), or `verify-ca` / `verify-full` (TLS, certificate checked against the system's roots).
struct PostgresURL: Sendable {
    enum TLSMode: String, Sendable { case disable, prefer, require, verify }

    var host: String
    var port: Int
    var user: String
    var password: String?
    var database: String
    var tls: TLSMode

    /// - Throws: `PostgresURLError` for a URL without a host or user, or an unknown `sslmode`.
    init(_ text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "postgres" || scheme == "postgresql"
        else { throw PostgresURLError(description: "not a postgres:// URL") }
        guard let host = components.host, !host.isEmpty else { throw PostgresURLError(description: "the URL names no host") }
        let user = components.percentEncodedUser?.removingPercentEncoding ?? ""
        guard !user.isEmpty else { throw PostgresURLError(description: "the URL names no user (postgres://USER:PASSWORD@HOST/DB)") }
        self.host = host
        port = components.port ?? 5432
        self.user = user
        password = components.percentEncodedPassword?.removingPercentEncoding
        let path = String(components.path.drop { $0 == "/" })
        database = (path.removingPercentEncoding ?? path).isEmpty ? user : (path.removingPercentEncoding ?? path)
        switch components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer" {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer
        case "require": tls = .require
        case "verify-ca", "verify-full": tls = .verify
        case let other:
            throw PostgresURLError(description: "sslmode must be disable, prefer, require, verify-ca or verify-full, not \(other)")
        }
    }

    private var tlsConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if tls != .verify { configuration.certificateVerification = .none }
        return configuration
    }

    /// The pool's configuration.
    var clientConfiguration: PostgresClient.Configuration {
        let mode: PostgresClient.Configuration.TLS
        switch tls {
        case .disable: mode = .disable
        case .prefer: mode = .prefer(tlsConfiguration)
        case .require, .verify: mode = .require(tlsConfiguration)
        }
        return PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: mode)
    }

    /// Connects once and hangs up: what the pool would only retry in silence (a refused connection, a
    /// wrong password, a database that does not exist), said at start-up.
    /// - Throws: `StoreError.unavailable` with the reason.
    func probe(logger: Logger, timeout: TimeAmount = .seconds(3)) async throws {
        let mode: PostgresConnection.Configuration.TLS
        do {
            switch tls {
            case .disable: mode = .disable
            case .prefer: mode = .prefer(try NIOSSLContext(configuration: tlsConfiguration))
            case .require, .verify: mode = .require(try NIOSSLContext(configuration: tlsConfiguration))
            }
        } catch {
            throw StoreError.unavailable(detail: "TLS set-up failed: \(error)")
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: mode)
        configuration.options.connectTimeout = timeout
        do {
            let connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 0, logger: logger
            ).get()
            try await connection.close()
        } catch {
            throw StoreError.unavailable(detail: Self.explain(error))
        }
    }

    /// A connection failure in a sentence: the server's message, or the socket's.
    static func explain(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return String(describing: error) }
        if let message = error.serverInfo?[.message] { return message }
        if let underlying = error.underlying { return String(describing: underlying) }
        return String(describing: error.code)
    }

    /// The URL with its password replaced by `***`, for logs.
    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "postgres://***"
    }
}
