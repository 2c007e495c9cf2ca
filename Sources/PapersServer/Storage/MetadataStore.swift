import Foundation
import PapersCore

/// Where accounts, the file tree, token revocations and login failures live.
///
/// SQLite (`SQLiteMetadataStore`) now; PostgreSQL for several server processes next. The store knows
/// content only by hash and size: a row per stored blob (`blobs`), written in the transaction of the
/// node that uses it, marked unreferenced in the one that drops its last node, claimed and forgotten
/// by the collector around the blob store's removal. It never touches the bytes. Errors are
/// `StoreError`s unless noted.
protocol MetadataStore: Sendable {
    /// What `/health` calls it: `sqlite` or `postgres`.
    var kind: String { get }
    /// Start-up housekeeping (expired revocations). Content no node uses is the collector's, never a
    /// start-up's: another process may be about to use it.
    func recover() async throws
    /// Whether the store answers.
    func ping() async throws
    /// The store's clock.
    var now: @Sendable () -> Date { get }
    /// How long deleted items and replaced content are kept.
    var retention: Retention { get }
    /// Operations using a connection now, and since the start (`/metrics`' database pool use).
    var activity: ActivityCounter { get }
    /// How many connections the store keeps (its pool's size).
    var connections: Int { get }

    // MARK: Accounts
    /// Creates an account and its root folder. Throws `.emailTaken`.
    func createUser(email: String, fullname: String, passwordHash: String, quotaBytes: Int64?) async throws -> UserRecord
    func user(email: String) async throws -> UserRecord?
    func user(id: String) async throws -> UserRecord?
    func updatePasswordHash(userId: String, hash: String) async throws
    /// Bytes used by the user's files, trash and versions.
    func usage(userId: String) async throws -> Usage
    /// Bytes the user may still add; `nil` without a quota.
    func quotaRemaining(userId: String) async throws -> Int64?
    /// Whether one of the user's own files has this content (an upload of it needs no bytes).
    func ownsContent(userId: String, sha256: String, size: Int64) async throws -> Bool

    // MARK: Account administration (`papers admin users`)
    /// Every account with what it stores, by e-mail.
    func accounts() async throws -> [AccountSummary]
    /// Sets the account's quota (`nil`: none). Throws `.accountNotFound`.
    func setQuota(email: String, quotaBytes: Int64?) async throws
    /// Disables the account (its tokens and logins are refused) or enables it again. Throws `.accountNotFound`.
    func setDisabled(email: String, disabled: Bool) async throws
    /// Replaces the password and ends every session: tokens issued before this second are refused
    /// (app passwords stay; they are revoked one by one). Throws `.accountNotFound`.
    func resetPassword(email: String, passwordHash: String) async throws
    /// Deletes the account with its files, trash, versions, links, app passwords and locks; content
    /// nothing else uses goes to the collector. Throws `.accountNotFound`.
    func deleteUser(email: String) async throws

    // MARK: Tokens and login throttling
    func revokeToken(id: String, expiresAt: Date) async throws
    func isTokenRevoked(id: String) async throws -> Bool
    /// Brings the revocations other processes committed since the last call into this one's
    /// in-memory set. Returns how many were new.
    @discardableResult func followRevocations() async throws -> Int
    /// Runs until cancelled, adding each revocation another process announces the moment it commits
    /// (PostgreSQL's `LISTEN`); `followRevocations`' poll stays the fallback for what a broken
    /// connection missed. Returns at once where the database cannot announce (SQLite).
    func listenForRevocations() async
    func loginFailures(key: String, since: Date) async throws -> (count: Int, oldest: Date?)
    func recordLoginFailure(keys: [String], at: Date, forgetBefore: Date) async throws
    func clearLoginFailures(key: String) async throws

