import Foundation
import PapersCore
import PostgresNIO

/// The file tree in PostgreSQL: the statements of `SQLiteMetadataStore+nodes.swift`, with the user's
/// row locked first in every transaction that changes the tree (`lockOwner`).
extension PostgresMetadataStore {
    static let nodeColumns = NodeRecord.columns
    static let qualifiedNodeColumns = NodeRecord.nodesColumns

    static func node(_ row: PostgresRandomAccessRow) throws -> NodeRecord {
        NodeRecord(
            id: try row[0].decode(String.self), ownerId: try row[1].decode(String.self), parentId: try row[2].decode(String?.self),
            name: try row[3].decode(String.self), isFolder: try row[4].decode(Bool.self), size: try row[5].decode(Int64.self),
            mimeType: try row[6].decode(String.self), sha256: try row[7].decode(String?.self), createdMs: try row[8].decode(Int64.self),
            modifiedMs: try row[9].decode(Int64.self), version: try row[10].decode(Int64.self))
    }

    // MARK: Reading

    func node(id: String, ownerId: String, kind: NodeKind) async throws -> NodeRecord {
        let logger = self.logger
        let rows = try await withConnection { c in
            try await c.execute(PostgresNodeByID(id: id, ownerId: ownerId), logger: logger).reduce(into: [PostgresNodeByID.Row]()) { $0.append($1) }
        }
        guard var node = rows.first?.0 else { throw StoreError.nodeNotFound }
        try node.check(kind)
        node.place(along: rows.map(\.1))
        return node
    }

    func uploadTarget(ownerId: String, parentId: String?, name: String) async throws -> UploadTarget {
        let logger = self.logger
        return try await withConnection { c in
            let folder = try await Self.resolveFolder(c, id: parentId, ownerId: ownerId, logger: logger)
            return UploadTarget(
                quotaRemaining: try await Self.quotaRemaining(c, userId: ownerId, logger: logger),
                nameTaken: try await Self.child(c, parentId: folder.id, name: name, logger: logger) != nil)
        }
    }

    func child(ownerId: String, parentId: String?, name: String) async throws -> NodeRecord? {
        let logger = self.logger
        return try await withConnection { c in
            let folder = try await Self.resolveFolder(c, id: parentId, ownerId: ownerId, logger: logger)
            guard var node = try await Self.child(c, parentId: folder.id, name: name, logger: logger) else { return nil }
            try await Self.locate(c, &node, logger: logger)
            return node
        }
    }

    func children(ownerId: String, parentId: String?, query: ListQuery) async throws -> ChildrenPage {
        let logger = self.logger
        return try await withConnection { c in
            var folder = try await Self.resolveFolder(c, id: parentId, ownerId: ownerId, logger: logger)
            try await Self.locate(c, &folder, logger: logger)
            if let after = query.after, after.folderId != folder.id {
                throw ValidationError(field: "cursor", message: "This cursor belongs to another folder's listing.")
            }
            return ChildrenPage(folder: folder, fetched: try await Self.page(c, parentId: folder.id, query: query, logger: logger), query: query)
        }
    }

    /// Up to `query.limit + 1` children after the cursor: folders, then files, each by index range.
    static func page(_ c: PostgresConnection, parentId: String, query: ListQuery, logger: Logger) async throws -> [NodeRecord] {
        var result: [NodeRecord] = []
        let want = query.limit + 1
        for isFolder in [true, false] {
            if let after = query.after, after.isFolder != isFolder, isFolder { continue }  // the cursor is past the folders
            let cursor = query.after.flatMap { $0.isFolder == isFolder ? $0 : nil }
            var binds = PostgresBindings()
            binds.append(parentId)
            binds.append(isFolder)
            if let cursor {
                if query.sort != .name { binds.append(cursor.number) }
                binds.append(cursor.sortName)
                binds.append(cursor.name)
                binds.append(cursor.id)
            }
            binds.append(want - result.count)
            let sql = SQLiteMetadataStore.pageSQL(sort: query.sort, order: query.order, after: cursor != nil)
            for row in try await rows(c, PostgresQuery(unsafeSQL: numbered(sql), binds: binds), logger: logger) {
                result.append(try node(row))
            }
            if result.count >= want { break }
        }
        return result
    }

