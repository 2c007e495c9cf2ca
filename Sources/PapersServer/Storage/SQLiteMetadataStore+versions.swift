import Foundation
import GRDB
import PapersCore

/// Versions in SQLite: a row per kept content (`versions`), numbered by the file's
/// `content_version` when it was replaced; the current content is the node's own.
extension SQLiteMetadataStore {
    func versions(ownerId: String, fileId: String) async throws -> FileVersions {
        let node = try await node(id: fileId, ownerId: ownerId, kind: .file)
        return try reading { db in
            let current = try Self.currentVersion(db, node)
            let kept = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT number, sha256, size, modified_ms FROM versions WHERE node_id = ? ORDER BY number DESC"),
                arguments: [node.id]
            ).map(Self.kept)
            return FileVersions(node: node, versions: [current] + kept)
        }
    }

    func version(ownerId: String, fileId: String, number: Int64) async throws -> (node: NodeRecord, version: FileVersion) {
        let node = try await node(id: fileId, ownerId: ownerId, kind: .file)
        return try reading { db in (node, try Self.version(db, node, number: number)) }
    }

    func restoreVersion(ownerId: String, fileId: String, number: Int64, ifMatch: String?) async throws -> NodeRecord {
        let now = nowMs
        return try await write { db, effects in
            let node = try Self.fetchNode(db, id: fileId, ownerId: ownerId, kind: .file)
            try node.checkPrecondition(ifMatch)
            let version = try Self.version(db, node, number: number)
            guard !version.current else { return try Self.located(db, node) }
            let content = ContentReference(sha256: version.sha256, size: version.size, written: false)
            return try Self.located(db, self.replace(db, node, with: content, now: now, effects: &effects))
        }
    }

    func pruneVersions(keep: Int, limit: Int) async throws -> Int {
        try await write { db, effects in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT node_id, number, owner_id, sha256, size FROM (
                      SELECT node_id, number, owner_id, sha256, size, ROW_NUMBER() OVER (PARTITION BY node_id ORDER BY number DESC) AS rank
                      FROM versions)
                    WHERE rank > ? LIMIT ?
                    """, arguments: [keep, limit])
            for row in rows {
                try Self.dropVersion(db, nodeId: row[0], number: row[1], ownerId: row[2], sha256: row[3], size: row[4], effects: &effects)
            }
            return rows.count
        }
    }

    /// Drops a file's versions past the newest `keep`.
    static func dropVersions(_ db: Database, of nodeId: String, ownerId: String, keeping keep: Int, effects: inout WriteEffects) throws {
        let old = try Row.fetchAll(
            db.cachedStatement(sql: "SELECT number, sha256, size FROM versions WHERE node_id = ? ORDER BY number DESC LIMIT -1 OFFSET ?"),
            arguments: [nodeId, keep])
        for row in old {
            try dropVersion(db, nodeId: nodeId, number: row[0], ownerId: ownerId, sha256: row[1], size: row[2], effects: &effects)
        }
    }

    static func dropVersion(
        _ db: Database, nodeId: String, number: Int64, ownerId: String, sha256: String, size: Int64, effects: inout WriteEffects
    ) throws {
        try db.cachedStatement(sql: "DELETE FROM versions WHERE node_id = ? AND number = ?").execute(arguments: [nodeId, number])
        try db.cachedStatement(sql: "UPDATE users SET versions_bytes = versions_bytes - ? WHERE id = ?").execute(arguments: [size, ownerId])
        effects.touched.insert(sha256)
    }

    /// The file's current content as a version.
    static func currentVersion(_ db: Database, _ node: NodeRecord) throws -> FileVersion {
        let number = try Int64.fetchOne(db.cachedStatement(sql: "SELECT content_version FROM nodes WHERE id = ?"), arguments: [node.id]) ?? 1
        return FileVersion(number: number, sha256: node.sha256 ?? "", size: node.size, modifiedMs: node.modifiedMs, current: true)
    }

    /// Version `number` of the file, the current one included. Throws `.versionNotFound`.
    static func version(_ db: Database, _ node: NodeRecord, number: Int64) throws -> FileVersion {
        let current = try currentVersion(db, node)
        if number == current.number { return current }
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT number, sha256, size, modified_ms FROM versions WHERE node_id = ? AND number = ?"),
                arguments: [node.id, number])
        else { throw StoreError.versionNotFound }
        return kept(row)
    }

    static func kept(_ row: Row) -> FileVersion {
        FileVersion(number: row[0], sha256: row[1], size: row[2], modifiedMs: row[3], current: false)
    }
}
