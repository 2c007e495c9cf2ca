import Foundation
import GRDB
import PapersCore

/// A page of a folder's children.
struct ChildrenPage: Sendable {
    var folder: NodeRecord
    var items: [NodeRecord]
    var next: ListCursor?

    /// The page from up to `query.limit + 1` children read after the cursor (one more than the page
    /// says whether another follows), with their paths and visible parent filled in from `folder`'s.
    init(folder: NodeRecord, fetched: [NodeRecord], query: ListQuery) {
        var items = fetched
        var next: ListCursor?
        if items.count > query.limit {
            items.removeLast(items.count - query.limit)
            next = ListCursor(query: query, last: items[items.count - 1])
        }
        let parentPath = folder.path == "/" ? "" : folder.path
        let visibleParent = folder.parentId == nil ? nil : folder.id
        for i in items.indices {
            items[i].path = parentPath + "/" + items[i].name
            items[i].visibleParentId = visibleParent
        }
        self.folder = folder
        self.items = items
        self.next = next
    }
}

/// Which kinds of node an operation accepts.
enum NodeKind: Sendable {
    case any
    /// A file here is "not found" (the `/folders/<id>` routes).
    case folder
    /// A folder here is `isAFolder` (content routes).
    case file
}

extension SQLiteMetadataStore {
    // MARK: Reading

