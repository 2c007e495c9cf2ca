/// The body of `POST /user/<id>/shares/`: the node, and optionally when the link stops working and
/// the password it asks for.
public struct CreateShareRequest: Codable, Sendable, Equatable {
    public var nodeId: String?
    /// RFC 3339; must be in the future.
    public var expiresAt: String?
    /// 8–1024 characters (`AccountRules.password`).
    public var password: String?

    public init(nodeId: String?, expiresAt: String? = nil, password: String? = nil) {
        self.nodeId = nodeId
        self.expiresAt = expiresAt
        self.password = password
    }

    enum CodingKeys: String, CodingKey {
        case nodeId = "node_id", expiresAt = "expires_at", password
    }
}

/// A new share link (`POST /user/<id>/shares/`, 201): the token is shown this once (it is stored hashed).
public struct NewShare: Codable, Sendable, Equatable {
    public var id: String
    public var nodeId: String
    public var token: String
    /// `/s/<token>`: the link, relative to the server's address.
    public var urlPath: String
    public var expiresAt: String?
    public var hasPassword: Bool
    public var dateCreated: String

    public init(id: String, nodeId: String, token: String, urlPath: String, expiresAt: String?, hasPassword: Bool, dateCreated: String) {
        self.id = id
        self.nodeId = nodeId
        self.token = token
        self.urlPath = urlPath
        self.expiresAt = expiresAt
        self.hasPassword = hasPassword
        self.dateCreated = dateCreated
    }

    enum CodingKeys: String, CodingKey {
        case id, token
        case nodeId = "node_id", urlPath = "url_path", expiresAt = "expires_at", hasPassword = "has_password", dateCreated = "date_created"
    }

    /// `expires_at` is written as `null` when the link does not expire.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(nodeId, forKey: .nodeId)
        try c.encode(token, forKey: .token)
        try c.encode(urlPath, forKey: .urlPath)
        try c.encode(expiresAt, forKey: .expiresAt)
        try c.encode(hasPassword, forKey: .hasPassword)
        try c.encode(dateCreated, forKey: .dateCreated)
    }
}

/// A share link as its owner lists it (`GET /user/<id>/shares/`): never its token.
public struct Share: Codable, Sendable, Equatable {
    public var id: String
    public var nodeId: String
    /// The shared node's name and kind, as they are now.
    public var name: String
    public var isFolder: Bool
    public var expiresAt: String?
    public var hasPassword: Bool
    public var dateCreated: String
    /// Downloads of file content through the link (a `GET` from the first byte; `HEAD` and later
    /// ranges of a resumed download do not count).
    public var downloads: Int64
    /// The last answered request through the link, `nil` before the first.
    public var lastAccessedAt: String?

    public init(
        id: String, nodeId: String, name: String, isFolder: Bool, expiresAt: String?, hasPassword: Bool, dateCreated: String, downloads: Int64,
        lastAccessedAt: String?
    ) {
        self.id = id
        self.nodeId = nodeId
        self.name = name
        self.isFolder = isFolder
        self.expiresAt = expiresAt
        self.hasPassword = hasPassword
        self.dateCreated = dateCreated
        self.downloads = downloads
        self.lastAccessedAt = lastAccessedAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, downloads
        case nodeId = "node_id", isFolder = "is_folder", expiresAt = "expires_at", hasPassword = "has_password", dateCreated = "date_created"
        case lastAccessedAt = "last_accessed_at"
    }

    /// `expires_at` and `last_accessed_at` are written as `null` when unset.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(nodeId, forKey: .nodeId)
        try c.encode(name, forKey: .name)
        try c.encode(isFolder, forKey: .isFolder)
        try c.encode(expiresAt, forKey: .expiresAt)
        try c.encode(hasPassword, forKey: .hasPassword)
        try c.encode(dateCreated, forKey: .dateCreated)
        try c.encode(downloads, forKey: .downloads)
        try c.encode(lastAccessedAt, forKey: .lastAccessedAt)
    }
}

/// `GET /user/<id>/shares/`: newest first, paged with `limit` and `cursor`.
public struct SharePage: Codable, Sendable, Equatable {
    public var items: [Share]
    public var nextCursor: String?

    public init(items: [Share], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    enum CodingKeys: String, CodingKey {
        case items
        case nextCursor = "next_cursor"
    }

    /// `next_cursor` is `null` on the last page.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}

/// `GET /s/<token>[/<path>]` of a folder: its name and a page of what is in it, folders first. No
/// ids, owners or paths above the shared node.
public struct SharedFolder: Codable, Sendable, Equatable {
    public var name: String
    public var items: [SharedItem]
    public var nextCursor: String?

    public init(name: String, items: [SharedItem], nextCursor: String?) {
        self.name = name
        self.items = items
        self.nextCursor = nextCursor
    }

    enum CodingKeys: String, CodingKey {
        case name, items
        case nextCursor = "next_cursor"
    }

    /// `next_cursor` is `null` on the last page.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(items, forKey: .items)
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}

/// One entry of a shared folder.
public struct SharedItem: Codable, Sendable, Equatable {
    public var name: String
    public var isFolder: Bool
    public var size: Int64
    public var dateModified: String

    public init(name: String, isFolder: Bool, size: Int64, dateModified: String) {
        self.name = name
        self.isFolder = isFolder
        self.size = size
        self.dateModified = dateModified
    }

    enum CodingKeys: String, CodingKey {
        case name, size
        case isFolder = "is_folder", dateModified = "date_modified"
    }
}
