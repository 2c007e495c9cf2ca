import Foundation

/// A share link as the store keeps it: the SHA-256 of its token (never the token), the node it
/// opens, and what its owner sees of its use.
struct ShareRecord: Sendable, Equatable {
    var id: String
    var ownerId: String
    var nodeId: String
    var expiresMs: Int64?
    /// The share password's slow hash (`PasswordHasher`), `nil` for a link without one.
    var passwordHash: String?
    var createdMs: Int64
    var downloads: Int64
    var lastAccessMs: Int64?
    /// The shared node's name and kind as they are now.
    var nodeName: String
    var isFolder: Bool

    /// Whether the link has stopped working at `nowMs`.
    func isExpired(atMs nowMs: Int64) -> Bool { expiresMs.map { $0 <= nowMs } ?? false }
}

/// What a link's token opens: the share and its node (not in the trash).
struct SharedNode: Sendable, Equatable {
    var share: ShareRecord
    var node: NodeRecord
}

/// One request for a page of a user's share links, newest first.
struct ShareQuery: Sendable, Equatable {
    var limit: Int = ListQuery.defaultLimit
    var after: ShareCursor?
}

/// The position after the last link of a page.
struct ShareCursor: Sendable, Equatable, Codable {
    var createdMs: Int64
    var id: String

    enum CodingKeys: String, CodingKey {
        case createdMs = "t", id = "i"
    }

    func encoded() -> String { OpaqueCursor.encode(self) }
    static func decode(_ text: String) -> ShareCursor? { OpaqueCursor.decode(text) }
}

/// A page of a user's share links.
struct SharesPage: Sendable {
    var items: [ShareRecord]
    var next: ShareCursor?

    /// The page from up to `limit + 1` links read after the cursor.
    init(fetched: [ShareRecord], limit: Int) {
        var items = fetched
        var next: ShareCursor?
        if items.count > limit {
            items.removeLast(items.count - limit)
            let last = items[items.count - 1]
            next = ShareCursor(createdMs: last.createdMs, id: last.id)
        }
        self.items = items
        self.next = next
    }
}
