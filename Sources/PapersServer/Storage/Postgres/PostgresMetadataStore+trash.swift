import Foundation
import PapersCore
import PostgresNIO

/// The trash in PostgreSQL: `SQLiteMetadataStore+trash.swift`'s rows and rules, with the user's row
/// locked first (`lockOwner`) in every change.
extension PostgresMetadataStore {
    /// A statement over `subtree`, the node `$1` and everything under it (one key lookup a step, see
    /// the note on `PostgresMetadataStore+nodes.swift`). `tail` may use `$1` only.
    static func overSubtree(_ id: String, _ tail: String) -> PostgresQuery {
        var binds = PostgresBindings()
        binds.append(id)
        return PostgresQuery(
            unsafeSQL: """
                WITH RECURSIVE subtree(id) AS (
                  SELECT $1::text COLLATE "C"
                  UNION ALL SELECT n.id FROM subtree s CROSS JOIN LATERAL (SELECT id FROM nodes WHERE nodes.parent_id = s.id OFFSET 0) n)
                \(tail)
                """, binds: binds)
    }

    static let trashColumns = "\(NodeRecord.columns), deleted_ms, original_path, original_parent_id"

    static func trashed(_ row: PostgresRow) throws -> TrashedNode {
        var cells = row.makeIterator()
        var node = try node(&cells)
        let deleted: Int64 = try next(&cells)
        let path: String = try next(&cells, as: String?.self) ?? "/"
        let parent: String? = try next(&cells)
        node.path = path
        node.visibleParentId = parent
        return TrashedNode(node: node, deletedMs: deleted, originalPath: path, originalParentId: parent)
    }

    static func trashedItems(_ c: PostgresConnection, _ query: PostgresQuery, logger: Logger) async throws -> [TrashedNode] {
        var items: [TrashedNode] = []
        for try await row in try await c.query(query, logger: logger) { items.append(try trashed(row)) }
        return items
    }

    func deleteNode(ownerId: String, id: String, kind: NodeKind, ifMatch: String?, permanent: Bool) async throws {
        let now = nowMs
        let logger = self.logger
        let toTrash = retention.keepsTrash && !permanent
        try await transaction { c in
            try await Self.lockOwner(c, ownerId, logger: logger)
            var node = try await Self.fetchNode(c, id: id, ownerId: ownerId, kind: kind == .file ? .any : kind, logger: logger)
            try node.checkPrecondition(ifMatch)
            let parentId = node.parentId!
            if toTrash {
                try await Self.locate(c, &node, logger: logger)
                try await c.query(Self.overSubtree(node.id, "UPDATE nodes SET trash_id = $1 WHERE id IN (SELECT id FROM subtree)"), logger: logger)
                try await c.query(
                    """
                    UPDATE nodes SET parent_id = NULL, deleted_ms = \(now), original_parent_id = \(node.visibleParentId),
                      original_path = \(node.path), version = version + 1
                    WHERE id = \(node.id)
                    """, logger: logger)
                try await c.query("UPDATE users SET trash_bytes = trash_bytes + \(node.size) WHERE id = \(ownerId)", logger: logger)
            } else {
                try await Self.erase(c, node.id, ownerId: ownerId, now: now, logger: logger)
            }
            try await Self.addToAncestors(c, from: parentId, delta: -node.size, logger: logger)
            try await Self.touchFolder(c, parentId, now: now, logger: logger)
        }
    }

    func trash(ownerId: String, query: TrashQuery) async throws -> TrashedPage {
        let logger = self.logger
        let sql: PostgresQuery =
            if let after = query.after {
                """
                SELECT \(unescaped: Self.trashColumns) FROM nodes
                WHERE owner_id = \(ownerId) AND deleted_ms IS NOT NULL AND (deleted_ms, id) < (\(after.deletedMs), \(after.id))
                ORDER BY deleted_ms DESC, id DESC LIMIT \(query.limit + 1)
                """
            } else {
                """
                SELECT \(unescaped: Self.trashColumns) FROM nodes WHERE owner_id = \(ownerId) AND deleted_ms IS NOT NULL
                ORDER BY deleted_ms DESC, id DESC LIMIT \(query.limit + 1)
                """
            }
        let items = try await withConnection { c in try await Self.trashedItems(c, sql, logger: logger) }
        return TrashedPage(fetched: items, limit: query.limit)
    }

    static func fetchTrashed(_ c: PostgresConnection, id: String, ownerId: String, logger: Logger) async throws -> TrashedNode {
        guard
            let item = try await trashedItems(
                c, "SELECT \(unescaped: trashColumns) FROM nodes WHERE id = \(id) AND owner_id = \(ownerId) AND deleted_ms IS NOT NULL",
                logger: logger
            ).first
        else { throw StoreError.nodeNotFound }
        return item
    }

