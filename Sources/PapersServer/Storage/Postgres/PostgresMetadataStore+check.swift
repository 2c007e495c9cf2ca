import Foundation
import Logging
import PostgresNIO

extension PostgresMetadataStore {
    /// `SQLiteMetadataStore.contentInUse`.
    func contentInUse(after: String?, limit: Int) async throws -> [ContentInUse] {
        let logger = self.logger
        return try await withConnection { c in try await Self.contentInUse(c, after: after, limit: limit, logger: logger) }
    }

    static func contentInUse(_ c: PostgresConnection, after: String?, limit: Int, logger: Logger) async throws -> [ContentInUse] {
        let after = after ?? ""
        return try await rows(
            c,
            """
            SELECT sha256, MAX(size) FROM (
              SELECT sha256, size FROM nodes WHERE sha256 IS NOT NULL AND sha256 > \(after)
              UNION ALL SELECT sha256, size FROM versions WHERE sha256 > \(after)) used
            GROUP BY sha256 ORDER BY sha256 COLLATE "C" LIMIT \(limit)
            """, logger: logger
        ).map { ContentInUse(sha256: try $0[0].decode(String.self), size: try $0[1].decode(Int64.self)) }
    }

    /// Runs `body` in a REPEATABLE READ transaction whose snapshot is exported: `body` gets the
    /// snapshot's name (for `pg_dump --snapshot`, which then dumps exactly this state) and a reader
    /// of the content in use as of the same snapshot. No operation timeout: a back-up takes as long
    /// as it takes, and the transaction must stay open until the dump has started.
    /// - Throws: `StoreError.unavailable` when PostgreSQL does not answer; `body`'s errors.
    func withExportedSnapshot<T: Sendable>(
        _ body: @escaping @Sendable (_ snapshot: String, _ contentInUse: @escaping @Sendable (String?, Int) async throws -> [ContentInUse])
            async throws -> T
    ) async throws -> T {
        let logger = self.logger
        do {
            return try await pools.client.withConnection { c in
                try await c.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
                do {
                    let snapshot = try await Self.rows(c, "SELECT pg_export_snapshot()", logger: logger)[0][0].decode(String.self)
                    let value = try await body(snapshot) { after, limit in try await Self.contentInUse(c, after: after, limit: limit, logger: logger) }
                    try await c.query("COMMIT", logger: logger)
                    return value
                } catch {
                    _ = try? await c.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        } catch let error as PSQLError {
            throw Self.mapped(error)
        }
    }

    /// `SQLiteMetadataStore.contentUsers`.
    func contentUsers(sha256: String, limit: Int) async throws -> [ContentUser] {
        let logger = self.logger
        return try await withConnection { c in
            try await Self.rows(
                c,
                """
                SELECT u.email, n.id, n.name, CASE WHEN n.trash_id IS NULL THEN 'file' ELSE 'trash' END
                FROM nodes n JOIN users u ON u.id = n.owner_id WHERE n.sha256 = \(sha256)
                UNION ALL
                SELECT u.email, n.id, n.name, 'version' FROM versions v JOIN nodes n ON n.id = v.node_id JOIN users u ON u.id = v.owner_id
                WHERE v.sha256 = \(sha256)
                LIMIT \(limit)
                """, logger: logger
            ).map {
                ContentUser(
                    email: try $0[0].decode(String.self), fileId: try $0[1].decode(String.self), name: try $0[2].decode(String.self),
                    place: ContentUser.Place(rawValue: try $0[3].decode(String.self)) ?? .file)
            }
        }
    }

    /// `SQLiteMetadataStore.unrecorded`.
    func unrecorded(_ hashes: [String]) async throws -> [String] {
        guard !hashes.isEmpty else { return [] }
        let logger = self.logger
        let recorded = try await withConnection { c in
            Set(try await Self.rows(c, "SELECT sha256 FROM blobs WHERE sha256 = ANY(\(hashes))", logger: logger).map { try $0[0].decode(String.self) })
        }
        return hashes.filter { !recorded.contains($0) }
    }

    /// `SQLiteMetadataStore.sizeMismatches`.
    func sizeMismatches(limit: Int) async throws -> [SizeMismatch] {
        let logger = self.logger
        return try await withConnection { c in
            try await Self.rows(
                c,
                """
                SELECT u.email, f.id, f.name, f.size, t.total FROM (
                  SELECT f.id, COALESCE((SELECT SUM(c.size) FROM nodes c WHERE c.parent_id = f.id AND c.trash_id IS NULL), 0)::BIGINT AS total
                  FROM nodes f WHERE f.is_folder AND f.trash_id IS NULL) t
                JOIN nodes f ON f.id = t.id JOIN users u ON u.id = f.owner_id
                WHERE f.size != t.total ORDER BY u.email, f.id LIMIT \(limit)
                """, logger: logger
            ).map {
                SizeMismatch(
                    email: try $0[0].decode(String.self), folderId: try $0[1].decode(String.self), name: try $0[2].decode(String.self),
                    stored: try $0[3].decode(Int64.self), actual: try $0[4].decode(Int64.self))
            }
        }
    }

    /// `SQLiteMetadataStore.repairSizes`.
    func repairSizes() async throws -> Int {
        let logger = self.logger
        return try await transaction { c in
            // Every change to a tree locks its owner's row first: holding them all, no commit moves a
            // size while the totals are read and written (writes wait for the repair, a moment).
            try await c.query("SELECT id FROM users ORDER BY id FOR UPDATE", logger: logger)
            var changed = 0
            while true {
                let rows = try await Self.rows(
                    c,
                    """
                    UPDATE nodes SET size = (SELECT COALESCE(SUM(c.size), 0) FROM nodes c WHERE c.parent_id = nodes.id AND c.trash_id IS NULL),
                                     version = version + 1
                    WHERE is_folder AND trash_id IS NULL
                      AND size != (SELECT COALESCE(SUM(c.size), 0) FROM nodes c WHERE c.parent_id = nodes.id AND c.trash_id IS NULL)
                    RETURNING id
                    """, logger: logger)
                if rows.isEmpty { return changed }
                changed += rows.count
            }
        }
    }
}
