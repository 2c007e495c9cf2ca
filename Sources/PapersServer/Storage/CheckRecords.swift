/// Content files or kept versions use, as `papers admin check` reads it back.
struct ContentInUse: Sendable, Equatable {
    var sha256: String
    var size: Int64
}

/// A file (current content, in the trash, or a kept version) that uses some content: what a damaged
/// blob's report names.
public struct ContentUser: Sendable, Equatable {
    public enum Place: String, Sendable {
        case file, trash, version
    }

    public var email: String
    public var fileId: String
    public var name: String
    public var place: Place
}

/// A folder whose stored size is not the total of its children's.
public struct SizeMismatch: Sendable, Equatable {
    public var email: String
    public var folderId: String
    /// `""` for the user's root folder.
    public var name: String
    public var stored: Int64
    public var actual: Int64
}
