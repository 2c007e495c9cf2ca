import Foundation
import GRDB
import Logging
import PapersCore
import PostgresNIO

/// Copies a SQLite database into an empty PostgreSQL one (`papers admin migrate --to postgres://...`):
/// accounts, the whole tree, content references and unexpired revocations, read from one SQLite
/// snapshot and written in one PostgreSQL transaction — all of it or nothing. The blobs stay where
/// they are (they are addressed by hash, the same for both stores). Login failures and leases are
/// not copied: they are short-lived.
public enum StoreMigration {
    /// What was copied.
    public struct Summary: Sendable, Equatable, CustomStringConvertible {
        public var accounts = 0
        public var nodes = 0
        public var contents = 0
        public var revocations = 0

        public var description: String {
            "copied \(accounts) accounts, \(nodes) files and folders (roots included), \(contents) stored contents and \(revocations) revoked tokens"
        }
    }

    /// Why a migration refused to start or stopped. Nothing is left half-copied.
    public enum Failure: Error, CustomStringConvertible {
        case sourceMissing(String)
        case targetNotEmpty(accounts: Int)
        case countsDiffer(table: String, source: Int, target: Int)

        public var description: String {
            switch self {
            case .sourceMissing(let path): return "there is no database at \(path)"
            case .targetNotEmpty(let n):
                return "the PostgreSQL database already holds \(n) accounts; migrate into an empty database (nothing was copied)"
            case .countsDiffer(let table, let source, let target):
                return "after the copy, \(table) has \(target) rows in PostgreSQL but \(source) in SQLite; the copy was rolled back"
            }
        }
    }

    /// Rows per INSERT (arrays of this many values per column).
    static let batch = 1000

    /// Copies the SQLite database at `sqlitePath` into the empty PostgreSQL database `postgresURL`
    /// (migrating both to the current schema first).
    /// - Throws: `Failure`, `StoreError.unavailable` when PostgreSQL does not answer, `PostgresURLError`.
    public static func copy(sqlitePath: String, to postgresURL: String, logger: Logger) async throws -> Summary {
        guard FileManager.default.fileExists(atPath: sqlitePath) else { throw Failure.sourceMissing(sqlitePath) }
        let source = try SQLiteMetadataStore(path: sqlitePath)
        let target = try await PostgresMetadataStore(url: postgresURL, logger: logger, operationTimeout: .seconds(3600))
        let now = Timestamp.milliseconds(Date())
        return try await source.database.read { db in
            // Everything below reads one snapshot; the writes go to PostgreSQL from inside it.
            try Self.readAll(db, now: now)
        }.write(to: target)
    }

    /// One consistent read of everything that is copied.
    struct Snapshot: Sendable {
        var users: [[String?]] = []
        var nodes: [[String?]] = []
        var blobs: [[String?]] = []
        var revocations: [[String?]] = []
        var versions: [[String?]] = []
        var appPasswords: [[String?]] = []
        var deadProperties: [[String?]] = []
        var shares: [[String?]] = []

        func write(to target: PostgresMetadataStore) async throws -> Summary {
            let logger = target.logger
            let snapshot = self
            return try await target.transaction { c in
                let existing = try await PostgresMetadataStore.rows(c, "SELECT COUNT(*) FROM users", logger: logger)[0][0].decode(Int64.self)
                guard existing == 0 else { throw Failure.targetNotEmpty(accounts: Int(existing)) }
                try await insert(c, "users (id, email, fullname, password_hash, created_ms, modified_ms, quota_bytes, trash_bytes, versions_bytes, disabled_ms, tokens_after_ms)",
                                 types: ["text", "text", "text", "text", "bigint", "bigint", "bigint", "bigint", "bigint", "bigint", "bigint"], rows: snapshot.users, logger: logger)
                try await insert(c, """
                                 nodes (id, owner_id, parent_id, name, sort_name, is_folder, size, mime_type, sha256, created_ms, modified_ms, version,
                                        trash_id, deleted_ms, original_parent_id, original_path, content_version)
                                 """,
                                 types: ["text", "text", "text", "text", "text", "boolean", "bigint", "text", "text", "bigint", "bigint", "bigint",
                                         "text", "bigint", "text", "text", "bigint"],
                                 rows: snapshot.nodes, logger: logger)
                try await insert(c, "versions (node_id, number, owner_id, sha256, size, modified_ms)",
                                 types: ["text", "bigint", "text", "text", "bigint", "bigint"], rows: snapshot.versions, logger: logger)
                try await insert(c, "app_passwords (id, user_id, name, secret_hash, created_ms)",
                                 types: ["text", "text", "text", "text", "bigint"], rows: snapshot.appPasswords, logger: logger)
                try await insert(c, "dead_properties (node_id, namespace, name, value)", types: ["text", "text", "text", "text"],
                                 rows: snapshot.deadProperties, logger: logger)
                try await insert(c, "shares (id, owner_id, node_id, token_hash, expires_ms, password_hash, created_ms, downloads, last_access_ms)",
                                 types: ["text", "text", "text", "text", "bigint", "text", "bigint", "bigint", "bigint"],
                                 rows: snapshot.shares, logger: logger)
                try await insert(c, "blobs (sha256, size, unreferenced_ms, deleting_ms)", types: ["text", "bigint", "bigint", "bigint"],
                                 rows: snapshot.blobs, logger: logger)
                try await insert(c, "revoked_tokens (jti, expires_ms, revoked_ms)", types: ["text", "bigint", "bigint"],
                                 rows: snapshot.revocations, logger: logger)
                for (table, expected) in [
                    ("users", snapshot.users.count), ("nodes", snapshot.nodes.count), ("blobs", snapshot.blobs.count),
                    ("versions", snapshot.versions.count), ("app_passwords", snapshot.appPasswords.count),
                    ("dead_properties", snapshot.deadProperties.count), ("shares", snapshot.shares.count),
                ] {
                    let count = Int(try await PostgresMetadataStore.rows(c, PostgresQuery(unsafeSQL: "SELECT COUNT(*) FROM \(table)"), logger: logger)[0][0].decode(Int64.self))
                    guard count == expected else { throw Failure.countsDiffer(table: table, source: expected, target: count) }
                }
                return Summary(accounts: snapshot.users.count, nodes: snapshot.nodes.count, contents: snapshot.blobs.count,
                               revocations: snapshot.revocations.count)
            }
        }

