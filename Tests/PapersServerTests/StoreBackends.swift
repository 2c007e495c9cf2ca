import Foundation
import GRDB
import Logging
import PostgresNIO
import Testing

@testable import PapersServer

/// The metadata stores the conformance tests run against: SQLite (a file in a temporary folder) and
/// PostgreSQL (a fresh database on the server `PAPERS_TEST_POSTGRES_URL` names; `make test` starts a
/// throwaway one with `scripts/with-postgres`). Without that variable the PostgreSQL cases fail:
/// they are part of the suite, not optional.
enum StoreBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// A new, empty database of this backend.
    func makeDatabase() async throws -> TestDatabase {
        switch self {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("papers-store-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            return TestDatabase(backend: self, location: dir + "/papers.sqlite", folder: dir)
        case .postgres:
            guard let base = ProcessInfo.processInfo.environment["PAPERS_TEST_POSTGRES_URL"], !base.isEmpty else {
                throw TestDatabaseError("PAPERS_TEST_POSTGRES_URL is not set: run the tests under scripts/with-postgres (make test does)")
            }
            let name = "s_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(24)
            try await PostgresAdmin.run(base + "postgres", "CREATE DATABASE \(name)")
            return TestDatabase(backend: self, location: base + name, folder: nil)
        }
    }
}

struct TestDatabaseError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One test's database: open as many stores on it as a test needs (two stores are two processes).
struct TestDatabase: Sendable {
    let backend: StoreBackend
    /// The SQLite file, or the PostgreSQL URL.
    let location: String
    let folder: String?

    func open(now: @escaping @Sendable () -> Date = Date.init, retention: Retention = Retention()) async throws -> any MetadataStore {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        switch backend {
        case .sqlite: return try SQLiteMetadataStore(path: location, retention: retention, now: now)
        case .postgres: return try await PostgresMetadataStore(url: location, logger: logger, retention: retention, now: now)
        }
    }

    /// The one text value a query selects (`nil` for NULL or no row): cast others with `CAST(x AS TEXT)`.
    func scalar(_ sql: String) async throws -> String? {
        switch backend {
        case .sqlite:
            let queue = try DatabaseQueue(path: location)
            return try await queue.read { db in try String.fetchOne(db, sql: sql) }
        case .postgres:
            return try await PostgresAdmin.scalar(location, sql)
        }
    }

    func remove() async {
        if let folder { try? FileManager.default.removeItem(atPath: folder) }
        if backend == .postgres, let slash = location.lastIndex(of: "/") {
            let name = location[location.index(after: slash)...]
            try? await PostgresAdmin.run(String(location[...slash]) + "postgres", "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
    }
}

/// Statements outside any store (creating and dropping test databases, reading a value back).
enum PostgresAdmin {
    static func run(_ url: String, _ sql: String) async throws {
        _ = try await scalar(url, sql)
    }

    static func scalar(_ url: String, _ sql: String) async throws -> String? {
        let client = PostgresClient(configuration: try PostgresURL(url + (url.contains("?") ? "" : "?sslmode=disable")).clientConfiguration)
        return try await withThrowingTaskGroup(of: String?.self) { (group: inout ThrowingTaskGroup<String?, any Error>) async throws -> String? in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            let rows = try await client.query(PostgresQuery(unsafeSQL: sql)).collect()
            guard let cell = rows.first?.makeRandomAccess()[0] else { return nil }
            return try cell.decode(String?.self)
        }
    }
}