    func restoreFromTrash(ownerId: String, id: String, onConflict: OnConflict) async throws -> NodeRecord {
        let now = nowMs
        let logger = self.logger
        return try await transaction { c in
            try await Self.lockOwner(c, ownerId, logger: logger)
            let item = try await Self.fetchTrashed(c, id: id, ownerId: ownerId, logger: logger)
            var folder: NodeRecord?
            if let original = item.originalParentId {
                do {
                    folder = try await Self.fetchNode(c, id: original, ownerId: ownerId, kind: .folder, logger: logger)
                } catch StoreError.nodeNotFound {}
            }
            let target: NodeRecord
            if let folder { target = folder } else { target = try await Self.resolveFolder(c, id: nil, ownerId: ownerId, logger: logger) }
            let name = try await Self.availableName(
                c, parentId: target.id, name: item.node.name, onConflict: onConflict == .rename ? .rename : .fail, logger: logger)
            // Into its folder first, then out of the trash: a row with no parent and no trash id is a root.
            try await c.query(
                """
                UPDATE nodes SET parent_id = \(target.id), name = \(name), sort_name = \(NodeName.sortKey(name)), deleted_ms = NULL,
                  original_parent_id = NULL, original_path = NULL, version = version + 1
                WHERE id = \(id)
                """, logger: logger)
            try await c.query("UPDATE nodes SET trash_id = NULL WHERE trash_id = \(id)", logger: logger)
            try await c.query("UPDATE users SET trash_bytes = trash_bytes - \(item.node.size) WHERE id = \(ownerId)", logger: logger)
            try await Self.addToAncestors(c, from: target.id, delta: item.node.size, logger: logger)
            try await Self.touchFolder(c, target.id, now: now, logger: logger)
            var node = try await Self.fetchNode(c, id: id, ownerId: ownerId, kind: .any, logger: logger)
            try await Self.locate(c, &node, logger: logger)
            return node
        }
    }

    func eraseFromTrash(ownerId: String, id: String) async throws {
        let now = nowMs
        let logger = self.logger
        try await transaction { c in
            try await Self.lockOwner(c, ownerId, logger: logger)
            let item = try await Self.fetchTrashed(c, id: id, ownerId: ownerId, logger: logger)
            try await Self.eraseTrashed(c, item, now: now, logger: logger)
        }
    }

    func emptyTrash(ownerId: String) async throws {
        let now = nowMs
        let logger = self.logger
        try await transaction { c in
            try await Self.lockOwner(c, ownerId, logger: logger)
            let items = try await Self.trashedItems(
                c, "SELECT \(unescaped: Self.trashColumns) FROM nodes WHERE owner_id = \(ownerId) AND deleted_ms IS NOT NULL", logger: logger)
            for item in items { try await Self.eraseTrashed(c, item, now: now, logger: logger) }
        }
    }

    func purgeTrash(deletedBefore cutoff: Date, limit: Int) async throws -> Int {
        let now = nowMs
        let cutoffMs = Timestamp.milliseconds(cutoff)
        let logger = self.logger
        // One transaction per user: their row is locked before their tree changes, as everywhere.
        let owners = try await withConnection { c in
            try await Self.rows(
                c, "SELECT DISTINCT owner_id FROM (SELECT owner_id FROM nodes WHERE deleted_ms < \(cutoffMs) LIMIT \(limit)) t", logger: logger
            ).map { try $0[0].decode(String.self) }
        }
        var purged = 0
        for owner in owners {
            purged += try await transaction { c in
                try await Self.lockOwner(c, owner, logger: logger)
                let items = try await Self.trashedItems(
                    c,
                    """
                    SELECT \(unescaped: Self.trashColumns) FROM nodes WHERE owner_id = \(owner) AND deleted_ms < \(cutoffMs)
                    ORDER BY deleted_ms LIMIT \(limit)
                    """, logger: logger)
                for item in items { try await Self.eraseTrashed(c, item, now: now, logger: logger) }
                return items.count
            }
        }
        return purged
    }

    static func eraseTrashed(_ c: PostgresConnection, _ item: TrashedNode, now: Int64, logger: Logger) async throws {
        try await erase(c, item.node.id, ownerId: item.node.ownerId, now: now, logger: logger)
        try await c.query("UPDATE users SET trash_bytes = trash_bytes - \(item.node.size) WHERE id = \(item.node.ownerId)", logger: logger)
    }

    /// `SQLiteMetadataStore.erase`: the node and its subtree deleted for good with their versions,
    /// their content marked unreferenced when nothing else uses it.
    static func erase(_ c: PostgresConnection, _ id: String, ownerId: String, now: Int64, logger: Logger) async throws {
        let kept = try await rows(
            c, overSubtree(id, "DELETE FROM versions WHERE node_id IN (SELECT id FROM subtree) RETURNING sha256, size"), logger: logger)
        var released = Set(try kept.map { try $0[0].decode(String.self) })
        let keptBytes = try kept.reduce(Int64(0)) { $0 + (try $1[1].decode(Int64.self)) }
        if keptBytes > 0 {
            try await c.query("UPDATE users SET versions_bytes = versions_bytes - \(keptBytes) WHERE id = \(ownerId)", logger: logger)
        }
        released.formUnion(
            try await rows(c, overSubtree(id, "DELETE FROM nodes WHERE id IN (SELECT id FROM subtree) RETURNING sha256"), logger: logger)
                .compactMap { try $0[0].decode(String?.self) })
        try await markUnreferenced(c, released, now: now, logger: logger)
    }
}
