/// What the storage layer refuses, in the user's terms. Mapped to HTTP once, in `APIError+mapping.swift`.
enum StoreError: Error, Sendable, Equatable {
    /// No such node for this user (or it belongs to someone else).
    case nodeNotFound
    /// A parent id that names a file.
    case notAFolder
    /// A content operation on a folder.
    case isAFolder
    /// A file has no version of this number (or it was purged).
    case versionNotFound
    /// A sibling already has this name.
    case nameConflict(name: String)
    /// An account with this e-mail address exists.
    case emailTaken
    /// No account has this e-mail address (`papers admin users`).
    case accountNotFound
    /// A folder cannot move into itself or its own subtree.
    case moveIntoOwnSubtree
    /// `If-Match` named an older version.
    case preconditionFailed
    /// The user's quota would be exceeded.
    case quotaExceeded
    /// A node's content is not in the blob store (the store was damaged).
    case blobMissing
    /// A commit named content the database has no row for, and the upload did not write it after the
    /// store last said so: it may have been removed in between. `FileService` commits the bytes again
    /// and retries; never answered.
    case contentNotRecorded
    /// The content is being removed by the collector: `FileService` waits and retries; answered as a
    /// 503 only when that takes too long.
    case contentBeingRemoved
    /// The user has no app password with this id.
    case appPasswordNotFound
    /// The user has no share link with this id.
    case shareNotFound
    /// A WebDAV lock held by another lock token stands in the way (`LOCK` of a locked path).
    case locked
    /// The database does not answer (or refuses our credentials). `detail` is for the log only.
    case unavailable(detail: String)
}