        /// Inserts rows as text, `batch` at a time: each column is one text-array parameter (`UNNEST`),
        /// so a batch is one statement; NULL travels as `null` (a control character no stored value
        /// holds) and each column is cast to its type.
        private func insert(_ c: PostgresConnection, _ into: String, types: [String], rows: [[String?]], logger: Logger) async throws {
            let null = "\u{1}"
            let columns = types.indices.map { "c\($0)" }
            let select = zip(columns, types).map { "NULLIF(\($0), E'\\x01')::\($1)" }.joined(separator: ", ")
            let arrays = types.indices.map { "$\($0 + 1)::text[]" }.joined(separator: ", ")
            let sql = "INSERT INTO \(into) SELECT \(select) FROM UNNEST(\(arrays)) AS u(\(columns.joined(separator: ", ")))"
            for start in stride(from: 0, to: rows.count, by: StoreMigration.batch) {
                let chunk = rows[start..<min(start + StoreMigration.batch, rows.count)]
                var binds = PostgresBindings()
                for i in types.indices { binds.append(chunk.map { $0[i] ?? null }) }
                try await c.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
            }
        }
    }

    static func readAll(_ db: Database, now: Int64) throws -> Snapshot {
        var snapshot = Snapshot()
        func text(_ row: Row, _ i: Int) -> String? {
            let value = row[i] as DatabaseValue
            switch value.storage {
            case .null: return nil
            case .int64(let n): return String(n)
            case .double(let d): return String(d)
            case .string(let s): return s
            case .blob(let data): return String(decoding: data, as: UTF8.self)
            }
        }
        func all(_ sql: String, columns: Int) throws -> [[String?]] {
            try Row.fetchAll(db, sql: sql).map { row in (0..<columns).map { text(row, $0) } }
        }
        snapshot.users = try all(
            """
            SELECT id, email, fullname, password_hash, created_ms, modified_ms, quota_bytes, trash_bytes, versions_bytes, disabled_ms, tokens_after_ms
            FROM users
            """, columns: 11)
        // Parents before children: the foreign key is checked row by row.
        snapshot.nodes = try all(
            """
            WITH RECURSIVE t(id, depth) AS (
              SELECT id, 0 FROM nodes WHERE parent_id IS NULL
              UNION ALL SELECT n.id, t.depth + 1 FROM nodes n JOIN t ON n.parent_id = t.id)
            SELECT n.id, n.owner_id, n.parent_id, n.name, n.sort_name, CASE n.is_folder WHEN 1 THEN 'true' ELSE 'false' END,
                   n.size, n.mime_type, n.sha256, n.created_ms, n.modified_ms, n.version,
                   n.trash_id, n.deleted_ms, n.original_parent_id, n.original_path, n.content_version
            FROM nodes n JOIN t ON t.id = n.id ORDER BY t.depth
            """, columns: 17)
        snapshot.versions = try all("SELECT node_id, number, owner_id, sha256, size, modified_ms FROM versions", columns: 6)
        snapshot.appPasswords = try all("SELECT id, user_id, name, secret_hash, created_ms FROM app_passwords", columns: 5)
        // WebDAV locks are not copied: they are minutes-long client state, and the migration runs with the servers stopped.
        snapshot.deadProperties = try all("SELECT node_id, namespace, name, value FROM dead_properties", columns: 4)
        snapshot.shares = try all(
            "SELECT id, owner_id, node_id, token_hash, expires_ms, password_hash, created_ms, downloads, last_access_ms FROM shares", columns: 9)
        snapshot.blobs = try all("SELECT sha256, size, unreferenced_ms, deleting_ms FROM blobs", columns: 4)
        snapshot.revocations = try all(
            "SELECT jti, expires_ms, \(now) FROM revoked_tokens WHERE expires_ms >= \(now)", columns: 3)
        return snapshot
    }
}
