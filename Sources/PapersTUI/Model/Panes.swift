import Foundation
import PapersCore

/// A folder on the way from the root to where the user is.
public struct FolderRef: Codable, Sendable, Equatable {
    /// `nil`: the root.
    public var id: String?
    public var name: String
    /// Set for the results of a search (a virtual folder on top of the one it was started from):
    /// what was searched for.
    public var search: String? = nil
}

/// The left pane: one remote folder, loaded page by page.
public struct RemotePane: Sendable, Equatable {
    /// Root first; the last is the folder shown.
    public var trail: [FolderRef] = [FolderRef(id: nil, name: "")]
    public var items: [Node] = []
    /// Indices into `items` after hiding dot files and filtering; what the pane shows.
    public private(set) var visible: [Int] = []
    public var nextCursor: String?
    public var isLoading = false
    /// Changes whenever a new listing starts, so late pages of an old one are dropped.
    public var generation = 0
    /// Position in `visible`.
    public var cursor = 0
    public var scroll = 0
    public var marked: Set<String> = []
    public var filter = ""
    public var sort: SortField = .name
    public var reversed = false
    public var showHidden = false
    /// The item to put the cursor on when it arrives (after going up, refreshing or re-sorting).
    public var reselect: String?
    /// The rows shown are the folder's previous listing: the next first page replaces them.
    public var replaceOnFirstPage = false

    public var folderId: String? { trail.last?.id }
    /// What the pane's search results are for, when it shows them instead of a folder.
    public var searchText: String? { trail.last?.search }
    /// The real folders of the trail (a search's results left out).
    public var folders: [FolderRef] { trail.filter { $0.search == nil } }
    public var path: String {
        if let searchText { return "Search: \(searchText)" }
        return trail.count <= 1 ? "/" : "/" + trail.dropFirst().map(\.name).joined(separator: "/")
    }
    public var atRoot: Bool { trail.count <= 1 }

    /// Rows the pane shows: `..` (when not at the root) then the visible items.
    public var rowCount: Int { visible.count + (atRoot ? 0 : 1) }

    /// The item under the cursor (`nil` on `..` or when empty).
    public var selected: Node? {
        let index = cursor - (atRoot ? 0 : 1)
        guard index >= 0, index < visible.count else { return nil }
        return items[visible[index]]
    }

    public var isOnParentRow: Bool { !atRoot && cursor == 0 }

    /// What F5/F6/F8/F9 act on: the marked items, else the one under the cursor.
    public var targets: [Node] {
        let marks = items.filter { marked.contains($0.id) }
        if !marks.isEmpty { return marks }
        return selected.map { [$0] } ?? []
    }

    public mutating func refilter(keeping id: String? = nil) {
        let keep = id ?? selected?.id
        let needle = filter.lowercased()
        visible = items.indices.filter { i in
            let name = items[i].name
            if !showHidden, name.hasPrefix(".") { return false }
            return needle.isEmpty || name.lowercased().contains(needle)
        }
        if let keep, let position = visible.firstIndex(where: { items[$0].id == keep }) {
            cursor = position + (atRoot ? 0 : 1)
        }
        cursor = max(0, min(cursor, rowCount - 1))
    }

    /// Adds a page (appending keeps the cursor on its item).
    public mutating func append(_ page: [Node]) {
        let keep = selected?.id
        let start = items.count
        items += page
        let needle = filter.lowercased()
        for i in start..<items.count {
            let name = items[i].name
            if !showHidden, name.hasPrefix(".") { continue }
            if needle.isEmpty || name.lowercased().contains(needle) { visible.append(i) }
        }
        if let keep, let position = visible.firstIndex(where: { items[$0].id == keep }) { cursor = position + (atRoot ? 0 : 1) }
        if let wanted = reselect, let position = visible.firstIndex(where: { items[$0].id == wanted }) {
            cursor = position + (atRoot ? 0 : 1)
            reselect = nil
        }
    }

    public mutating func reset() {
        replaceOnFirstPage = false
        items = []
        visible = []
        nextCursor = nil
        marked = []
        cursor = 0
        scroll = 0
    }
}

/// One entry of the local file browser.
public struct LocalEntry: Sendable, Equatable {
    public var name: String
    public var isFolder: Bool
    public var size: Int64
    public var modified: Date

    public init(name: String, isFolder: Bool, size: Int64, modified: Date) {
        self.name = name
        self.isFolder = isFolder
        self.size = size
        self.modified = modified
    }
}

/// The right pane when toggled with F4: a local folder.
public struct LocalPane: Sendable, Equatable {
    public var path: String
    public var entries: [LocalEntry] = []
    public var cursor = 0
    public var scroll = 0
    public var marked: Set<String> = []
    public var showHidden = false
    public var error: String?
    /// The entry to put the cursor on at the next listing (after a rename or a new folder).
    public var reselect: String?

    public init(path: String) { self.path = path }

    public var shown: [LocalEntry] { entries.filter { showHidden || !$0.name.hasPrefix(".") } }
    public var atRoot: Bool { path == "/" }
    public var rowCount: Int { shown.count + (atRoot ? 0 : 1) }

    public var selected: LocalEntry? {
        let index = cursor - (atRoot ? 0 : 1)
        let list = shown
        guard index >= 0, index < list.count else { return nil }
        return list[index]
    }

    public var isOnParentRow: Bool { !atRoot && cursor == 0 }

    /// Full paths of the marked entries, else of the one under the cursor.
    public var targets: [String] {
        let marks = shown.filter { marked.contains($0.name) }.map { join($0.name) }
        if !marks.isEmpty { return marks }
        return selected.map { [join($0.name)] } ?? []
    }

    public func join(_ name: String) -> String { path == "/" ? "/" + name : path + "/" + name }

    public var parentPath: String {
        let parent = (path as NSString).deletingLastPathComponent
        return parent.isEmpty ? "/" : parent
    }
}
