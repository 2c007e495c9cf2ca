import Foundation
import PapersCore

/// A path in the user's tree as people write it: `/Work/2026/report.pdf`; a trailing `/` says "a folder".
public struct RemotePath: Sendable, Equatable, CustomStringConvertible {
    /// Names from the root; empty for the root itself.
    public var components: [String]
    /// Written with a trailing `/`.
    public var meansFolder: Bool

    /// Parses a path; `.` components are dropped and `..` goes up (never above the root).
    public init(_ text: String) {
        var components: [String] = []
        for part in text.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !components.isEmpty { components.removeLast() }
            default: components.append(String(part))
            }
        }
        self.components = components
        self.meansFolder = text.hasSuffix("/") || components.isEmpty
    }

    init(components: [String], meansFolder: Bool) {
        self.components = components
        self.meansFolder = meansFolder
    }

    public var isRoot: Bool { components.isEmpty }
    public var name: String? { components.last }
    public var parent: RemotePath { RemotePath(components: Array(components.dropLast()), meansFolder: true) }

    public func appending(_ name: String) -> RemotePath {
        RemotePath(components: components + [name], meansFolder: false)
    }

    public var description: String { "/" + components.joined(separator: "/") }
}

extension APIClient {
    /// The node at a path; `nil` for the root (which has no node of its own).
    /// - Throws: `ClientError.server` with status 404 when a component is missing, 400 when one is a file.
    public func resolve(_ path: RemotePath) async throws(ClientError) -> Node? {
        var current: Node?
        for (index, name) in path.components.enumerated() {
            if let current, !current.isFolder {
                throw .server(status: 400, code: "not_a_folder", message: "\(current.path) is a file, not a folder")
            }
            guard let next = try await child(named: name, in: current?.id) else {
                let partial = "/" + path.components[...index].joined(separator: "/")
                throw .server(status: 404, code: "not_found", message: "\(partial): no such file or folder")
            }
            current = next
        }
        if path.meansFolder, let current, !current.isFolder {
            throw .server(status: 400, code: "not_a_folder", message: "\(current.path) is a file, not a folder")
        }
        return current
    }

    /// Every child of a folder, page by page: each page is fetched when the previous one has been
    /// taken, so memory holds one page however large the folder. Errors are `ClientError`s.
    public func children(of parentId: String?, sort: SortField = .name, order: SortDirection = .asc, pageSize: Int = 1000)
        -> NodePages
    {
        NodePages { [self] cursor throws(ClientError) in
            try await listPage(parentId: parentId, limit: pageSize, cursor: cursor, sort: sort, order: order)
        }
    }

    /// Every result of a search for names containing `text`, as pages read on demand.
    public func search(_ text: String, kind: String? = nil, pageSize: Int = 1000) -> NodePages {
        NodePages { [self] cursor throws(ClientError) in try await searchPage(text, kind: kind, limit: pageSize, cursor: cursor) }
    }
}

/// Pages of nodes (a folder's children, search results) as an asynchronous sequence, each page read
/// on demand with the previous one's cursor.
public struct NodePages: AsyncSequence, Sendable {
    public typealias Element = [Node]
    let fetch: @Sendable (String?) async throws(ClientError) -> NodePage

    public struct AsyncIterator: AsyncIteratorProtocol {
        let pages: NodePages
        var cursor: String?
        var finished = false

        /// - Throws: `ClientError` from the listing.
        public mutating func next() async throws -> [Node]? {
            guard !finished else { return nil }
            let page = try await pages.fetch(cursor)
            cursor = page.nextCursor
            finished = cursor == nil
            return page.items
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(pages: self) }
}

/// What a path names.
public enum Lookup: Sendable, Equatable {
    case root
    case node(Node)
    /// The last component does not exist (its parent does).
    case missing

    /// The folder this names, if it is one: `.some(nil)` is the root.
    public var folderId: String?? {
        switch self {
        case .root: return .some(nil)
        case .node(let node): return node.isFolder ? .some(node.id) : nil
        case .missing: return nil
        }
    }
}

extension APIClient {
    /// Like `resolve`, but a missing last component is `.missing` instead of an error.
    /// - Throws: `ClientError` when a parent is missing or a file, or the server fails.
    public func lookup(_ path: RemotePath) async throws(ClientError) -> Lookup {
        guard let name = path.name else { return .root }
        let parent = try await resolve(path.parent)
        guard let node = try await child(named: name.precomposedStringWithCanonicalMapping, in: parent?.id) else { return .missing }
        return .node(node)
    }
}

extension APIClient {
    /// The folder of that name in `parentId` (`nil`: the root), made when missing.
    /// - Throws: `ClientError.server` 409 when a file has that name.
    public func folder(named name: String, in parentId: String?) async throws(ClientError) -> Node {
        if let existing = try await child(named: name.precomposedStringWithCanonicalMapping, in: parentId) {
            guard existing.isFolder else {
                throw .server(status: 409, code: "name_conflict", message: "\(existing.path) exists and is a file")
            }
            return existing
        }
        return try await createFolder(name: name, in: parentId)
    }

    /// The first `count` bytes of a file (for previews).
    public func head(of node: Node, version: FileVersionInfo? = nil, count: Int = 1024) async throws(ClientError) -> [UInt8] {
        var transfer = CurlTransfer(method: "GET", url: try url(try userPath(Self.contentPath(node, version: version))))
        transfer.headers.append("Range: bytes=0-\(max(0, count - 1))")
        if (version?.size ?? node.size) == 0 { return [] }
        return try await exchange(transfer).body
    }
}
