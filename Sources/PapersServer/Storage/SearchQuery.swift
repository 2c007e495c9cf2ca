import Foundation
import PapersCore

/// One request for a page of search results: nodes whose name contains `text`, folders first, then
/// by name as listings sort.
struct SearchQuery: Sendable, Equatable {
    /// Which kinds of node a search returns.
    enum Kind: String, Sendable, Codable, CaseIterable {
        case file, folder
    }

    /// The text as names are compared: NFC, lower-cased (`NodeName.sortKey`), 1–255 bytes.
    var text: String
    var kind: Kind?
    var limit: Int = ListQuery.defaultLimit
    var after: SearchCursor?

    /// The largest query, in bytes of UTF-8 (a name's limit).
    static let maxBytes = NodeName.maxBytes

    /// What a page reads, in order: folders, then files (those `kind` asks for), each with the
    /// cursor's position when the cursor is among them; the folders are passed over once the cursor
    /// is past them.
    var passes: [(isFolder: Bool, after: SearchCursor?)] {
        [true, false].compactMap { isFolder in
            if let kind, (kind == .folder) != isFolder { return nil }
            if let after, !after.isFolder, isFolder { return nil }
            return (isFolder, after.flatMap { $0.isFolder == isFolder ? $0 : nil })
        }
    }
}

/// The position after the last result of a search page; good only for the same text and kind.
struct SearchCursor: Sendable, Equatable, Codable {
    var text: String
    var kind: String
    var isFolder: Bool
    var sortName: String
    var name: String
    var id: String

    enum CodingKeys: String, CodingKey {
        case text = "q", kind = "k", isFolder = "f", sortName = "s", name = "n", id = "i"
    }

    init(query: SearchQuery, last: NodeRecord) {
        text = query.text
        kind = query.kind?.rawValue ?? ""
        isFolder = last.isFolder
        sortName = NodeName.sortKey(last.name)
        name = last.name
        id = last.id
    }

    func encoded() -> String { OpaqueCursor.encode(self) }

    /// The cursor in `text` when it was made by a search for the same text and kind.
    static func decode(_ text: String, for query: SearchQuery) -> SearchCursor? {
        guard let cursor = OpaqueCursor.decode(text, as: SearchCursor.self), cursor.text == query.text,
            cursor.kind == (query.kind?.rawValue ?? "")
        else { return nil }
        return cursor
    }
}

/// A page of search results, each with its path.
struct SearchPage: Sendable {
    var items: [NodeRecord]
    var next: SearchCursor?

    /// The page from up to `query.limit + 1` results (with paths) read after the cursor.
    init(fetched: [NodeRecord], query: SearchQuery) {
        var items = fetched
        var next: SearchCursor?
        if items.count > query.limit {
            items.removeLast(items.count - query.limit)
            next = SearchCursor(query: query, last: items[items.count - 1])
        }
        self.items = items
        self.next = next
    }
}
