import Foundation
import PapersCore

/// Where accounts, the file tree, token revocations and login failures live.
///
/// SQLite (`SQLiteMetadataStore`) now; PostgreSQL for several server processes next. Operations that
/// store or free content also place or remove it in the blob store, under the store's write lock,
/// so that no node ever points at missing content. Errors are `StoreError`s unless noted.
protocol MetadataStore: Sendable {
    /// Start-up housekeeping: clears staged uploads and removes content no node uses. Returns how many blobs went.
    func recover() throws -> Int
    /// Whether the store answers.
    func ping() async throws

    // MARK: Accounts
    /// Creates an account and its root folder. Throws `.emailTaken`.
    func createUser(email: String, fullname: String, passwordHash: String, quotaBytes: Int64?) async throws -> UserRecord
    func user(email: String) async throws -> UserRecord?
    func user(id: String) async throws -> UserRecord?
    func updatePasswordHash(userId: String, hash: String) async throws
    /// Bytes used by the user's files.
    func usedBytes(userId: String) async throws -> Int64
    /// Bytes the user may still add; `nil` without a quota.
    func quotaRemaining(userId: String) async throws -> Int64?

    // MARK: Tokens and login throttling
    func revokeToken(id: String, expiresAt: Date) async throws
    func isTokenRevoked(id: String) async throws -> Bool
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
    /// Places the content and commits its node in one step. Throws `.nodeNotFound`, `.notAFolder`,
    /// `.nameConflict`, `.quotaExceeded`, `UploadError.storageFailed`.
    func createFile(ownerId: String, parentId: String?, name: String, mimeType: String, content: FinishedBlob, onConflict: OnConflict)
        async throws -> (node: NodeRecord, created: Bool)
    /// Throws `.nodeNotFound`, `.isAFolder`, `.preconditionFailed`, `.quotaExceeded`, `UploadError.storageFailed`.
    func replaceContent(ownerId: String, id: String, content: FinishedBlob, ifMatch: String?) async throws -> NodeRecord
    /// Renames and/or moves. Throws `.nodeNotFound`, `.notAFolder`, `.moveIntoOwnSubtree`, `.nameConflict`, `.preconditionFailed`.
    func editNode(
        ownerId: String, id: String, kind: NodeKind, newName: String?, destination: EditNodeRequest.Destination?, onConflict: OnConflict,
        ifMatch: String?
    ) async throws -> NodeRecord
    /// Deletes a node and its subtree; content no node uses any more goes too. Throws `.nodeNotFound`, `.preconditionFailed`.
    func deleteNode(ownerId: String, id: String, kind: NodeKind, ifMatch: String?) async throws
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
