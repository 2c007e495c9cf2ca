import Foundation
import GRDB
import PapersCore

/// Share links in SQLite (migration "v6 shares"): a row per link, gone with its node.
extension SQLiteMetadataStore {
    static let shareColumns = """
        shares.id, shares.owner_id, shares.node_id, shares.expires_ms, shares.password_hash, shares.created_ms, shares.downloads,
        shares.last_access_ms, nodes.name, nodes.is_folder
        """

    /// A row with `shareColumns` from column `at` on.
    static func share(_ row: Row, at o: Int = 0) -> ShareRecord {
        ShareRecord(
            id: row[o], ownerId: row[o + 1], nodeId: row[o + 2], expiresMs: row[o + 3], passwordHash: row[o + 4], createdMs: row[o + 5],
            downloads: row[o + 6], lastAccessMs: row[o + 7], nodeName: row[o + 8], isFolder: row[o + 9])
    }

    func createShare(ownerId: String, nodeId: String, tokenHash: String, expiresMs: Int64?, passwordHash: String?) async throws -> ShareRecord {
        let id = RandomID.uuid()
        let now = nowMs
        return try await writing { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT name, is_folder FROM nodes WHERE id = ? AND owner_id = ? AND parent_id IS NOT NULL AND trash_id IS NULL",
                    arguments: [nodeId, ownerId])
            else { throw StoreError.nodeNotFound }
            try db.execute(
                sql: """
                    INSERT INTO shares (id, owner_id, node_id, token_hash, expires_ms, password_hash, created_ms, downloads)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 0)
                    """, arguments: [id, ownerId, nodeId, tokenHash, expiresMs, passwordHash, now])
            return ShareRecord(
                id: id, ownerId: ownerId, nodeId: nodeId, expiresMs: expiresMs, passwordHash: passwordHash, createdMs: now, downloads: 0,
                lastAccessMs: nil, nodeName: row[0], isFolder: row[1])
        }
    }

    func shares(ownerId: String, query: ShareQuery) async throws -> SharesPage {
        try reading { db in
            var sql = "SELECT \(Self.shareColumns) FROM shares JOIN nodes ON nodes.id = shares.node_id WHERE shares.owner_id = ?"
            var arguments: StatementArguments = [ownerId]
            if let after = query.after {
                sql += " AND (shares.created_ms, shares.id) < (?, ?)"
                arguments += [after.createdMs, after.id]
            }
            sql += " ORDER BY shares.created_ms DESC, shares.id DESC LIMIT ?"
            arguments += [query.limit + 1]
            return SharesPage(fetched: try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map { Self.share($0) }, limit: query.limit)
        }
    }

    func deleteShare(ownerId: String, id: String) async throws {
        let deleted = try await writing { db in
            try db.execute(sql: "DELETE FROM shares WHERE id = ? AND owner_id = ?", arguments: [id, ownerId])
            return db.changesCount
        }
        if deleted == 0 { throw StoreError.shareNotFound }
    }

    func sharedNode(tokenHash: String) async throws -> SharedNode? {
        try readingOneStatement { db in
            try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT \(NodeRecord.nodesColumns), \(Self.shareColumns) FROM shares JOIN nodes ON nodes.id = shares.node_id
                        JOIN users ON users.id = shares.owner_id
                        WHERE shares.token_hash = ? AND nodes.trash_id IS NULL AND users.disabled_ms IS NULL
                        """), arguments: [tokenHash]
            ).map { row in SharedNode(share: Self.share(row, at: NodeRecord.columnCount), node: NodeRecord(row: row)) }
        }
    }

    func recordShareAccess(id: String, download: Bool) async throws {
        let now = nowMs
        try await writing { db in
            try db.execute(
                sql: "UPDATE shares SET last_access_ms = ?, downloads = downloads + ? WHERE id = ?", arguments: [now, download ? 1 : 0, id])
        }
    }
}
