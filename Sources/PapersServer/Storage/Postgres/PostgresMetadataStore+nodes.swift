import Foundation
import PapersCore
import PostgresNIO
import Synchronization

/// The file tree in PostgreSQL: the statements of `SQLiteMetadataStore+nodes.swift`, with the user's
/// row locked first in every transaction that changes the tree (`lockOwner`).
///
/// Walks up and down the tree take each step as a `LATERAL` lookup by key (`LIMIT 1` or `OFFSET 0`
/// keeps the planner from turning it back into a join): on a table that was small when a plan was
/// made — every new installation — PostgreSQL plans the recursive join as a hash join over a
/// sequential scan, and prepared statements keep that plan while the table grows (measured: uploads
/// and metadata reads slowed with every file added, PostgreSQL's CPU per upload ten times higher).
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

    /// A row selected with `NodeRecord.columns` (more may follow), decoded cell by cell: pages read
    /// thousands, and both the tuple decode (its generic metadata made at run time) and looking
    /// cells up by position (`makeRandomAccess`) cost several microseconds a row.
    static func node(_ row: PostgresRow) throws -> NodeRecord {
        var cells = row.makeIterator()
        return try node(&cells)
    }

    /// The node in the next `NodeRecord.columnCount` cells.
    static func node(_ cells: inout PostgresRow.Iterator) throws -> NodeRecord {
        NodeRecord(
            id: try next(&cells), ownerId: try next(&cells), parentId: try next(&cells), name: try next(&cells),
            isFolder: try next(&cells), size: try next(&cells), mimeType: try next(&cells), sha256: try next(&cells),
            createdMs: try next(&cells), modifiedMs: try next(&cells), version: try next(&cells))
    }

    /// The next cell's value.
    static func next<T: PostgresDecodable>(_ cells: inout PostgresRow.Iterator, as _: T.Type = T.self) throws -> T {
        guard let cell = cells.next() else { throw StoreError.unavailable(detail: "PostgreSQL answered a row with fewer columns than asked for") }
        return try cell.decode(T.self, context: .default)
    }

    /// The nodes a query selects with `NodeRecord.columns`, decoded on the connection's event loop
    /// as the rows arrive: iterating the rows as an async sequence cost more than decoding them.
    static func nodes(_ c: PostgresConnection, _ query: PostgresQuery, logger: Logger) async throws -> [NodeRecord] {
        let nodes = Mutex<[NodeRecord]>([])
        _ = try await c.query(query, logger: logger) { row in
            let node = try node(row)
            nodes.withLock { $0.append(node) }
        }.get()
        return nodes.withLock { $0 }
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

    /// One statement: the folder, the name and the quota, read together.
    func uploadTarget(ownerId: String, parentId: String?, name: String) async throws -> UploadTarget {
        let logger = self.logger
        let query: PostgresQuery =
            if let parentId {
                """
                SELECT f.is_folder, u.quota_bytes, r.size + u.trash_bytes + u.versions_bytes, EXISTS (SELECT 1 FROM nodes c WHERE c.parent_id = f.id AND c.name = \(name))
                FROM nodes f, users u JOIN nodes r ON r.owner_id = u.id AND r.parent_id IS NULL AND r.trash_id IS NULL
                WHERE f.id = \(parentId) AND f.owner_id = \(ownerId) AND f.parent_id IS NOT NULL AND f.trash_id IS NULL AND u.id = \(ownerId)
                """
            } else {
                """
                SELECT TRUE, u.quota_bytes, r.size + u.trash_bytes + u.versions_bytes, EXISTS (SELECT 1 FROM nodes c WHERE c.parent_id = r.id AND c.name = \(name))
                FROM users u JOIN nodes r ON r.owner_id = u.id AND r.parent_id IS NULL AND r.trash_id IS NULL
                WHERE u.id = \(ownerId)
                """
            }
        let rows = try await withConnection { c in try await Self.rows(c, query, logger: logger) }
        guard let row = rows.first else { throw StoreError.nodeNotFound }
        guard try row[0].decode(Bool.self) else { throw StoreError.notAFolder }
        let quota = try row[1].decode(Int64?.self)
        return UploadTarget(
            quotaRemaining: try quota.map { max(0, $0 - (try row[2].decode(Int64.self))) },
            nameTaken: try row[3].decode(Bool.self))
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
            let folder = try await Self.locatedFolder(c, id: parentId, ownerId: ownerId, logger: logger)
            if let after = query.after, after.folderId != folder.id {
                throw ValidationError(field: "cursor", message: "This cursor belongs to another folder's listing.")
            }
            return ChildrenPage(folder: folder, fetched: try await Self.page(c, parentId: folder.id, query: query, logger: logger), query: query)
        }
    }

    /// The folder `id` names (`nil`: the root) with its path, in one statement.
    /// - Throws: `StoreError.nodeNotFound`, `.notAFolder`.
    static func locatedFolder(_ c: PostgresConnection, id: String?, ownerId: String, logger: Logger) async throws -> NodeRecord {
        guard let id else {
            var root = try await resolveFolder(c, id: nil, ownerId: ownerId, logger: logger)
            root.place(along: [root.name])
            return root
        }
        let rows = try await c.execute(PostgresNodeByID(id: id, ownerId: ownerId), logger: logger).reduce(into: [PostgresNodeByID.Row]()) {
            $0.append($1)
        }
        guard var folder = rows.first?.0 else { throw StoreError.nodeNotFound }
        guard folder.isFolder else { throw StoreError.notAFolder }
        folder.place(along: rows.map(\.1))
        return folder
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
            result += try await nodes(c, PostgresQuery(unsafeSQL: numbered(sql), binds: binds), logger: logger)
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
        let keep = retention.keepVersions
        let logger = self.logger
        return try await uploads.submit { c in
            let add = PostgresAddFile(
                id: id, ownerId: ownerId, parentId: parentId, name: name, mimeType: mimeType, content: content, now: now)
            let answer = try await c.execute(add, logger: logger).reduce(into: [PostgresAddFile.Row]()) { $0.append($1) }
            guard let row = answer.first else { throw StoreError.unavailable(detail: "papers_add_file answered no row") }
            switch PostgresAddFile.outcome(row) {
            case .created(let folderId, let names): return (add.node(in: folderId, along: names), true)
            case .refused(let refusal): throw refusal
            case .failed(let sqlState, let message): throw FunctionError(sqlState: sqlState, message: message)
            case .nameTaken:
                guard onConflict != .fail else { throw StoreError.nameConflict(name: name) }
                // The function recorded written content as unreferenced; what follows references it again.
                return try await PostgresCommitQueue.savepoint(c, logger: logger) {
                    try await Self.addFileUnderATakenName(
                        c, id: id, ownerId: ownerId, parentId: parentId, name: name, mimeType: mimeType, content: content,
                        onConflict: onConflict, keep: keep, now: now, logger: logger)
                }
            }
        }
    }

    /// `createFile` when the name is taken: `.overwrite` replaces the file of that name, `.rename`
    /// picks `name (n).ext`.
    private static func addFileUnderATakenName(
        _ c: PostgresConnection, id: String, ownerId: String, parentId: String?, name: String, mimeType: String,
        content: ContentReference, onConflict: OnConflict, keep: Int, now: Int64, logger: Logger
    ) async throws -> (node: NodeRecord, created: Bool) {
        try await lockOwner(c, ownerId, logger: logger)
        let parent = try await resolveFolder(c, id: parentId, ownerId: ownerId, logger: logger)
        if onConflict == .overwrite, let existing = try await child(c, parentId: parent.id, name: name, logger: logger) {
            guard !existing.isFolder else { throw StoreError.nameConflict(name: name) }
            var node = try await replace(c, existing, with: content, keep: keep, now: now, logger: logger)
            try await locate(c, &node, logger: logger)
            return (node, false)
        }
        let finalName = try await availableName(c, parentId: parent.id, name: name, onConflict: onConflict, logger: logger)
        try await checkQuota(c, ownerId: ownerId, adding: content.size, logger: logger)
        try await reference(c, content, logger: logger)
        try await c.query(
            """
            INSERT INTO nodes (id, owner_id, parent_id, name, sort_name, is_folder, size, mime_type, sha256, created_ms, modified_ms)
            VALUES (\(id), \(ownerId), \(parent.id), \(finalName), \(NodeName.sortKey(finalName)), FALSE, \(content.size), \(mimeType),
                    \(content.sha256), \(now), \(now))
            """, logger: logger)
        try await addToAncestors(c, from: parent.id, delta: content.size, logger: logger)
        try await touchFolder(c, parent.id, now: now, logger: logger)
        var node = try await fetchNode(c, id: id, ownerId: ownerId, kind: .any, logger: logger)
        try await locate(c, &node, logger: logger)
        return (node, true)
    }

    func replaceContent(ownerId: String, id: String, content: ContentReference, ifMatch: String?) async throws -> NodeRecord {
        let now = nowMs
        let keep = retention.keepVersions
        let logger = self.logger
        return try await recordingVainWrites(content) { c in
            try await Self.lockOwner(c, ownerId, logger: logger)
            let node = try await Self.fetchNode(c, id: id, ownerId: ownerId, kind: .file, logger: logger)
            try node.checkPrecondition(ifMatch)
            var replaced = try await Self.replace(c, node, with: content, keep: keep, now: now, logger: logger)
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

    /// `SQLiteMetadataStore.replace`: new content for a file, the replaced content kept as a version
    /// (up to `keep` of them).
    static func replace(_ c: PostgresConnection, _ node: NodeRecord, with content: ContentReference, keep: Int, now: Int64, logger: Logger)
        async throws -> NodeRecord
    {
        let changes = node.sha256 != content.sha256
        let keepsOld = changes && keep > 0
        try await checkQuota(c, ownerId: node.ownerId, adding: keepsOld ? content.size : content.size - node.size, logger: logger)
        try await reference(c, content, logger: logger)
        if keepsOld {
            try await c.query(
                """
                INSERT INTO versions (node_id, number, owner_id, sha256, size, modified_ms)
                SELECT id, content_version, owner_id, sha256, size, modified_ms FROM nodes WHERE id = \(node.id)
                """, logger: logger)
            try await c.query("UPDATE users SET versions_bytes = versions_bytes + \(node.size) WHERE id = \(node.ownerId)", logger: logger)
        }
        let step: Int64 = changes ? 1 : 0
        try await c.query(
            """
            UPDATE nodes SET size = \(content.size), sha256 = \(content.sha256), modified_ms = \(now), version = version + 1,
              content_version = content_version + \(step)
            WHERE id = \(node.id)
            """, logger: logger)
        if let parentId = node.parentId {
            try await addToAncestors(c, from: parentId, delta: content.size - node.size, logger: logger)
        }
        var released = Set<String>()
        if keepsOld {
            released = try await dropVersions(c, of: node.id, ownerId: node.ownerId, keeping: keep, logger: logger)
        } else if let old = node.sha256, changes {
            released.insert(old)
        }
        try await markUnreferenced(c, released, now: now, logger: logger)
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
                c, "SELECT \(unescaped: nodeColumns) FROM nodes WHERE id = \(id) AND owner_id = \(ownerId) AND parent_id IS NOT NULL AND trash_id IS NULL",
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
                    c, "SELECT \(unescaped: nodeColumns) FROM nodes WHERE owner_id = \(ownerId) AND parent_id IS NULL AND trash_id IS NULL", logger: logger
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
              UNION ALL SELECT n.id, n.parent_id, c.depth + 1 FROM chain c CROSS JOIN LATERAL (SELECT * FROM nodes WHERE nodes.id = c.parent_id LIMIT 1) n)
            SELECT id FROM chain ORDER BY depth
            """, logger: logger
        ).map { try $0[0].decode(String.self) }
    }

    static func addToAncestors(_ c: PostgresConnection, from id: String, delta: Int64, logger: Logger) async throws {
        try await c.query(
            """
            WITH RECURSIVE chain(id, parent_id) AS (
              SELECT id, parent_id FROM nodes WHERE id = \(id)
              UNION ALL SELECT n.id, n.parent_id FROM chain c CROSS JOIN LATERAL (SELECT * FROM nodes WHERE nodes.id = c.parent_id LIMIT 1) n)
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
                SELECT u.quota_bytes, n.size + u.trash_bytes + u.versions_bytes FROM users u JOIN nodes n ON n.owner_id = u.id AND n.parent_id IS NULL AND n.trash_id IS NULL WHERE u.id = \(ownerId)
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
              UNION ALL SELECT n.parent_id, n.name, c.depth + 1 FROM chain c CROSS JOIN LATERAL (SELECT * FROM nodes WHERE nodes.id = c.parent_id LIMIT 1) n)
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
                  AND NOT EXISTS (SELECT 1 FROM versions WHERE sha256 = \(hash))
                """, logger: logger)
        }
    }
}
