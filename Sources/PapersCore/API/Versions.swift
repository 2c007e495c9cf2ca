/// One version of a file's content (`GET /files/<id>/versions`).
public struct FileVersionInfo: Codable, Sendable, Equatable {
    /// Grows with every change of content; never reused.
    public var version: Int64
    public var size: Int64
    public var sha256: String
    public var dateModified: String
    /// The entity tag of this version's bytes (`/versions/<n>/content`'s `ETag`).
    public var etag: String
    /// Whether this is the file's present content.
    public var current: Bool

    public init(version: Int64, size: Int64, sha256: String, dateModified: String, etag: String, current: Bool) {
        self.version = version
        self.size = size
        self.sha256 = sha256
        self.dateModified = dateModified
        self.etag = etag
        self.current = current
    }

    enum CodingKeys: String, CodingKey {
        case version, size, sha256, etag, current
        case dateModified = "date_modified"
    }
}

/// A file's versions, newest first, the current content included.
public struct FileVersionList: Codable, Sendable, Equatable {
    public var items: [FileVersionInfo]

    public init(items: [FileVersionInfo]) {
        self.items = items
    }
}
