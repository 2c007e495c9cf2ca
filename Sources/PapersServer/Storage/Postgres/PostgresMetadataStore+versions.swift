import Foundation
import PapersCore
import PostgresNIO

/// Versions in PostgreSQL: `SQLiteMetadataStore+versions.swift`'s rows and rules.
extension PostgresMetadataStore {
    func versions(ownerId: String, fileId: String) async throws -> FileVersions {
        let node = try await node(id: fileId, ownerId: ownerId, kind: .file)
        let logger = self.logger
        return try await withConnection { c in
            let current = try await Self.currentVersion(c, node, logger: logger)
            let kept = try await Self.rows(
                c, "SELECT number, sha256, size, modified_ms FROM versions WHERE node_id = \(node.id) ORDER BY number DESC", logger: logger
            ).map(Self.kept)
            return FileVersions(node: node, versions: [current] + kept)
        }
    }

    func version(ownerId: String, fileId: String, number: Int64) async throws -> (node: NodeRecord, version: FileVersion) {
        let node = try await node(id: fileId, ownerId: ownerId, kind: .file)
        let logger = self.logger
        return try await withConnection { c in (node, try await Self.version(c, node, number: number, logger: logger)) }
    }

    func restoreVersion(ownerId: String, fileId: String, number: Int64, ifMatch: String?) async throws -> NodeRecord {
        let now = nowMs
        let keep = retention.keepVersions
        let logger = self.logger
        return try await transaction { c in
            try await Self.lockOwner(c, ownerId, logger: logger)
            var node = try await Self.fetchNode(c, id: fileId, ownerId: ownerId, kind: .file, logger: logger)
            try node.checkPrecondition(ifMatch)
            let version = try await Self.version(c, node, number: number, logger: logger)
            if !version.current {
                let content = ContentReference(sha256: version.sha256, size: version.size, written: false)
                node = try await Self.replace(c, node, with: content, keep: keep, now: now, logger: logger)
            }
            try await Self.locate(c, &node, logger: logger)
            return node
        }
    }

    func pruneVersions(keep: Int, limit: Int) async throws -> Int {
        let now = nowMs
        let logger = self.logger
        let owners = try await withConnection { c in
            try await Self.rows(
                c,
                """
                SELECT DISTINCT owner_id FROM (
                  SELECT owner_id, ROW_NUMBER() OVER (PARTITION BY node_id ORDER BY number DESC) AS rank FROM versions) t
                WHERE rank > \(keep) LIMIT \(limit)
                """, logger: logger
            ).map { try $0[0].decode(String.self) }
        }
        var dropped = 0
        for owner in owners {
            dropped += try await transaction { c in
                try await Self.lockOwner(c, owner, logger: logger)
                let gone = try await Self.rows(
                    c,
                    """
                    DELETE FROM versions v USING (
                      SELECT node_id, number FROM (
                        SELECT node_id, number, ROW_NUMBER() OVER (PARTITION BY node_id ORDER BY number DESC) AS rank
                        FROM versions WHERE owner_id = \(owner)) r
                      WHERE rank > \(keep) LIMIT \(limit)) old
                    WHERE v.node_id = old.node_id AND v.number = old.number
                    RETURNING v.sha256, v.size
                    """, logger: logger)
                let bytes = try gone.reduce(Int64(0)) { $0 + (try $1[1].decode(Int64.self)) }
                try await c.query("UPDATE users SET versions_bytes = versions_bytes - \(bytes) WHERE id = \(owner)", logger: logger)
                try await Self.markUnreferenced(c, Set(try gone.map { try $0[0].decode(String.self) }), now: now, logger: logger)
                return gone.count
            }
        }
        return dropped
    }

    /// Drops a file's versions past the newest `keep`; returns the content they used.
    static func dropVersions(_ c: PostgresConnection, of nodeId: String, ownerId: String, keeping keep: Int, logger: Logger) async throws
        -> Set<String>
    {
        let gone = try await rows(
            c,
            """
            DELETE FROM versions WHERE node_id = \(nodeId) AND number IN (
              SELECT number FROM versions WHERE node_id = \(nodeId) ORDER BY number DESC OFFSET \(keep))
            RETURNING sha256, size
            """, logger: logger)
        guard !gone.isEmpty else { return [] }
        let bytes = try gone.reduce(Int64(0)) { $0 + (try $1[1].decode(Int64.self)) }
        try await c.query("UPDATE users SET versions_bytes = versions_bytes - \(bytes) WHERE id = \(ownerId)", logger: logger)
        return Set(try gone.map { try $0[0].decode(String.self) })
    }

    static func currentVersion(_ c: PostgresConnection, _ node: NodeRecord, logger: Logger) async throws -> FileVersion {
        let number = try await rows(c, "SELECT content_version FROM nodes WHERE id = \(node.id)", logger: logger).first
            .map { try $0[0].decode(Int64.self) } ?? 1
        return FileVersion(number: number, sha256: node.sha256 ?? "", size: node.size, modifiedMs: node.modifiedMs, current: true)
    }

    /// Version `number` of the file, the current one included. Throws `.versionNotFound`.
    static func version(_ c: PostgresConnection, _ node: NodeRecord, number: Int64, logger: Logger) async throws -> FileVersion {
        let current = try await currentVersion(c, node, logger: logger)
        if number == current.number { return current }
        guard
            let row = try await rows(
                c, "SELECT number, sha256, size, modified_ms FROM versions WHERE node_id = \(node.id) AND number = \(number)", logger: logger
            ).first
        else { throw StoreError.versionNotFound }
        return try kept(row)
    }

    static func kept(_ row: PostgresRandomAccessRow) throws -> FileVersion {
        FileVersion(
            number: try row[0].decode(Int64.self), sha256: try row[1].decode(String.self), size: try row[2].decode(Int64.self),
            modifiedMs: try row[3].decode(Int64.self), current: false)
    }
}