    // MARK: The file tree
    /// Throws `.nodeNotFound` (also for someone else's node), `.isAFolder` under `kind: .file`.
    func node(id: String, ownerId: String, kind: NodeKind) async throws -> NodeRecord
    /// What an upload checks before its body, in one read: that the folder `parentId` names exists (the
    /// root for `nil`), the bytes the user may still add, and whether `name` is taken there.
    /// Throws `.nodeNotFound`, `.notAFolder`.
    func uploadTarget(ownerId: String, parentId: String?, name: String) async throws -> UploadTarget
    /// The child of a folder (`nil`: the root) with exactly this name. Throws `.nodeNotFound`, `.notAFolder`.
    func child(ownerId: String, parentId: String?, name: String) async throws -> NodeRecord?
    /// A page of a folder's children, folders first. Throws `.nodeNotFound`, `.notAFolder`, and
    /// `ValidationError` (field `cursor`) for a cursor made by another folder's listing.
    func children(ownerId: String, parentId: String?, query: ListQuery) async throws -> ChildrenPage
    /// Throws `.nodeNotFound`, `.notAFolder`, `.nameConflict`.
    func createFolder(ownerId: String, parentId: String?, name: String, onConflict: OnConflict) async throws -> NodeRecord
    /// Commits a file node over content already in the blob store. Throws `.nodeNotFound`, `.notAFolder`,
    /// `.nameConflict`, `.quotaExceeded`, `.contentNotRecorded`, `.contentBeingRemoved`. Content the
    /// upload wrote whose node is refused is recorded as unreferenced, for the collector.
    func createFile(ownerId: String, parentId: String?, name: String, mimeType: String, content: ContentReference, onConflict: OnConflict)
        async throws -> (node: NodeRecord, created: Bool)
    /// Throws `.nodeNotFound`, `.isAFolder`, `.preconditionFailed`, `.quotaExceeded`, `.contentNotRecorded`,
    /// `.contentBeingRemoved`.
    func replaceContent(ownerId: String, id: String, content: ContentReference, ifMatch: String?) async throws -> NodeRecord
    /// Renames and/or moves. Throws `.nodeNotFound`, `.notAFolder`, `.moveIntoOwnSubtree`, `.nameConflict`, `.preconditionFailed`.
    func editNode(
        ownerId: String, id: String, kind: NodeKind, newName: String?, destination: EditNodeRequest.Destination?, onConflict: OnConflict,
        ifMatch: String?
    ) async throws -> NodeRecord
    /// Moves a node and its subtree to the trash, or with `permanent` (or the trash off) deletes them
    /// and their versions; content nothing uses any more goes to the collector. Throws `.nodeNotFound`,
    /// `.preconditionFailed`.
    func deleteNode(ownerId: String, id: String, kind: NodeKind, ifMatch: String?, permanent: Bool) async throws

    // MARK: Trash
    /// A page of the user's trash, newest first. Throws nothing of its own.
    func trash(ownerId: String, query: TrashQuery) async throws -> TrashedPage
    /// Puts a trashed item back where it was (the root when that folder is gone or trashed). Throws
    /// `.nodeNotFound` (not in the trash, or not at its top), `.nameConflict`.
    func restoreFromTrash(ownerId: String, id: String, onConflict: OnConflict) async throws -> NodeRecord
    /// Deletes one trashed item (with its subtree and versions) for good. Throws `.nodeNotFound`.
    func eraseFromTrash(ownerId: String, id: String) async throws
    /// Deletes everything in the user's trash for good.
    func emptyTrash(ownerId: String) async throws
    /// Deletes for good up to `limit` items trashed before `cutoff`, any user's. Returns how many.
    func purgeTrash(deletedBefore cutoff: Date, limit: Int) async throws -> Int
    /// Drops up to `limit` versions past the newest `keep` of each file. Returns how many.
    func pruneVersions(keep: Int, limit: Int) async throws -> Int

    // MARK: Versions
    /// A file's versions, the current content first. Throws `.nodeNotFound`, `.isAFolder`.
    func versions(ownerId: String, fileId: String) async throws -> FileVersions
    /// One version of a file. Throws `.nodeNotFound`, `.isAFolder`, `.versionNotFound`.
    func version(ownerId: String, fileId: String, number: Int64) async throws -> (node: NodeRecord, version: FileVersion)
    /// Makes version `number` the current content (the present one is kept as a version). Throws
    /// `.nodeNotFound`, `.isAFolder`, `.versionNotFound`, `.preconditionFailed`, `.quotaExceeded`,
    /// `.contentBeingRemoved`.
    func restoreVersion(ownerId: String, fileId: String, number: Int64, ifMatch: String?) async throws -> NodeRecord

    // MARK: Search
    /// A page of the user's nodes (the trash left out) whose name contains the query's text, each
    /// with its path. Throws `ValidationError` (field `cursor`) only through its caller.
    func search(ownerId: String, query: SearchQuery) async throws -> SearchPage

    // MARK: App passwords
    /// Stores an app password's name and the SHA-256 of its secret.
    func createAppPassword(userId: String, name: String, secretHash: String) async throws -> AppPasswordRecord
    /// The user's app passwords, oldest first.
    func appPasswords(userId: String) async throws -> [AppPasswordRecord]
    /// Revokes an app password. Throws `.appPasswordNotFound` (also for someone else's).
    func deleteAppPassword(userId: String, id: String) async throws
    /// The account of this e-mail, the id of its app password with this hash if it has one, and
    /// whether it holds unexpired WebDAV locks: one read for a WebDAV request's Basic credentials.
    func basicCredentials(email: String, appPasswordHash: String) async throws -> BasicCredentials?

