import Foundation

/// An item in the trash: the top of one deletion, with where it was.
struct TrashedNode: Sendable, Equatable {
    /// The node as it was deleted; its `path` and visible parent are where it was.
    var node: NodeRecord
    var deletedMs: Int64
    var originalPath: String
    /// The folder it was deleted from; `nil` for the root.
    var originalParentId: String?
}

/// One request for a page of the trash, newest first.
struct TrashQuery: Sendable, Equatable {
    var limit: Int = ListQuery.defaultLimit
    var after: TrashCursor?
}

/// The position after the last item of a trash page.
struct TrashCursor: Sendable, Equatable, Codable {
    var deletedMs: Int64
    var id: String

    enum CodingKeys: String, CodingKey {
        case deletedMs = "t", id = "i"
    }

    func encoded() -> String { OpaqueCursor.encode(self) }
    static func decode(_ text: String) -> TrashCursor? { OpaqueCursor.decode(text) }
}

/// A page of the trash.
struct TrashedPage: Sendable {
    var items: [TrashedNode]
    var next: TrashCursor?

    /// The page from up to `limit + 1` items read after the cursor.
    init(fetched: [TrashedNode], limit: Int) {
        var items = fetched
        var next: TrashCursor?
        if items.count > limit {
            items.removeLast(items.count - limit)
            let last = items[items.count - 1]
            next = TrashCursor(deletedMs: last.deletedMs, id: last.node.id)
        }
        self.items = items
        self.next = next
    }
}

/// What trashed items leave behind when they go for good (`MetadataStore.purgeTrash`).
struct PurgeSummary: Sendable, Equatable {
    var items = 0
    var versions = 0
}
