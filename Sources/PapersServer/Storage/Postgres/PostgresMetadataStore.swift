import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PapersCore
import PostgresNIO
import Synchronization

/// Users, nodes, content references, leases, revocations and login failures in PostgreSQL
/// (`--database postgres://...`), for several `papers serve` processes on several machines.
///
/// The same semantics as `SQLiteMetadataStore`, with PostgreSQL's concurrency instead of SQLite's
/// one writer: every change to a user's tree first locks that user's row (`lockOwner`), so that
/// names, folder sizes and the quota stay exact when several processes write for one user, while
/// different users' writes run in parallel; content references lock their `blobs` row, which is what
/// the collector's claim waits for (see `SQLiteMetadataStore+collection.swift` for the protocol).
/// Names compare byte-wise (`COLLATE "C"`), as in SQLite, so pages and cursors agree on both.
///
/// When the database does not answer, every operation throws `StoreError.unavailable` within
/// `operationTimeout` (a 503), and the pool reconnects by itself when it is back.
final class PostgresMetadataStore: MetadataStore {
    let pools: PostgresLoopPools
    private let running: Task<Void, Never>
    let logger: Logger
    let now: @Sendable () -> Date
    let retention: Retention
    var kind: String { "postgres" }
    /// How long one operation may wait for the database before it is answered as unavailable.
    let operationTimeout: Duration
    /// The unexpired revoked token ids with their expiry (ms), as in `SQLiteMetadataStore.revoked`.
    let revoked = Mutex<[String: Int64]>([:])
    /// The `revoked_ms` up to which revocations have been read (`followRevocations`).
    let revokedUpTo = Mutex<Int64>(0)
    /// Operations holding a connection (`/metrics`).
    let activity = ActivityCounter()
    /// The pool's connections, over all event loops.
    static let poolSize = 16
    var connections: Int { Self.poolSize }
    /// New files commit in groups (`createFile`).
    var uploads: PostgresCommitQueue { uploadQueue.withLock { queue in
        if let queue { return queue }
        let made = PostgresCommitQueue(store: self)
        queue = made
        return made
    } }
    private let uploadQueue = Mutex<PostgresCommitQueue?>(nil)

    var nowMs: Int64 { Timestamp.milliseconds(now()) }

    /// Connects to the database `url` names, migrates it (under an advisory lock, so several servers
    /// may start at once) and loads the revocations.
    /// - Throws: `StoreError.unavailable` when it cannot connect or log in; `PostgresURLError` for a bad URL.
    init(
        url: String, logger: Logger, retention: Retention = Retention(), now: @escaping @Sendable () -> Date = Date.init,
        operationTimeout: Duration = .seconds(5)
    ) async throws {
        let address = try PostgresURL(url)
        try await address.probe(logger: logger)
        var configuration = address.clientConfiguration
        configuration.options.connectTimeout = .seconds(3)
        // The pool logs every failed reconnection attempt; the requests' 503s and /health say it once.
        var quiet = logger
        quiet.logLevel = .critical
        pools = PostgresLoopPools(configuration: configuration, group: .singleton, totalConnections: Self.poolSize, logger: quiet)
        let pools = self.pools
        running = Task { await pools.run() }
        self.logger = logger
        self.now = now
        self.retention = retention
        self.operationTimeout = operationTimeout
        do {
            try await migrate()
            try await followRevocations()
        } catch {
            running.cancel()
            throw error
        }
    }

    deinit { running.cancel() }

    // MARK: Running statements

    /// Runs `body` on a pooled connection, within `operationTimeout`: past it, the operation is
    /// cancelled (a timer on an event loop, cheaper per call than a racing child task) and answered
    /// as unavailable — a database that does not answer never hangs a request.
    /// - Throws: `StoreError.unavailable` when the database does not answer; `body`'s errors otherwise.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let client = pools.client
        let timeout = operationTimeout
        let expired = Mutex(false)
        let activity = self.activity
        let operation = Task {
            activity.enter()
            defer { activity.leave() }
            return try await client.withConnection(body)
        }
        // On this thread's own loop: a timer on another would wake that thread twice per operation.
        let loop = MultiThreadedEventLoopGroup.currentEventLoop ?? MultiThreadedEventLoopGroup.singleton.next()
        let timer = loop.scheduleTask(in: .milliseconds(Int64(timeout / .milliseconds(1)))) {
            expired.withLock { $0 = true }
            operation.cancel()
        }
        do {
            let value = try await withTaskCancellationHandler {
                try await operation.value
            } onCancel: {
                operation.cancel()
            }
            timer.cancel()
            return value
        } catch {
            timer.cancel()
            if expired.withLock({ $0 }) { throw StoreError.unavailable(detail: "no answer from PostgreSQL within \(timeout)") }
            throw Self.mapped(error)
        }
    }

    /// Runs `body` in a transaction (READ COMMITTED), retried when PostgreSQL aborts it for a
    /// serialization failure or a deadlock.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let logger = self.logger
        var attempt = 0
        while true {
            do {
                return try await withConnection { connection in
                    try await connection.query("BEGIN", logger: logger)
                    do {
                        let value = try await body(connection)
                        try await connection.query("COMMIT", logger: logger)
                        return value
                    } catch {
                        _ = try? await connection.query("ROLLBACK", logger: logger)
                        throw error
                    }
                }
            } catch let error as PSQLError where Self.isRetryable(error) && attempt < 5 {
                attempt += 1
                try await Task.sleep(for: .milliseconds(5 << attempt))
            }
        }
    }

    /// Rows of a query, collected.
    static func rows(_ connection: PostgresConnection, _ query: PostgresQuery, logger: Logger) async throws -> [PostgresRandomAccessRow] {
        try await connection.query(query, logger: logger).collect().map { $0.makeRandomAccess() }
    }

    /// The SQLSTATE of a server error.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// Whether PostgreSQL aborted the work for a serialization failure or a deadlock, so that doing
    /// it again may succeed.
    static func isRetryable(_ error: any Error) -> Bool {
        let state = (error as? PSQLError)?.serverInfo?[.sqlState] ?? (error as? FunctionError)?.sqlState ?? ""
        return ["40001", "40P01"].contains(state)
    }

    /// An error a function of ours caught in its own subtransaction and answered with (`papers_add_file`).
    struct FunctionError: Error, CustomStringConvertible {
        let sqlState: String
        let message: String
        var description: String { "PostgreSQL \(sqlState): \(message)" }
    }

    /// Connection-level failures become `StoreError.unavailable`; everything else passes.
    static func mapped(_ error: any Error) -> any Error {
        guard let error = error as? PSQLError else { return error }
        if let state = error.serverInfo?[.sqlState] {
            // 08: connection exception, 57P: operator intervention (shutdown), 53: insufficient
            // resources, 28: authentication refused.
            if state.hasPrefix("08") || state.hasPrefix("57P") || state.hasPrefix("53") || state.hasPrefix("28") {
                return StoreError.unavailable(detail: "PostgreSQL: \(PostgresURL.explain(error))")
            }
            return error
        }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .uncleanShutdown, .sslUnsupported:
            return StoreError.unavailable(detail: "PostgreSQL: \(PostgresURL.explain(error))")
        default:
            return error
        }
    }

    // MARK: Housekeeping

    func recover() async throws {
        let now = nowMs
        let logger = self.logger
        try await withConnection { c in try await c.query("DELETE FROM revoked_tokens WHERE expires_ms < \(now)", logger: logger) }
    }

    func ping() async throws {
        let logger = self.logger
        try await withConnection { c in try await c.query("SELECT 1", logger: logger) }
    }
}
