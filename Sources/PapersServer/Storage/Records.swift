import GRDB

/// An account as stored (table `users`).
struct UserRecord: Sendable, Equatable, FetchableRecord, TableRecord {
    var id: String
    /// Trimmed, lower-cased.
    var email: String
    var fullname: String
    var passwordHash: String
    var createdMs: Int64
    /// `nil`: no quota.
    var quotaBytes: Int64?
    /// When an operator disabled the account (`papers admin users disable`); `nil`: it may log in.
    var disabledMs: Int64? = nil
    /// Tokens issued before this instant (ms, a whole second) are refused: set by
    /// `papers admin users reset-password`, which ends every session.
    var tokensAfterMs: Int64? = nil

    static let databaseTableName = "users"

    /// The columns this record reads, in the order `columns` selects them.
    enum Columns: String, CaseIterable, ColumnExpression {
        case id, email, fullname
        case passwordHash = "password_hash"
        case createdMs = "created_ms"
        case quotaBytes = "quota_bytes"
        case disabledMs = "disabled_ms"
        case tokensAfterMs = "tokens_after_ms"
    }

    /// `Columns` as a select list.
    static let columns = Columns.allCases.map(\.rawValue).joined(separator: ", ")
    /// How many columns `columns` selects: a query may add its own after them.
    static let columnCount = Columns.allCases.count
}

/// A file or folder as stored (table `nodes`). The user's root folder is a real row with no parent.
struct NodeRecord: Sendable, Equatable, FetchableRecord, TableRecord {
    var id: String
    var ownerId: String
    /// `nil` only for a user's root folder.
    var parentId: String?
    var name: String
    var isFolder: Bool
    /// Bytes; for a folder, the total of its subtree (kept in the same transaction as every change).
    var size: Int64
    var mimeType: String
    var sha256: String?
    var createdMs: Int64
    var modifiedMs: Int64
    /// Bumped on every change to the node or its subtree; the ETag is made from it.
    var version: Int64
    /// The path from the user's root (`/Work/report.pdf`); filled in by the store when it hands a node out.
    var path: String = ""
    /// The parent as the API shows it: `nil` for a node at the user's root.
    var visibleParentId: String? = nil

    static let databaseTableName = "nodes"

    /// The columns this record reads, in the order `columns` selects them: rows are read by position
    /// (a page reads thousands; looking columns up by name cost measurably), so this order is the
    /// one place that says which position holds what.
    enum Columns: String, CaseIterable, ColumnExpression {
        case id
        case ownerId = "owner_id"
        case parentId = "parent_id"
        case name
        case isFolder = "is_folder"
        case size
        case mimeType = "mime_type"
        case sha256
        case createdMs = "created_ms"
        case modifiedMs = "modified_ms"
        case version
    }

    /// `Columns` as a select list.
    static let columns = Columns.allCases.map(\.rawValue).joined(separator: ", ")
    /// How many columns `columns` selects: a query may add its own after them.
    static let columnCount = Columns.allCases.count
    /// `columns` qualified by the table, for joins.
    static let nodesColumns = Columns.allCases.map { "nodes.\($0.rawValue)" }.joined(separator: ", ")


    /// The strong entity tag of this version of the node, quoted.
    var etag: String {
        "\"\(id.prefix(8))-\(version)\""
    }
}

/// What an upload checks before reading its body (`MetadataStore.uploadTarget`).
struct UploadTarget: Sendable {
    /// Bytes the user may still add; `nil` without a quota.
    var quotaRemaining: Int64?
    /// Whether the folder already holds a node with the upload's name.
    var nameTaken: Bool
}

extension UserRecord {
    init(row: Row) {
        id = row[Columns.id]
        email = row[Columns.email]
        fullname = row[Columns.fullname]
        passwordHash = row[Columns.passwordHash]
        createdMs = row[Columns.createdMs]
        quotaBytes = row[Columns.quotaBytes]
        disabledMs = row[Columns.disabledMs]
        tokensAfterMs = row[Columns.tokensAfterMs]
    }
}

extension NodeRecord {
    /// Reads a row selected with `columns` (more columns may follow), by position in `Columns`'
    /// order (`RecordColumnsTests` checks the two agree).
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
}
