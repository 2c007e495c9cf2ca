import GRDB

/// An account as stored.
public struct UserRecord: Sendable, Equatable {
    public var id: String
    /// Trimmed, lower-cased.
    public var email: String
    public var fullname: String
    public var passwordHash: String
    public var createdMs: Int64
    /// `nil`: no quota.
    public var quotaBytes: Int64?

    static let columns = "id, email, fullname, password_hash, created_ms, quota_bytes"

    init(row: Row) {
        id = row["id"]
        email = row["email"]
        fullname = row["fullname"]
        passwordHash = row["password_hash"]
        createdMs = row["created_ms"]
        quotaBytes = row["quota_bytes"]
    }
}

/// A file or folder as stored. The user's root folder is a real row with no parent.
public struct NodeRecord: Sendable, Equatable {
    public var id: String
    public var ownerId: String
    /// `nil` only for a user's root folder.
    public var parentId: String?
    public var name: String
    public var isFolder: Bool
    /// Bytes; for a folder, the total of its subtree (kept in the same transaction as every change).
    public var size: Int64
    public var mimeType: String
    public var sha256: String?
    public var createdMs: Int64
    public var modifiedMs: Int64
    /// Bumped on every change to the node or its subtree; the ETag is made from it.
    public var version: Int64
    /// The path from the user's root (`/Work/report.pdf`); filled in by the store when it hands a node out.
    public var path: String = ""
    /// The parent as the API shows it: `nil` for a node at the user's root.
    public var visibleParentId: String? = nil

    static let columns = "id, owner_id, parent_id, name, is_folder, size, mime_type, sha256, created_ms, modified_ms, version"
    static let columnCount = 11
    /// `columns` qualified by the table, for joins.
    static let nodesColumns = columns.split(separator: ", ").map { "nodes.\($0)" }.joined(separator: ", ")

    init(row: Row) {
        id = row[0]
        ownerId = row[1]
        parentId = row[2]
        name = row[3]
        isFolder = row[4]
        size = row[5]
        mimeType = row[6]
        sha256 = row[7]
        createdMs = row[8]
        modifiedMs = row[9]
        version = row[10]
    }

    /// The strong entity tag of this version of the node, quoted.
    public var etag: String {
        "\"\(id.prefix(8))-\(version)\""
    }
}

/// What an upload checks before reading its body (`MetadataStore.uploadTarget`).
public struct UploadTarget: Sendable {
    /// Bytes the user may still add; `nil` without a quota.
    public var quotaRemaining: Int64?
    /// Whether the folder already holds a node with the upload's name.
    public var nameTaken: Bool
}
