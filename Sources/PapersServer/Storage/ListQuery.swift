import Foundation
import PapersCore

/// How a folder listing is ordered. Folders always come first.
/// One request for a page of a folder's children.
struct ListQuery: Sendable, Equatable {
    static let defaultLimit = 200
    static let maxLimit = 1000

    var sort: SortField
    var order: SortDirection
    var limit: Int
    /// Where the previous page stopped; `nil` for the first page.
    var after: ListCursor?

    init(sort: SortField = .name, order: SortDirection = .asc, limit: Int = ListQuery.defaultLimit, after: ListCursor? = nil) {
        self.sort = sort
        self.order = order
        self.limit = limit
        self.after = after
    }
}

/// The position after the last item of a page: the sort key of that item.
///
/// Sent to clients as an opaque base64url string. Keyset pagination: each page is an index range
/// scan, so page 1,000 of a folder costs what page 1 costs.
struct ListCursor: Sendable, Equatable, Codable {
    /// The folder listed: a cursor is only good for the listing that made it.
    var folderId: String
    var sort: String
    var order: String
    var isFolder: Bool
    /// For `size` / `date_modified`: the number; unused for `name`.
    var number: Int64
    var sortName: String
    var name: String
    var id: String

    enum CodingKeys: String, CodingKey {
        case folderId = "p", sort = "s", order = "o", isFolder = "f", number = "v", sortName = "k", name = "n", id = "i"
    }

    init(query: ListQuery, last: NodeRecord) {
        folderId = last.parentId ?? ""
        sort = query.sort.rawValue
        order = query.order.rawValue
        isFolder = last.isFolder
        switch query.sort {
        case .name: number = 0
        case .size: number = last.size
        case .modified: number = last.modifiedMs
        }
        sortName = NodeName.sortKey(last.name)
        name = last.name
        id = last.id
    }

    /// The position after `name` in a folder's listing by name, ascending. Names are unique in a
    /// folder, so the id never decides: `~` sorts after every id (share links hand out cursors without ids).
    init(folderId: String, afterName name: String, isFolder: Bool) {
        self.folderId = folderId
        sort = SortField.name.rawValue
        order = SortDirection.asc.rawValue
        self.isFolder = isFolder
        number = 0
        sortName = NodeName.sortKey(name)
        self.name = name
        id = "~"
    }

    /// The opaque form handed to clients.
    func encoded() -> String { OpaqueCursor.encode(self) }

    /// Reads a cursor made by `encoded()` for the same sort and order; `nil` when it is not one.
    static func decode(_ text: String, for query: ListQuery) -> ListCursor? {
        guard let cursor = OpaqueCursor.decode(text, as: ListCursor.self), cursor.sort == query.sort.rawValue,
            cursor.order == query.order.rawValue
        else { return nil }
        return cursor
    }
}
