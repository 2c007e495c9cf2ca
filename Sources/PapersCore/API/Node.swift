/// A file or a folder as the API shows it (`GET /files/<id>`, list items, upload responses).
public struct Node: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var isFolder: Bool
    /// `nil` for a node at the user's root.
    public var parentId: String?
    /// The path from the user's root, computed for display (`/Work/2026/report.pdf`).
    public var path: String
    /// Bytes; for a folder, the total of its subtree.
    public var size: Int64
    /// `inode/directory` for folders.
    public var mimeType: String
    /// Hex SHA-256 of the content; `nil` for folders.
    public var sha256: String?
    public var creator: String
    public var dateCreated: String
    public var dateModified: String
    /// Quoted strong entity tag; changes whenever content or metadata change.
    public var etag: String

    public init(
        id: String, name: String, isFolder: Bool, parentId: String?, path: String, size: Int64, mimeType: String,
        sha256: String?, creator: String, dateCreated: String, dateModified: String, etag: String
    ) {
        self.id = id
        self.name = name
        self.isFolder = isFolder
        self.parentId = parentId
        self.path = path
        self.size = size
        self.mimeType = mimeType
        self.sha256 = sha256
        self.creator = creator
        self.dateCreated = dateCreated
        self.dateModified = dateModified
        self.etag = etag
    }

    enum CodingKeys: String, CodingKey {
        case id, name, path, size, creator, etag, sha256
        case isFolder = "is_folder"
        case parentId = "parent_id"
        case mimeType = "mime_type"
        case dateCreated = "date_created"
        case dateModified = "date_modified"
    }

    /// Encodes `parent_id` and `sha256` as explicit `null`s, as the contract shows them.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(name, forKey: .name)
        try c.encode(isFolder, forKey: .isFolder)
        try c.encode(parentId, forKey: .parentId)
        try c.encode(path, forKey: .path)
        try c.encode(size, forKey: .size)
        try c.encode(mimeType, forKey: .mimeType)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(creator, forKey: .creator)
        try c.encode(dateCreated, forKey: .dateCreated)
        try c.encode(dateModified, forKey: .dateModified)
        try c.encode(etag, forKey: .etag)
    }
}

/// One page of a listing: a folder's children (`NodePage`), search results, the trash (`TrashPage`).
public struct Page<Item: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var items: [Item]
    /// Opaque; pass it back as `cursor` for the next page. `nil` on the last page.
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    enum CodingKeys: String, CodingKey {
        case items
        case nextCursor = "next_cursor"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}

/// A page of nodes: a folder's children, or search results.
public typealias NodePage = Page<Node>

/// `GET /folders/<id>`: the folder's own properties plus its first page of children.
public struct FolderListing: Codable, Sendable, Equatable {
    public var folder: Node
    public var page: NodePage

    public init(folder: Node, page: NodePage) {
        self.folder = folder
        self.page = page
    }

    public init(from decoder: any Decoder) throws {
        folder = try Node(from: decoder)
        page = try NodePage(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        try folder.encode(to: encoder)
        try page.encode(to: encoder)
    }
}

/// `POST /folders/`.
public struct CreateFolderRequest: Codable, Sendable, Equatable {
    public var name: String
    public var parentId: String?

    public init(name: String, parentId: String?) {
        self.name = name
        self.parentId = parentId
    }

    enum CodingKeys: String, CodingKey {
        case name
        case parentId = "parent_id"
    }
}

/// `PUT /files/<id>` with JSON: rename and/or move.
///
/// `parent_id` has three states: absent (stay), `null` (move to the root), a folder id.
public struct EditNodeRequest: Codable, Sendable, Equatable {
    public enum Destination: Sendable, Equatable {
        case root
        case folder(String)
    }

    public var name: String?
    /// `nil` when the request does not move the node.
    public var destination: Destination?

    public init(name: String? = nil, destination: Destination? = nil) {
        self.name = name
        self.destination = destination
    }

    enum CodingKeys: String, CodingKey {
        case name
        case parentId = "parent_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        if c.contains(.parentId) {
            if try c.decodeNil(forKey: .parentId) {
                destination = .root
            } else {
                destination = .folder(try c.decode(String.self, forKey: .parentId))
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(name, forKey: .name)
        switch destination {
        case .none: break
        case .root: try c.encodeNil(forKey: .parentId)
        case .folder(let id): try c.encode(id, forKey: .parentId)
        }
    }
}