    // MARK: WebDAV
    /// The child of a folder (`nil`: the root) with exactly this name, in one read and without its
    /// `path` (WebDAV walks paths a name at a time and knows them). A folder that is not the user's
    /// has no children here.
    func childWithoutPath(ownerId: String, parentId: String?, name: String) async throws -> NodeRecord?
    /// The user's root folder (hidden from the API, `/dav/` itself). Throws `.nodeNotFound`.
    func rootFolder(ownerId: String) async throws -> NodeRecord
    /// The dead properties of these nodes, by node id (one read for a page of them).
    func deadProperties(ownerId: String, nodeIds: [String]) async throws -> [String: [DeadProperty]]
    /// Sets and removes dead properties of a node in one transaction. Throws `.nodeNotFound`.
    func patchDeadProperties(ownerId: String, nodeId: String, set: [DeadProperty], remove: [PropertyName]) async throws
    /// The user's unexpired WebDAV locks.
    func locks(ownerId: String) async throws -> [LockRecord]
    /// Adds a lock unless `conflicts`, asked in the same transaction with the user's unexpired locks
    /// (locks taken by other processes meanwhile included), says one stands in the way: then throws `.locked`.
    func createLock(_ lock: LockRecord, conflicts: @escaping @Sendable ([LockRecord]) -> Bool) async throws
    /// Gives an unexpired lock a new timeout; `nil` when it has expired or is not the user's.
    func refreshLock(ownerId: String, token: String, timeoutSeconds: Int64) async throws -> LockRecord?
    /// Removes the user's locks with these tokens; returns how many there were.
    @discardableResult func deleteLocks(ownerId: String, tokens: [String]) async throws -> Int

    // MARK: Share links
    /// Adds a link to one of the user's nodes (not the root, not in the trash). Throws `.nodeNotFound`.
    func createShare(ownerId: String, nodeId: String, tokenHash: String, expiresMs: Int64?, passwordHash: String?) async throws -> ShareRecord
    /// A page of the user's links, newest first, each with its node's name and kind.
    func shares(ownerId: String, query: ShareQuery) async throws -> SharesPage
    /// Removes a link. Throws `.shareNotFound` (also for someone else's).
    func deleteShare(ownerId: String, id: String) async throws
    /// The link whose token has this SHA-256 and its node, in one read; `nil` when there is none, its
    /// node is in the trash, or its owner's account is disabled. Expiry is the caller's to judge.
    func sharedNode(tokenHash: String) async throws -> SharedNode?
    /// Notes an answered request through a link: its time, and one more download when `download`.
    func recordShareAccess(id: String, download: Bool) async throws

    // MARK: Integrity check (`papers admin check`)
    /// A page of the content files and kept versions use, by hash, after `after`.
    func contentInUse(after: String?, limit: Int) async throws -> [ContentInUse]
    /// Up to `limit` files (current, in the trash, or a kept version) that use this content.
    func contentUsers(sha256: String, limit: Int) async throws -> [ContentUser]
    /// Those of `hashes` that have no row in `blobs` (nothing records the stored content).
    func unrecorded(_ hashes: [String]) async throws -> [String]
    /// Up to `limit` folders out of the trash whose size is not the total of their children's.
    func sizeMismatches(limit: Int) async throws -> [SizeMismatch]
    /// Sets each folder's size to the total of its children's, deepest first (a new version for
    /// each changed one); returns how many changed.
    func repairSizes() async throws -> Int

    // MARK: Content collection (`BlobCollector`)
    /// Takes or renews the lease `name` for `seconds`; false while another holder's is unexpired.
    func acquireLease(_ name: String, holder: String, seconds: TimeInterval) async throws -> Bool
    /// Claims up to `limit` hashes for removal: content no node uses, unreferenced since before
    /// `cutoff`, and claims older than `abandonedBefore` (their collector stopped). A claimed row
    /// makes commits of that content wait (`.contentBeingRemoved`) until it is forgotten.
    func claimUnreferenced(before cutoff: Date, abandonedBefore: Date, limit: Int) async throws -> [String]
    /// Claims stored content that has no row at all (a crash between its commit to the blob store
    /// and its node's); returns the hashes claimed (the others have a row meanwhile).
    func claimUnrecorded(_ hashes: [String]) async throws -> [String]
    /// Forgets claimed content the blob store has removed.
    func forgetRemoved(_ hashes: [String]) async throws
}

/// Content in the blob store, as a commit names it.
struct ContentReference: Sendable, Equatable {
    var sha256: String
    var size: Int64
    /// Whether this upload wrote the bytes at their address since the store last said it had no row
    /// for them (or since it first looked). Only then may a commit create the row: without it, the
    /// content found at the address may have been removed by the collector in between.
    var written: Bool
}

extension SQLiteMetadataStore: MetadataStore {}

extension NodeRecord {
    /// Whether an `If-Match` header (a list of tags, or `*`) allows changing this version of the node.
    /// - Throws: `StoreError.preconditionFailed` when it names only other versions.
    func checkPrecondition(_ ifMatch: String?) throws(StoreError) {
        guard let ifMatch else { return }
        let tags = ifMatch.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        if tags.contains("*") || tags.contains(etag) { return }
        throw .preconditionFailed
    }
}
