/// What the storage layer refuses, in the user's terms. Mapped to HTTP once, in `APIError+mapping.swift`.
enum StoreError: Error, Sendable, Equatable {
    /// No such node for this user (or it belongs to someone else).
    case nodeNotFound
    /// A parent id that names a file.
    case notAFolder
    /// A content operation on a folder.
    case isAFolder
    /// A sibling already has this name.
    case nameConflict(name: String)
    /// An account with this e-mail address exists.
    case emailTaken
    /// A folder cannot move into itself or its own subtree.
    case moveIntoOwnSubtree
    /// `If-Match` named an older version.
    case preconditionFailed
    /// The user's quota would be exceeded.
    case quotaExceeded
    /// The uploaded content is not where the store put it (the disk changed under us).
    case blobMissing
}