    /// The user's node with this id (never the hidden root), with its path.
    /// - Throws: `StoreError.nodeNotFound` when there is none (or it is someone else's), `.isAFolder` for a
    ///   folder where a file is needed.
    func node(id: String, ownerId: String, kind: NodeKind = .any) async throws -> NodeRecord {
        // One statement: the node's columns on every row, with the names from the root down to it.
        let rows = try readingOneStatement { db in
            try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        \(Self.chainSQL)
                        SELECT \(NodeRecord.nodesColumns), chain.name FROM nodes, chain
                        WHERE nodes.id = ?1 AND nodes.owner_id = ?2 AND nodes.parent_id IS NOT NULL AND nodes.trash_id IS NULL
                        ORDER BY chain.depth DESC
                        """), arguments: [id, ownerId])
        }
        guard let first = rows.first else { throw StoreError.nodeNotFound }
        var node = NodeRecord(row: first)
        try node.check(kind)
        node.place(along: rows.map { $0[NodeRecord.columnCount] as String })
        return node
    }

    /// What an upload checks before its body: that its folder (`nil`: the root) exists, the quota left, the name.
    /// - Throws: `StoreError.nodeNotFound`, `.notAFolder` when `parentId` names a file.
    func uploadTarget(ownerId: String, parentId: String?, name: String) async throws -> UploadTarget {
        try reading { db in
            let folder = try Self.resolveFolder(db, id: parentId, ownerId: ownerId, notFolder: .notAFolder)
            return UploadTarget(
                quotaRemaining: try Self.quotaRemaining(db, userId: ownerId), nameTaken: try Self.child(db, parentId: folder.id, name: name) != nil)
        }
    }

    /// The child of a folder (`nil`: the root) with exactly this (NFC) name, with its path.
    /// - Throws: `StoreError.nodeNotFound`, `.notAFolder` for a bad folder.
    func child(ownerId: String, parentId: String?, name: String) async throws -> NodeRecord? {
        try reading { db in
            let folder = try Self.resolveFolder(db, id: parentId, ownerId: ownerId, notFolder: .notAFolder)
            return try Self.child(db, parentId: folder.id, name: name).map { try Self.located(db, $0) }
        }
    }

    /// A page of a folder's children (`parentId` `nil`: the root), folders first.
    /// - Throws: `StoreError.nodeNotFound`, `.notAFolder` when `parentId` names a file.
    func children(ownerId: String, parentId: String?, query: ListQuery) async throws -> ChildrenPage {
        try reading { db in
            let folder = try Self.located(db, Self.resolveFolder(db, id: parentId, ownerId: ownerId, notFolder: .notAFolder))
            if let after = query.after, after.folderId != folder.id {
                throw ValidationError(field: "cursor", message: "This cursor belongs to another folder's listing.")
            }
            return ChildrenPage(folder: folder, fetched: try Self.page(db, parentId: folder.id, query: query), query: query)
        }
    }

    /// Up to `query.limit + 1` children after the cursor: folders, then files, each by index range.
    static func page(_ db: Database, parentId: String, query: ListQuery) throws -> [NodeRecord] {
        var result: [NodeRecord] = []
        let want = query.limit + 1
        for isFolder in [true, false] {
            if let after = query.after, after.isFolder != isFolder, isFolder { continue }  // cursor is past the folders
            let cursor = query.after.flatMap { $0.isFolder == isFolder ? $0 : nil }
            let statement = try db.cachedStatement(sql: pageSQL(sort: query.sort, order: query.order, after: cursor != nil))
            var arguments: StatementArguments = [parentId, isFolder]
            if let cursor {
                if query.sort != .name { arguments += [cursor.number] }
                arguments += [cursor.sortName, cursor.name, cursor.id]
            }
            arguments += [want - result.count]
            // A cursor's rows are read from the statement in place (`fetchAll` copies every row first).
            let rows = try Row.fetchCursor(statement, arguments: arguments)
            while let row = try rows.next() { result.append(NodeRecord(row: row)) }
            if result.count >= want { break }
        }
        return result
    }

    static func pageSQL(sort: SortField, order: SortDirection, after: Bool) -> String {
        var keys = ["sort_name", "name", "id"]
        switch sort {
        case .name: break
        case .size: keys.insert("size", at: 0)
        case .modified: keys.insert("modified_ms", at: 0)
        }
        let comparison = order == .asc ? ">" : "<"
        let direction = order == .asc ? "ASC" : "DESC"
        var sql = "SELECT \(NodeRecord.columns) FROM nodes WHERE parent_id = ? AND is_folder = ?"
        if after {
            sql += " AND (\(keys.joined(separator: ", "))) \(comparison) (\(keys.map { _ in "?" }.joined(separator: ", ")))"
        }
        sql += " ORDER BY " + keys.map { "\($0) \(direction)" }.joined(separator: ", ") + " LIMIT ?"
        return sql
    }

    // MARK: Creating

    /// Creates a folder.
    /// - Throws: `StoreError.nodeNotFound` / `.notAFolder` for a bad parent, `.nameConflict`.
    func createFolder(ownerId: String, parentId: String?, name: String, onConflict: OnConflict) async throws -> NodeRecord {
        let id = RandomID.uuid()
        let now = nowMs
        return try await write { db, _ in
            let parent = try Self.resolveFolder(db, id: parentId, ownerId: ownerId, notFolder: .notAFolder)
            let finalName = try Self.availableName(db, parentId: parent.id, name: name, onConflict: onConflict == .rename ? .rename : .fail)
            try db.execute(
                sql: """
                    INSERT INTO nodes (id, owner_id, parent_id, name, sort_name, is_folder, mime_type, created_ms, modified_ms)
                    VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)
                    """,
                arguments: [id, ownerId, parent.id, finalName, NodeName.sortKey(finalName), MimeType.folder, now, now])
            try Self.touchFolder(db, parent.id, now: now)
            return try Self.located(db, Self.fetchNode(db, id: id, ownerId: ownerId, kind: .any))
        }
    }

    /// Stores an uploaded file: places its content and commits its node in one step (grouped with the
    /// uploads finishing at the same time: `CommitQueue`).
    /// With `.overwrite` and an existing file of that name, replaces that file's content instead.
    /// - Returns: the node, and whether it is new (`false`: an existing file was overwritten).
    /// - Throws: `StoreError.nodeNotFound` / `.notAFolder` for a bad parent, `.nameConflict`, `.quotaExceeded`,
    ///   `.contentNotRecorded`, `.contentBeingRemoved`.
    func createFile(
        ownerId: String, parentId: String?, name: String, mimeType: String, content: ContentReference, onConflict: OnConflict
    ) async throws -> (node: NodeRecord, created: Bool) {
        let id = RandomID.uuid()
        let now = nowMs
        return try await uploads.submit { db, effects in
            try Self.recordingVainWrites(db, content, now: now) { db in
                try self.insertFile(db, id: id, ownerId: ownerId, parentId: parentId, name: name, mimeType: mimeType, content: content,
                    onConflict: onConflict, now: now, effects: &effects)
            }
        }.get()
    }

    private func insertFile(
        _ db: Database, id: String, ownerId: String, parentId: String?, name: String, mimeType: String, content: ContentReference,
        onConflict: OnConflict, now: Int64, effects: inout WriteEffects
    ) throws -> (node: NodeRecord, created: Bool) {
        let parent = try Self.resolveFolder(db, id: parentId, ownerId: ownerId, notFolder: .notAFolder)
        if onConflict == .overwrite, let existing = try Self.child(db, parentId: parent.id, name: name) {
            guard !existing.isFolder else { throw StoreError.nameConflict(name: name) }
            let node = try self.replace(db, existing, with: content, now: now, effects: &effects)
            return (try Self.located(db, node), false)
        }
        let finalName = try Self.availableName(db, parentId: parent.id, name: name, onConflict: onConflict)
        try self.checkQuota(db, ownerId: ownerId, adding: content.size)
        try Self.reference(db, content)
        try db.cachedStatement(
            sql: """
                INSERT INTO nodes (id, owner_id, parent_id, name, sort_name, is_folder, size, mime_type, sha256,
                                   created_ms, modified_ms)
                VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                id, ownerId, parent.id, finalName, NodeName.sortKey(finalName), content.size, mimeType, content.sha256, now, now,
            ])
        try Self.addToAncestors(db, from: parent.id, delta: content.size)
        try Self.touchFolder(db, parent.id, now: now)
        return (try Self.located(db, Self.fetchNode(db, id: id, ownerId: ownerId, kind: .any)), true)
    }

    /// Runs `body` in a savepoint; when it throws, content the upload wrote is recorded as
    /// unreferenced in the surrounding transaction (`recordWrittenInVain`) and the error is returned.
    static func recordingVainWrites<T>(_ db: Database, _ content: ContentReference, now: Int64, _ body: (Database) throws -> T) throws
        -> Result<T, any Error>
    {
        do {
            var value: T?
            try db.inSavepoint {
                value = try body(db)
                return .commit
            }
            return .success(value!)
        } catch {
            try recordWrittenInVain(db, content, now: now)
            return .failure(error)
        }
    }

    /// Replaces a file's content.
    /// - Throws: `StoreError.nodeNotFound`, `.isAFolder`, `.preconditionFailed` when `ifMatch` is stale,
    ///   `.quotaExceeded`, `.contentNotRecorded`, `.contentBeingRemoved`.
    func replaceContent(ownerId: String, id: String, content: ContentReference, ifMatch: String?) async throws -> NodeRecord {
        let now = nowMs
        return try await write { db, effects in
            try Self.recordingVainWrites(db, content, now: now) { db in
                let node = try Self.fetchNode(db, id: id, ownerId: ownerId, kind: .file)
                try node.checkPrecondition(ifMatch)
                return try Self.located(db, self.replace(db, node, with: content, now: now, effects: &effects))
            }
        }.get()
    }

    /// Gives a file new content. The content it replaces is kept as a version (`retention`), the
    /// oldest past the number kept dropped; the quota counts the kept bytes, and never drops a
    /// version to make room.
    func replace(_ db: Database, _ node: NodeRecord, with content: ContentReference, now: Int64, effects: inout WriteEffects) throws
        -> NodeRecord
    {
        let changes = node.sha256 != content.sha256
        let keepsOld = changes && retention.keepVersions > 0
        try checkQuota(db, ownerId: node.ownerId, adding: keepsOld ? content.size : content.size - node.size)
        try Self.reference(db, content)
        if keepsOld {
            try db.cachedStatement(
                sql: """
                    INSERT INTO versions (node_id, number, owner_id, sha256, size, modified_ms)
                    SELECT id, content_version, owner_id, sha256, size, modified_ms FROM nodes WHERE id = ?
                    """
            ).execute(arguments: [node.id])
            try db.cachedStatement(sql: "UPDATE users SET versions_bytes = versions_bytes + ? WHERE id = ?").execute(arguments: [
                node.size, node.ownerId,
            ])
        } else if let old = node.sha256, changes {
            effects.touched.insert(old)
        }
        try db.cachedStatement(
            sql: """
                UPDATE nodes SET size = ?, sha256 = ?, modified_ms = ?, version = version + 1, content_version = content_version + ?
                WHERE id = ?
                """
        ).execute(arguments: [content.size, content.sha256, now, changes ? 1 : 0, node.id])
        if keepsOld { try Self.dropVersions(db, of: node.id, ownerId: node.ownerId, keeping: retention.keepVersions, effects: &effects) }
        if let parentId = node.parentId {
            try Self.addToAncestors(db, from: parentId, delta: content.size - node.size)
        }
        return try Self.fetchNode(db, id: node.id, ownerId: node.ownerId, kind: .any)
    }

    // MARK: Editing

    /// Renames and/or moves a node. `destination` `nil` keeps the parent.
    /// - Throws: `StoreError.nodeNotFound` (also for a file under `kind: .folder`), `.notAFolder` when the
    ///   destination is a file, `.moveIntoOwnSubtree`, `.nameConflict`, `.preconditionFailed`.
    func editNode(
        ownerId: String, id: String, kind: NodeKind, newName: String?, destination: EditNodeRequest.Destination?,
        onConflict: OnConflict, ifMatch: String?
    ) async throws -> NodeRecord {
        let now = nowMs
        return try await write { db, _ in
            let node = try Self.fetchNode(db, id: id, ownerId: ownerId, kind: kind == .file ? .any : kind)
            try node.checkPrecondition(ifMatch)
            let oldParentId = node.parentId!
            var newParentId = oldParentId
            switch destination {
            case .none: break
            case .root: newParentId = try Self.resolveFolder(db, id: nil, ownerId: ownerId, notFolder: .notAFolder).id
            case .folder(let folderId):
                newParentId = try Self.resolveFolder(db, id: folderId, ownerId: ownerId, notFolder: .notAFolder).id
            }
            if node.isFolder, newParentId != oldParentId, try Self.ancestors(db, of: newParentId).contains(node.id) {
                throw StoreError.moveIntoOwnSubtree
            }
            let wantedName = newName ?? node.name
            var finalName = wantedName
            if newParentId != oldParentId || wantedName != node.name {
                finalName = try Self.availableName(
                    db, parentId: newParentId, name: wantedName, onConflict: onConflict == .rename ? .rename : .fail, ignoring: node.id)
            }
            let mimeType = node.isFolder ? MimeType.folder : (MimeType.forName(finalName) ?? node.mimeType)
            try db.execute(
                sql: """
                    UPDATE nodes SET name = ?, sort_name = ?, parent_id = ?, mime_type = ?, modified_ms = ?, version = version + 1
                    WHERE id = ?
                    """,
                arguments: [finalName, NodeName.sortKey(finalName), newParentId, mimeType, now, node.id])
            if newParentId != oldParentId {
                try Self.addToAncestors(db, from: oldParentId, delta: -node.size)
                try Self.addToAncestors(db, from: newParentId, delta: node.size)
                try Self.touchFolder(db, newParentId, now: now)
            }
            try Self.touchFolder(db, oldParentId, now: now)
            return try Self.located(db, Self.fetchNode(db, id: node.id, ownerId: ownerId, kind: .any))
        }
    }

    // MARK: Helpers (inside a transaction)

    static func fetchNode(_ db: Database, id: String, ownerId: String, kind: NodeKind) throws -> NodeRecord {
        guard
            let node = try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT \(NodeRecord.columns) FROM nodes WHERE id = ? AND owner_id = ? AND parent_id IS NOT NULL AND trash_id IS NULL"),
                arguments: [id, ownerId]
            ).map(NodeRecord.init(row:))
        else { throw StoreError.nodeNotFound }
        try node.check(kind)
        return node
    }

    /// The folder `id` names, or the user's root for `nil`.
    static func resolveFolder(_ db: Database, id: String?, ownerId: String, notFolder: StoreError) throws -> NodeRecord {
        guard let id else {
            guard
                let root = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT \(NodeRecord.columns) FROM nodes WHERE owner_id = ? AND parent_id IS NULL AND trash_id IS NULL"),
                    arguments: [ownerId]
                ).map(NodeRecord.init(row:))
            else { throw StoreError.nodeNotFound }
            return root
        }
        let node = try fetchNode(db, id: id, ownerId: ownerId, kind: .any)
        guard node.isFolder else { throw notFolder }
        return node
    }

    static func child(_ db: Database, parentId: String, name: String) throws -> NodeRecord? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT \(NodeRecord.columns) FROM nodes WHERE parent_id = ? AND name = ?"),
            arguments: [parentId, name]
        ).map(NodeRecord.init(row:))
    }

    /// `name` if it is free in the folder, else (with `.rename`) the first free `name (n).ext`.
    static func availableName(_ db: Database, parentId: String, name: String, onConflict: OnConflict, ignoring: String? = nil) throws
        -> String
    {
        func isFree(_ candidate: String) throws -> Bool {
            guard let existing = try child(db, parentId: parentId, name: candidate) else { return true }
            return existing.id == ignoring
        }
        if try isFree(name) { return name }
        guard onConflict == .rename else { throw StoreError.nameConflict(name: name) }
        let numbered = NumberedNames(name)
        let takenNumbers = numbered.taken(
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT name, id FROM nodes WHERE parent_id = ? AND name >= ? AND name < ?"),
                arguments: [parentId, numbered.lowerBound, numbered.upperBound]
            ).map { ($0[0], $0[1]) }, ignoring: ignoring)
        var n = 1
        while n <= 1_000_000 {
            while takenNumbers.contains(n) { n += 1 }
            // No numbered name keeps the name rules (the stem would vanish): a conflict after all.
            guard let candidate = NodeName.numbered(name, n) else { break }
            // One lookup confirms it (and covers a stem shortened to keep the byte limit, which the
            // range read does not see).
            if try isFree(candidate) { return candidate }
            n += 1
        }
        throw StoreError.nameConflict(name: name)
    }

    /// Ids from `id` up to the root, `id` first.
    static func ancestors(_ db: Database, of id: String) throws -> [String] {
        try String.fetchAll(
            db.cachedStatement(
                sql: """
                    WITH RECURSIVE chain(id, parent_id, depth) AS (
                      SELECT id, parent_id, 0 FROM nodes WHERE id = ?
                      UNION ALL SELECT n.id, n.parent_id, c.depth + 1 FROM nodes n JOIN chain c ON n.id = c.parent_id)
                    SELECT id FROM chain ORDER BY depth
                    """), arguments: [id])
    }

    /// Adds `delta` bytes to the size of `id` and every folder above it, bumping their versions.
    static func addToAncestors(_ db: Database, from id: String, delta: Int64) throws {
        try db.cachedStatement(
            sql: """
                WITH RECURSIVE chain(id, parent_id) AS (
                  SELECT id, parent_id FROM nodes WHERE id = ?
                  UNION ALL SELECT n.id, n.parent_id FROM nodes n JOIN chain c ON n.id = c.parent_id)
                UPDATE nodes SET size = size + ?, version = version + 1 WHERE id IN (SELECT id FROM chain)
                """
        ).execute(arguments: [id, delta])
    }

    /// Marks a folder's listing as changed.
    static func touchFolder(_ db: Database, _ id: String, now: Int64) throws {
        try db.cachedStatement(sql: "UPDATE nodes SET modified_ms = ?, version = version + 1 WHERE id = ?").execute(arguments: [now, id])
    }

    func checkQuota(_ db: Database, ownerId: String, adding delta: Int64) throws {
        guard delta > 0 else { return }
        let row = try Row.fetchOne(
            db.cachedStatement(
                sql: """
                    SELECT u.quota_bytes, n.size + u.trash_bytes + u.versions_bytes FROM users u JOIN nodes n ON n.owner_id = u.id AND n.parent_id IS NULL AND n.trash_id IS NULL WHERE u.id = ?
                    """), arguments: [ownerId])
        guard let row, let quota: Int64 = row[0] else { return }
        if (row[1] as Int64) + delta > quota { throw StoreError.quotaExceeded }
    }

    /// Fills in the node's path and its parent id as the API shows it.
    static func located(_ db: Database, _ node: NodeRecord) throws -> NodeRecord {
        var node = node
        let names = try String.fetchAll(
            db.cachedStatement(sql: "\(chainSQL) SELECT name FROM chain ORDER BY depth DESC"), arguments: [node.id])
        node.place(along: names)
        return node
    }

    /// `chain`: the node `?1` and its ancestors up to the root, with their depth below the node.
    static let chainSQL = """
        WITH RECURSIVE chain(parent_id, name, depth) AS (
          SELECT parent_id, name, 0 FROM nodes WHERE id = ?1
          UNION ALL SELECT n.parent_id, n.name, c.depth + 1 FROM nodes n JOIN chain c ON n.id = c.parent_id)
        """
}

extension NodeRecord {
    /// Sets the path and the parent clients see from the names from the root down to this node
    /// (the first is the root's, empty). A parent that is the root is shown as no parent.
    mutating func place(along names: [String]) {
        path = "/" + names.dropFirst().joined(separator: "/")
        visibleParentId = names.count <= 2 ? nil : parentId
    }

    /// Throws when the node is not of the kind an operation accepts: a file where a folder is wanted
    /// is `.nodeNotFound` (the `/folders/<id>` routes), a folder where a file is wanted `.isAFolder`.
    func check(_ kind: NodeKind) throws(StoreError) {
        switch kind {
        case .any: break
        case .folder: if !isFolder { throw .nodeNotFound }
        case .file: if isFolder { throw .isAFolder }
        }
    }
}
