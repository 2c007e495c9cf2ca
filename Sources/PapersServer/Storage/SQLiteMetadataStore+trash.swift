import Foundation
import GRDB
import PapersCore

/// The trash in SQLite. A trashed item's row leaves its folder (`parent_id` NULL, so its name is
/// free there again) and records when and where from (`deleted_ms`, `original_parent_id`,
/// `original_path`); every row of its subtree, itself included, carries its id in `trash_id`, which
/// every lookup by id, listing and search excludes. Its bytes move from the tree's size to the
/// user's `trash_bytes` in the same transaction, so the quota always counts them.
extension SQLiteMetadataStore {
    /// `subtree`: the node `?` and everything under it (trashed or not: the rows keep their parents).
    static let subtreeSQL = """
        WITH RECURSIVE subtree(id) AS (
          SELECT ? UNION ALL SELECT n.id FROM nodes n JOIN subtree s ON n.parent_id = s.id)
        """

    /// The columns a trash item adds after `NodeRecord.columns`.
    static let trashColumns = "\(NodeRecord.columns), deleted_ms, original_path, original_parent_id"

    func deleteNode(ownerId: String, id: String, kind: NodeKind, ifMatch: String?, permanent: Bool) async throws {
        let now = nowMs
        let toTrash = retention.keepsTrash && !permanent
        try await write { db, effects in
            let node = try Self.fetchNode(db, id: id, ownerId: ownerId, kind: kind == .file ? .any : kind)
            try node.checkPrecondition(ifMatch)
            if toTrash {
                let located = try Self.located(db, node)
                try db.execute(sql: Self.subtreeSQL + " UPDATE nodes SET trash_id = ?2 WHERE id IN subtree", arguments: [node.id, node.id])
                try db.execute(
                    sql: """
                        UPDATE nodes SET parent_id = NULL, deleted_ms = ?, original_parent_id = ?, original_path = ?, version = version + 1
                        WHERE id = ?
                        """, arguments: [now, located.visibleParentId, located.path, node.id])
                try db.execute(sql: "UPDATE users SET trash_bytes = trash_bytes + ? WHERE id = ?", arguments: [node.size, ownerId])
            } else {
                try Self.erase(db, node.id, ownerId: ownerId, effects: &effects)
            }
            try Self.addToAncestors(db, from: node.parentId!, delta: -node.size)
            try Self.touchFolder(db, node.parentId!, now: now)
        }
    }

    func trash(ownerId: String, query: TrashQuery) async throws -> TrashedPage {
        try reading { db in
            var sql = "SELECT \(Self.trashColumns) FROM nodes WHERE owner_id = ? AND deleted_ms IS NOT NULL"
            var arguments: StatementArguments = [ownerId]
            if let after = query.after {
                sql += " AND (deleted_ms, id) < (?, ?)"
                arguments += [after.deletedMs, after.id]
            }
            sql += " ORDER BY deleted_ms DESC, id DESC LIMIT ?"
            arguments += [query.limit + 1]
            let items = try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map(Self.trashed)
            return TrashedPage(fetched: items, limit: query.limit)
        }
    }

    /// A trash item from a row selected with `trashColumns`.
    static func trashed(_ row: Row) -> TrashedNode {
        var node = NodeRecord(row: row)
        let n = NodeRecord.columnCount
        let path: String = row[n + 1] ?? "/"
        let parent: String? = row[n + 2]
        node.path = path
        node.visibleParentId = parent
        return TrashedNode(node: node, deletedMs: row[n], originalPath: path, originalParentId: parent)
    }

