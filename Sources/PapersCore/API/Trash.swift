/// An item in the trash (`GET /trash/`): the node as it was deleted, with when and from where.
/// Its JSON is the node's keys plus `deleted_at`, `original_path` and `original_parent_id`.
public struct TrashItem: Codable, Sendable, Equatable {
    /// The node; its `path` and `parent_id` are where it was.
    public var node: Node
    public var deletedAt: String
    public var originalPath: String
    /// `nil`: it was at the root.
    public var originalParentId: String?

    public init(node: Node, deletedAt: String, originalPath: String, originalParentId: String?) {
        self.node = node
        self.deletedAt = deletedAt
        self.originalPath = originalPath
        self.originalParentId = originalParentId
    }

    enum CodingKeys: String, CodingKey {
        case deletedAt = "deleted_at"
        case originalPath = "original_path"
        case originalParentId = "original_parent_id"
    }

    public init(from decoder: any Decoder) throws {
        node = try Node(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        deletedAt = try c.decode(String.self, forKey: .deletedAt)
        originalPath = try c.decode(String.self, forKey: .originalPath)
        originalParentId = try c.decodeIfPresent(String.self, forKey: .originalParentId)
    }

    public func encode(to encoder: any Encoder) throws {
        try node.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(deletedAt, forKey: .deletedAt)
        try c.encode(originalPath, forKey: .originalPath)
        try c.encode(originalParentId, forKey: .originalParentId)
    }
}

/// A page of the trash, newest first.
public typealias TrashPage = Page<TrashItem>
