import Foundation
import PapersCore
import PostgresNIO

/// Share links in PostgreSQL: `SQLiteMetadataStore+shares.swift`'s rows and rules (migration "v5 shares").
extension PostgresMetadataStore {
    /// A row with `SQLiteMetadataStore.shareColumns` from column `at` on.
    static func share(_ row: PostgresRandomAccessRow, at o: Int = 0) throws -> ShareRecord {
        ShareRecord(
            id: try row[o].decode(String.self), ownerId: try row[o + 1].decode(String.self), nodeId: try row[o + 2].decode(String.self),
            expiresMs: try row[o + 3].decode(Int64?.self), passwordHash: try row[o + 4].decode(String?.self),
            createdMs: try row[o + 5].decode(Int64.self), downloads: try row[o + 6].decode(Int64.self),
            lastAccessMs: try row[o + 7].decode(Int64?.self), nodeName: try row[o + 8].decode(String.self),
            isFolder: try row[o + 9].decode(Bool.self))
    }

    func createShare(ownerId: String, nodeId: String, tokenHash: String, expiresMs: Int64?, passwordHash: String?) async throws -> ShareRecord {
        let id = RandomID.uuid()
        let now = nowMs
        let logger = self.logger
        return try await transaction { c in
            guard
                let row = try await Self.rows(
                    c,
                    """
                    SELECT name, is_folder FROM nodes
                    WHERE id = \(nodeId) AND owner_id = \(ownerId) AND parent_id IS NOT NULL AND trash_id IS NULL FOR SHARE
                    """, logger: logger
                ).first
            else { throw StoreError.nodeNotFound }
            try await c.query(
                """
                INSERT INTO shares (id, owner_id, node_id, token_hash, expires_ms, password_hash, created_ms, downloads)
                VALUES (\(id), \(ownerId), \(nodeId), \(tokenHash), \(expiresMs), \(passwordHash), \(now), 0)
                """, logger: logger)
            return ShareRecord(
                id: id, ownerId: ownerId, nodeId: nodeId, expiresMs: expiresMs, passwordHash: passwordHash, createdMs: now, downloads: 0,
                lastAccessMs: nil, nodeName: try row[0].decode(String.self), isFolder: try row[1].decode(Bool.self))
        }
    }

    func shares(ownerId: String, query: ShareQuery) async throws -> SharesPage {
        let logger = self.logger
        let columns = SQLiteMetadataStore.shareColumns
        let sql: PostgresQuery =
            if let after = query.after {
                """
                SELECT \(unescaped: columns) FROM shares JOIN nodes ON nodes.id = shares.node_id
                WHERE shares.owner_id = \(ownerId) AND (shares.created_ms, shares.id) < (\(after.createdMs), \(after.id))
                ORDER BY shares.created_ms DESC, shares.id DESC LIMIT \(query.limit + 1)
                """
            } else {
                """
                SELECT \(unescaped: columns) FROM shares JOIN nodes ON nodes.id = shares.node_id WHERE shares.owner_id = \(ownerId)
                ORDER BY shares.created_ms DESC, shares.id DESC LIMIT \(query.limit + 1)
                """
            }
        let items = try await withConnection { c in try await Self.rows(c, sql, logger: logger).map { try Self.share($0) } }
        return SharesPage(fetched: items, limit: query.limit)
    }

    func deleteShare(ownerId: String, id: String) async throws {
        let logger = self.logger
        let deleted = try await withConnection { c in
            try await Self.rows(c, "DELETE FROM shares WHERE id = \(id) AND owner_id = \(ownerId) RETURNING id", logger: logger).count
        }
        if deleted == 0 { throw StoreError.shareNotFound }
    }

    func sharedNode(tokenHash: String) async throws -> SharedNode? {
        let logger = self.logger
        return try await withConnection { c in
            guard
                let row = try await Self.rows(
                    c,
                    """
                    SELECT \(unescaped: Self.qualifiedNodeColumns), \(unescaped: SQLiteMetadataStore.shareColumns)
                    FROM shares JOIN nodes ON nodes.id = shares.node_id JOIN users ON users.id = shares.owner_id
                    WHERE shares.token_hash = \(tokenHash) AND nodes.trash_id IS NULL AND users.disabled_ms IS NULL
                    """, logger: logger
                ).first
            else { return nil }
            return SharedNode(share: try Self.share(row, at: NodeRecord.columnCount), node: try Self.node(row))
        }
    }

    func recordShareAccess(id: String, download: Bool) async throws {
        let now = nowMs
        let logger = self.logger
        let added: Int64 = download ? 1 : 0
        try await withConnection { c in
            try await c.query(
                "UPDATE shares SET last_access_ms = \(now), downloads = downloads + \(added) WHERE id = \(id)", logger: logger)
        }
    }
}