    /// The top of a trash item of this user's. Throws `.nodeNotFound`.
    static func fetchTrashed(_ db: Database, id: String, ownerId: String) throws -> TrashedNode {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(trashColumns) FROM nodes WHERE id = ? AND owner_id = ? AND deleted_ms IS NOT NULL"),
                arguments: [id, ownerId])
        else { throw StoreError.nodeNotFound }
        return trashed(row)
    }

    func restoreFromTrash(ownerId: String, id: String, onConflict: OnConflict) async throws -> NodeRecord {
        let now = nowMs
        return try await write { db, _ in
            let item = try Self.fetchTrashed(db, id: id, ownerId: ownerId)
            let folder = try Self.restoreTarget(db, item, ownerId: ownerId)
            let name = try Self.availableName(db, parentId: folder.id, name: item.node.name, onConflict: onConflict == .rename ? .rename : .fail)
            // Into its folder first, then out of the trash: a row with no parent and no trash id is a root.
            try db.execute(
                sql: """
                    UPDATE nodes SET parent_id = ?, name = ?, sort_name = ?, deleted_ms = NULL, original_parent_id = NULL,
                      original_path = NULL, version = version + 1
                    WHERE id = ?
                    """, arguments: [folder.id, name, NodeName.sortKey(name), id])
            try db.execute(sql: "UPDATE nodes SET trash_id = NULL WHERE trash_id = ?", arguments: [id])
            try db.execute(sql: "UPDATE users SET trash_bytes = trash_bytes - ? WHERE id = ?", arguments: [item.node.size, ownerId])
            try Self.addToAncestors(db, from: folder.id, delta: item.node.size)
            try Self.touchFolder(db, folder.id, now: now)
            return try Self.located(db, Self.fetchNode(db, id: id, ownerId: ownerId, kind: .any))
        }
    }

    /// The folder a trashed item goes back to: the one it was deleted from while that is in the tree,
    /// else the root.
    static func restoreTarget(_ db: Database, _ item: TrashedNode, ownerId: String) throws -> NodeRecord {
        if let original = item.originalParentId {
            do {
                return try fetchNode(db, id: original, ownerId: ownerId, kind: .folder)
            } catch StoreError.nodeNotFound {}
        }
        return try resolveFolder(db, id: nil, ownerId: ownerId, notFolder: .notAFolder)
    }

    func eraseFromTrash(ownerId: String, id: String) async throws {
        try await write { db, effects in
            let item = try Self.fetchTrashed(db, id: id, ownerId: ownerId)
            try Self.eraseTrashed(db, item, effects: &effects)
        }
    }

    func emptyTrash(ownerId: String) async throws {
        try await write { db, effects in
            let items = try Row.fetchAll(
                db, sql: "SELECT \(Self.trashColumns) FROM nodes WHERE owner_id = ? AND deleted_ms IS NOT NULL", arguments: [ownerId]
            ).map(Self.trashed)
            for item in items { try Self.eraseTrashed(db, item, effects: &effects) }
        }
    }

    func purgeTrash(deletedBefore cutoff: Date, limit: Int) async throws -> Int {
        let cutoffMs = Timestamp.milliseconds(cutoff)
        return try await write { db, effects in
            let items = try Row.fetchAll(
                db, sql: "SELECT \(Self.trashColumns) FROM nodes WHERE deleted_ms < ? ORDER BY deleted_ms LIMIT ?", arguments: [cutoffMs, limit]
            ).map(Self.trashed)
            for item in items { try Self.eraseTrashed(db, item, effects: &effects) }
            return items.count
        }
    }

    /// Erases a trash item and takes its bytes off its owner's trash.
    static func eraseTrashed(_ db: Database, _ item: TrashedNode, effects: inout WriteEffects) throws {
        try erase(db, item.node.id, ownerId: item.node.ownerId, effects: &effects)
        try db.execute(sql: "UPDATE users SET trash_bytes = trash_bytes - ? WHERE id = ?", arguments: [item.node.size, item.node.ownerId])
    }

    /// Deletes the node `id` and its subtree for good, with their versions; the content they used is
    /// handed to `effects` (marked unreferenced if nothing else uses it). Sizes of the folders above
    /// are the caller's.
    static func erase(_ db: Database, _ id: String, ownerId: String, effects: inout WriteEffects) throws {
        let hashes = try String.fetchAll(
            db, sql: subtreeSQL + " SELECT DISTINCT sha256 FROM nodes WHERE id IN subtree AND sha256 IS NOT NULL", arguments: [id])
        effects.touched.formUnion(hashes)
        let kept = try Row.fetchAll(
            db, sql: subtreeSQL + " SELECT sha256, size FROM versions WHERE node_id IN subtree", arguments: [id])
        if !kept.isEmpty {
            effects.touched.formUnion(kept.map { $0[0] as String })
            try db.execute(sql: subtreeSQL + " DELETE FROM versions WHERE node_id IN subtree", arguments: [id])
            try db.execute(
                sql: "UPDATE users SET versions_bytes = versions_bytes - ? WHERE id = ?",
                arguments: [kept.reduce(Int64(0)) { $0 + ($1[1] as Int64) }, ownerId])
        }
        // One statement for the whole subtree: the parent_id foreign key is checked at its end.
        try db.execute(sql: subtreeSQL + " DELETE FROM nodes WHERE id IN subtree", arguments: [id])
    }
}