    /// SQLite's `?` placeholders as PostgreSQL's `$1`, `$2`, … (the statements have no `?` in literals).
    static func numbered(_ sql: String) -> String {
        var out = ""
        var n = 0
        for ch in sql {
            if ch == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.append(ch)
            }
        }
        return out
    }

    // MARK: Creating

    func createFolder(ownerId: String, parentId: String?, name: String, onConflict: OnConflict) async throws -> NodeRecord {
        let id = RandomID.uuid()
        let now = nowMs
        let logger = self.logger
        return try await transaction { c in
            try await Self.lockOwner(c, ownerId, logger: logger)
            let parent = try await Self.resolveFolder(c, id: parentId, ownerId: ownerId, logger: logger)
            let finalName = try await Self.availableName(
                c, parentId: parent.id, name: name, onConflict: onConflict == .rename ? .rename : .fail, logger: logger)
            try await c.query(
                """
                INSERT INTO nodes (id, owner_id, parent_id, name, sort_name, is_folder, mime_type, created_ms, modified_ms)
                VALUES (\(id), \(ownerId), \(parent.id), \(finalName), \(NodeName.sortKey(finalName)), TRUE, \(MimeType.folder), \(now), \(now))
                """, logger: logger)
            try await Self.touchFolder(c, parent.id, now: now, logger: logger)
            var node = try await Self.fetchNode(c, id: id, ownerId: ownerId, kind: .any, logger: logger)
            try await Self.locate(c, &node, logger: logger)
            return node
        }
    }

    func createFile(ownerId: String, parentId: String?, name: String, mimeType: String, content: ContentReference, onConflict: OnConflict)
        async throws -> (node: NodeRecord, created: Bool)
    {
        let id = RandomID.uuid()
        let now = nowMs
        let logger = self.logger
        return try await uploads.submit({ c in
            try await Self.lockOwner(c, ownerId, logger: logger)
            let parent = try await Self.resolveFolder(c, id: parentId, ownerId: ownerId, logger: logger)
            if onConflict == .overwrite, let existing = try await Self.child(c, parentId: parent.id, name: name, logger: logger) {
                guard !existing.isFolder else { throw StoreError.nameConflict(name: name) }
                var node = try await Self.replace(c, existing, with: content, now: now, logger: logger)
                try await Self.locate(c, &node, logger: logger)
                return (node, false)
            }
            let finalName = try await Self.availableName(c, parentId: parent.id, name: name, onConflict: onConflict, logger: logger)
            try await Self.checkQuota(c, ownerId: ownerId, adding: content.size, logger: logger)
            try await Self.reference(c, content, logger: logger)
            try await c.query(
                """
                INSERT INTO nodes (id, owner_id, parent_id, name, sort_name, is_folder, size, mime_type, sha256, created_ms, modified_ms)
                VALUES (\(id), \(ownerId), \(parent.id), \(finalName), \(NodeName.sortKey(finalName)), FALSE, \(content.size), \(mimeType),
                        \(content.sha256), \(now), \(now))
                """, logger: logger)
            try await Self.addToAncestors(c, from: parent.id, delta: content.size, logger: logger)
            try await Self.touchFolder(c, parent.id, now: now, logger: logger)
            var node = try await Self.fetchNode(c, id: id, ownerId: ownerId, kind: .any, logger: logger)
            try await Self.locate(c, &node, logger: logger)
            return (node, true)
        }, vain: { c in try await Self.recordWrittenInVain(c, content, now: now, logger: logger) })
    }

    func replaceContent(ownerId: String, id: String, content: ContentReference, ifMatch: String?) async throws -> NodeRecord {
        let now = nowMs
        let logger = self.logger
        return try await recordingVainWrites(content) { c in
            try await Self.lockOwner(c, ownerId, logger: logger)
            let node = try await Self.fetchNode(c, id: id, ownerId: ownerId, kind: .file, logger: logger)
            try node.checkPrecondition(ifMatch)
            var replaced = try await Self.replace(c, node, with: content, now: now, logger: logger)
            try await Self.locate(c, &replaced, logger: logger)
            return replaced
        }
    }

    /// Runs a commit in a transaction; when it is refused, content the upload wrote is recorded as
    /// unreferenced in a transaction of its own (`SQLiteMetadataStore.recordWrittenInVain`).
    private func recordingVainWrites<T: Sendable>(_ content: ContentReference, _ body: @escaping @Sendable (PostgresConnection) async throws -> T)
        async throws -> T
    {
        do {
            return try await transaction(body)
        } catch {
            if content.written, !Self.isUnavailable(error) {
                let now = nowMs
                let logger = self.logger
                try? await withConnection { c in try await Self.recordWrittenInVain(c, content, now: now, logger: logger) }
            }
            throw error
        }
    }

    /// `SQLiteMetadataStore.recordWrittenInVain`: content an upload wrote for a refused node, left to
    /// the collector.
    static func recordWrittenInVain(_ c: PostgresConnection, _ content: ContentReference, now: Int64, logger: Logger) async throws {
        guard content.written else { return }
        try await c.query(
            """
            INSERT INTO blobs (sha256, size, unreferenced_ms) VALUES (\(content.sha256), \(content.size), \(now))
            ON CONFLICT (sha256) DO NOTHING
            """, logger: logger)
    }

    static func isUnavailable(_ error: any Error) -> Bool {
        if case .unavailable = error as? StoreError { return true }
        return false
    }

    private static func replace(_ c: PostgresConnection, _ node: NodeRecord, with content: ContentReference, now: Int64, logger: Logger)
        async throws -> NodeRecord
    {
        try await checkQuota(c, ownerId: node.ownerId, adding: content.size - node.size, logger: logger)
        try await reference(c, content, logger: logger)
        try await c.query(
            """
            UPDATE nodes SET size = \(content.size), sha256 = \(content.sha256), modified_ms = \(now), version = version + 1
            WHERE id = \(node.id)
            """, logger: logger)
        if let parentId = node.parentId {
            try await addToAncestors(c, from: parentId, delta: content.size - node.size, logger: logger)
        }
        if let old = node.sha256, old != content.sha256 { try await markUnreferenced(c, [old], now: now, logger: logger) }
        return try await fetchNode(c, id: node.id, ownerId: node.ownerId, kind: .any, logger: logger)
    }

    // MARK: Editing

    func editNode(
        ownerId: String, id: String, kind: NodeKind, newName: String?, destination: EditNodeRequest.Destination?, onConflict: OnConflict,
        ifMatch: String?
    ) async throws -> NodeRecord {
        let now = nowMs
        let logger = self.logger
        return try await transaction { c in
            try await Self.lockOwner(c, ownerId, logger: logger)
            let node = try await Self.fetchNode(c, id: id, ownerId: ownerId, kind: kind == .file ? .any : kind, logger: logger)
            try node.checkPrecondition(ifMatch)
            let oldParentId = node.parentId!
            var newParentId = oldParentId
            switch destination {
            case .none: break
            case .root: newParentId = try await Self.resolveFolder(c, id: nil, ownerId: ownerId, logger: logger).id
            case .folder(let folderId): newParentId = try await Self.resolveFolder(c, id: folderId, ownerId: ownerId, logger: logger).id
            }
            if node.isFolder, newParentId != oldParentId, try await Self.ancestors(c, of: newParentId, logger: logger).contains(node.id) {
                throw StoreError.moveIntoOwnSubtree
            }
            let wantedName = newName ?? node.name
            var finalName = wantedName
            if newParentId != oldParentId || wantedName != node.name {
                finalName = try await Self.availableName(
                    c, parentId: newParentId, name: wantedName, onConflict: onConflict == .rename ? .rename : .fail, ignoring: node.id,
                    logger: logger)
            }
            let mimeType = node.isFolder ? MimeType.folder : (MimeType.forName(finalName) ?? node.mimeType)
            try await c.query(
                """
                UPDATE nodes SET name = \(finalName), sort_name = \(NodeName.sortKey(finalName)), parent_id = \(newParentId),
                  mime_type = \(mimeType), modified_ms = \(now), version = version + 1
                WHERE id = \(node.id)
                """, logger: logger)
            if newParentId != oldParentId {
                try await Self.addToAncestors(c, from: oldParentId, delta: -node.size, logger: logger)
                try await Self.addToAncestors(c, from: newParentId, delta: node.size, logger: logger)
                try await Self.touchFolder(c, newParentId, now: now, logger: logger)
            }
            try await Self.touchFolder(c, oldParentId, now: now, logger: logger)
            var edited = try await Self.fetchNode(c, id: node.id, ownerId: ownerId, kind: .any, logger: logger)
            try await Self.locate(c, &edited, logger: logger)
            return edited
        }
    }

    func deleteNode(ownerId: String, id: String, kind: NodeKind, ifMatch: String?) async throws {
        let now = nowMs
        let logger = self.logger
        try await transaction { c in
            try await Self.lockOwner(c, ownerId, logger: logger)
            let node = try await Self.fetchNode(c, id: id, ownerId: ownerId, kind: kind == .file ? .any : kind, logger: logger)
            try node.checkPrecondition(ifMatch)
            let hashes = try await Self.rows(
                c,
                """
                WITH RECURSIVE subtree(id) AS (
                  SELECT \(node.id)::text COLLATE "C" UNION ALL SELECT n.id FROM nodes n JOIN subtree s ON n.parent_id = s.id)
                DELETE FROM nodes WHERE id IN (SELECT id FROM subtree) RETURNING sha256
                """, logger: logger
            ).compactMap { try $0[0].decode(String?.self) }
            try await Self.addToAncestors(c, from: node.parentId!, delta: -node.size, logger: logger)
            try await Self.touchFolder(c, node.parentId!, now: now, logger: logger)
            try await Self.markUnreferenced(c, Set(hashes), now: now, logger: logger)
        }
    }

    // MARK: Helpers (inside a transaction or on one connection)

    /// Locks the user's row for the rest of the transaction: one writer per user's tree at a time.
    /// - Throws: `StoreError.nodeNotFound` when the account is gone.
    static func lockOwner(_ c: PostgresConnection, _ ownerId: String, logger: Logger) async throws {
        guard try await !rows(c, "SELECT 1 FROM users WHERE id = \(ownerId) FOR UPDATE", logger: logger).isEmpty else {
            throw StoreError.nodeNotFound
        }
    }

    static func fetchNode(_ c: PostgresConnection, id: String, ownerId: String, kind: NodeKind, logger: Logger) async throws -> NodeRecord {
        guard
            let row = try await rows(
                c, "SELECT \(unescaped: nodeColumns) FROM nodes WHERE id = \(id) AND owner_id = \(ownerId) AND parent_id IS NOT NULL",
                logger: logger
            ).first
        else { throw StoreError.nodeNotFound }
        let node = try node(row)
        try node.check(kind)
        return node
    }

    /// The folder `id` names, or the user's root for `nil`. Throws `.nodeNotFound`, `.notAFolder`.
    static func resolveFolder(_ c: PostgresConnection, id: String?, ownerId: String, logger: Logger) async throws -> NodeRecord {
        guard let id else {
            guard
                let row = try await rows(
                    c, "SELECT \(unescaped: nodeColumns) FROM nodes WHERE owner_id = \(ownerId) AND parent_id IS NULL", logger: logger
                ).first
            else { throw StoreError.nodeNotFound }
            return try node(row)
        }
        let folder = try await fetchNode(c, id: id, ownerId: ownerId, kind: .any, logger: logger)
        guard folder.isFolder else { throw StoreError.notAFolder }
        return folder
    }

    static func child(_ c: PostgresConnection, parentId: String, name: String, logger: Logger) async throws -> NodeRecord? {
        try await rows(c, "SELECT \(unescaped: nodeColumns) FROM nodes WHERE parent_id = \(parentId) AND name = \(name)", logger: logger)
            .first.map(node)
    }

    /// `name` if it is free in the folder, else (with `.rename`) the first free `name (n).ext`.
    static func availableName(
        _ c: PostgresConnection, parentId: String, name: String, onConflict: OnConflict, ignoring: String? = nil, logger: Logger
    ) async throws -> String {
        func isFree(_ candidate: String) async throws -> Bool {
            guard let existing = try await child(c, parentId: parentId, name: candidate, logger: logger) else { return true }
            return existing.id == ignoring
        }
        if try await isFree(name) { return name }
        guard onConflict == .rename else { throw StoreError.nameConflict(name: name) }
        let numbered = NumberedNames(name)
        let takenNumbers = numbered.taken(
            try await rows(
                c, "SELECT name, id FROM nodes WHERE parent_id = \(parentId) AND name >= \(numbered.lowerBound) AND name < \(numbered.upperBound)",
                logger: logger
            ).map { (try $0[0].decode(String.self), try $0[1].decode(String.self)) }, ignoring: ignoring)
        var n = 1
        while n <= 1_000_000 {
            while takenNumbers.contains(n) { n += 1 }
            guard let candidate = NodeName.numbered(name, n) else { break }
            if try await isFree(candidate) { return candidate }
            n += 1
        }
        throw StoreError.nameConflict(name: name)
    }

    /// Ids from `id` up to the root, `id` first.
    static func ancestors(_ c: PostgresConnection, of id: String, logger: Logger) async throws -> [String] {
        try await rows(
            c,
            """
            WITH RECURSIVE chain(id, parent_id, depth) AS (
              SELECT id, parent_id, 0 FROM nodes WHERE id = \(id)
              UNION ALL SELECT n.id, n.parent_id, c.depth + 1 FROM nodes n JOIN chain c ON n.id = c.parent_id)
            SELECT id FROM chain ORDER BY depth
            """, logger: logger
        ).map { try $0[0].decode(String.self) }
    }

    static func addToAncestors(_ c: PostgresConnection, from id: String, delta: Int64, logger: Logger) async throws {
        try await c.query(
            """
            WITH RECURSIVE chain(id, parent_id) AS (
              SELECT id, parent_id FROM nodes WHERE id = \(id)
              UNION ALL SELECT n.id, n.parent_id FROM nodes n JOIN chain c ON n.id = c.parent_id)
            UPDATE nodes SET size = size + \(delta), version = version + 1 WHERE id IN (SELECT id FROM chain)
            """, logger: logger)
    }

    static func touchFolder(_ c: PostgresConnection, _ id: String, now: Int64, logger: Logger) async throws {
        try await c.query("UPDATE nodes SET modified_ms = \(now), version = version + 1 WHERE id = \(id)", logger: logger)
    }

    static func checkQuota(_ c: PostgresConnection, ownerId: String, adding delta: Int64, logger: Logger) async throws {
        guard delta > 0 else { return }
        guard
            let row = try await rows(
                c,
                """
                SELECT u.quota_bytes, n.size FROM users u JOIN nodes n ON n.owner_id = u.id AND n.parent_id IS NULL WHERE u.id = \(ownerId)
                """, logger: logger
            ).first, let quota = try row[0].decode(Int64?.self)
        else { return }
        if try row[1].decode(Int64.self) + delta > quota { throw StoreError.quotaExceeded }
    }

    /// Fills in the node's path and its parent id as the API shows it.
    static func locate(_ c: PostgresConnection, _ node: inout NodeRecord, logger: Logger) async throws {
        let names = try await rows(
            c,
            """
            WITH RECURSIVE chain(parent_id, name, depth) AS (
              SELECT parent_id, name, 0 FROM nodes WHERE id = \(node.id)
              UNION ALL SELECT n.parent_id, n.name, c.depth + 1 FROM nodes n JOIN chain c ON n.id = c.parent_id)
            SELECT name FROM chain ORDER BY depth DESC
            """, logger: logger
        ).map { try $0[0].decode(String.self) }
        node.place(along: names)
    }

    // MARK: Content references

    /// `SQLiteMetadataStore.reference`, with the content's row locked: a claim by the collector
    /// (an update of that row) is waited for, and seen.
    /// - Throws: `StoreError.contentNotRecorded`, `.contentBeingRemoved`.
    static func reference(_ c: PostgresConnection, _ content: ContentReference, logger: Logger) async throws {
        while true {
            if let row = try await rows(
                c, "SELECT unreferenced_ms, deleting_ms FROM blobs WHERE sha256 = \(content.sha256) FOR UPDATE", logger: logger
            ).first {
                if try row[1].decode(Int64?.self) != nil { throw StoreError.contentBeingRemoved }
                if try row[0].decode(Int64?.self) != nil {
                    try await c.query("UPDATE blobs SET unreferenced_ms = NULL WHERE sha256 = \(content.sha256)", logger: logger)
                }
                return
            }
            guard content.written else { throw StoreError.contentNotRecorded }
            let inserted = try await rows(
                c,
                """
                INSERT INTO blobs (sha256, size, unreferenced_ms) VALUES (\(content.sha256), \(content.size), NULL)
                ON CONFLICT (sha256) DO NOTHING RETURNING sha256
                """, logger: logger)
            if !inserted.isEmpty { return }
            // Another commit made the row meanwhile: look again.
        }
    }

    /// Marks content no node uses any more as unreferenced since `now`. The row is locked first and
    /// the nodes read after, so a commit of another user's that references it concurrently is seen.
    static func markUnreferenced(_ c: PostgresConnection, _ hashes: Set<String>, now: Int64, logger: Logger) async throws {
        for hash in hashes.sorted() {
            guard
                try await !rows(
                    c, "SELECT 1 FROM blobs WHERE sha256 = \(hash) AND unreferenced_ms IS NULL FOR UPDATE", logger: logger
                ).isEmpty
            else { continue }
            try await c.query(
                """
                UPDATE blobs SET unreferenced_ms = \(now) WHERE sha256 = \(hash)
                  AND NOT EXISTS (SELECT 1 FROM nodes WHERE sha256 = \(hash))
                """, logger: logger)
        }
    }
}
