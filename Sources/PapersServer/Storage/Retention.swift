/// How long deleted items and replaced content are kept (`--trash-days`, `--keep-versions`).
///
/// Every store applies the same numbers: a delete goes to the trash unless `trashDays` is 0; a
/// replacement keeps the content it replaces as a version unless `keepVersions` is 0, and drops the
/// oldest past `keepVersions` in the same transaction. The periodic job (`BlobCollector`) purges
/// trash older than `trashDays` and versions past `keepVersions` left by an earlier, larger setting.
struct Retention: Sendable, Equatable {
    static let defaultTrashDays = 30
    static let defaultKeepVersions = 10

    var trashDays: Int = Retention.defaultTrashDays
    var keepVersions: Int = Retention.defaultKeepVersions

    /// Whether a delete goes to the trash.
    var keepsTrash: Bool { trashDays > 0 }
    /// How long an item stays in the trash.
    var trashSeconds: Double { Double(trashDays) * 86_400 }
}

/// What an account's bytes are spent on (`/auth/me`); the quota counts all three.
struct Usage: Sendable, Equatable {
    /// The files in the tree.
    var files: Int64
    /// The files in the trash.
    var trash: Int64
    /// Kept versions of files' earlier content.
    var versions: Int64

    var total: Int64 { files + trash + versions }
}
