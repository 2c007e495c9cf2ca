/// One version of a file's content: the current one or one kept when it was replaced.
struct FileVersion: Sendable, Equatable {
    /// Numbers grow with every change of content and are never reused.
    var number: Int64
    var sha256: String
    var size: Int64
    var modifiedMs: Int64
    var current: Bool
}

/// A file with its versions, newest first (the current content first).
struct FileVersions: Sendable {
    var node: NodeRecord
    var versions: [FileVersion]
}

extension FileVersion {
    /// The strong entity tag of this version's bytes: the file's own tag for the current content
    /// (so `If-Match` with it works on the file), else one made of the file and the number.
    func etag(of node: NodeRecord) -> String {
        current ? node.etag : "\"\(node.id.prefix(8))-v\(number)\""
    }

    /// The file as this version: its content and date in the node's place.
    func applied(to node: NodeRecord) -> NodeRecord {
        var copy = node
        copy.sha256 = sha256
        copy.size = size
        copy.modifiedMs = modifiedMs
        return copy
    }
}
