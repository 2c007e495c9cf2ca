import Foundation
import PapersCore

/// The file tree's use cases — upload, replace, read, list, make a folder, rename, move, delete —
/// over the two stores: the `MetadataStore` (nodes, content references) and the `BlobStore` (bytes).
/// Every front end (the JSON API now, WebDAV and resumable uploads next) goes through it, so the
/// rules of storing content live here once; controllers hold HTTP and nothing else.
///
/// Errors are the stores' (`StoreError`, `UploadError`, `ValidationError`), mapped to HTTP by the caller.
struct FileService: Sendable {
    let store: any MetadataStore
    let blobs: any BlobStore
    let staging: StagingArea
    /// `--max-upload`.
    let maxUpload: Int64?
    /// How long a commit waits for the collector to finish removing the same content.
    var removalWait: Duration = .seconds(10)

    // MARK: Reading

    /// Throws `.nodeNotFound` (also for someone else's node), `.isAFolder` under `kind: .file`.
    func node(id: String, ownerId: String, kind: NodeKind) async throws -> NodeRecord {
        try await store.node(id: id, ownerId: ownerId, kind: kind)
    }

    /// The child of a folder (`nil`: the root) with exactly this name. Throws `.nodeNotFound`, `.notAFolder`.
    func child(ownerId: String, parentId: String?, name: String) async throws -> NodeRecord? {
        try await store.child(ownerId: ownerId, parentId: parentId, name: name)
    }

    /// A page of a folder's children. Throws `.nodeNotFound`, `.notAFolder`, `ValidationError` (`cursor`).
    func children(ownerId: String, parentId: String?, query: ListQuery) async throws -> ChildrenPage {
        try await store.children(ownerId: ownerId, parentId: parentId, query: query)
    }

    /// Opens a byte range of a file's content for reading.
    /// - Throws: `StoreError.isAFolder` for a folder, `.blobMissing` when the blob store lost it,
    ///   `BlobStoreError` when it does not answer.
    func open(_ node: NodeRecord, range: Range<Int64>) async throws -> any BlobSource {
        guard let sha256 = node.sha256 else { throw StoreError.isAFolder }
        return try await blobs.open(sha256, range: range)
    }

    /// Whether a file's content is in the blob store (a `HEAD` promises bytes only then).
    /// - Throws: `BlobStoreError` when the store cannot tell.
    func hasContent(_ node: NodeRecord) async throws -> Bool {
        guard let sha256 = node.sha256 else { return false }
        return try await blobs.contains(sha256)
    }

    // MARK: Uploading

    /// What a new file's upload checks before its body, in one read: the folder, the room left
    /// (`--max-upload` and the quota), and whether the name is taken. Throws `.nodeNotFound`, `.notAFolder`.
    func uploadTarget(ownerId: String, parentId: String?, name: String) async throws -> (target: UploadTarget, limit: UploadLimit) {
        let target = try await store.uploadTarget(ownerId: ownerId, parentId: parentId, name: name)
        return (target, UploadLimit(maxUpload: maxUpload, quotaRemaining: target.quotaRemaining))
    }

    /// The room left for a new file of this user (`--max-upload` and the quota).
    func uploadLimit(ownerId: String) async throws -> UploadLimit {
        UploadLimit(maxUpload: maxUpload, quotaRemaining: try await store.quotaRemaining(userId: ownerId))
    }

    /// The room left for new content of an existing file: its old bytes are given back when the new
    /// ones land, unless they are kept as a version (`--keep-versions`). Throws `.nodeNotFound`,
    /// `.isAFolder`, `.preconditionFailed` for a stale `ifMatch`.
    func replacementLimit(ownerId: String, id: String, ifMatch: String?) async throws -> UploadLimit {
        let node = try await store.node(id: id, ownerId: ownerId, kind: .file)
        try node.checkPrecondition(ifMatch)
        let base = try await uploadLimit(ownerId: ownerId)
        let givenBack = store.retention.keepVersions > 0 ? 0 : node.size
        return UploadLimit(maxUpload: base.maxUpload, quotaRemaining: base.quotaRemaining.map { $0 + givenBack })
    }

    /// A staging file in this process's `tmp/` for an upload's body.
    /// - Throws: `UploadError.belowFreeSpaceFloor`, `.storageFailed`.
    func stage(limit: UploadLimit, expectedLength: Int64?) throws(UploadError) -> StagedBlob {
        try staging.stage(limit: limit, expectedLength: expectedLength)
    }

    /// Stores a finished upload as a new file (or, with `.overwrite`, as the new content of the file
    /// of that name). Throws `.nodeNotFound`, `.notAFolder`, `.nameConflict`, `.quotaExceeded`,
    /// `UploadError.storageFailed` / `.diskFull`.
    func createFile(ownerId: String, parentId: String?, name: String, mimeType: String, content: FinishedBlob, onConflict: OnConflict)
        async throws -> (node: NodeRecord, created: Bool)
    {
        try await settle(content) { reference in
            try await store.createFile(
                ownerId: ownerId, parentId: parentId, name: name, mimeType: mimeType, content: reference, onConflict: onConflict)
        }
    }

    /// New content for an existing file. Throws `.nodeNotFound`, `.isAFolder`, `.preconditionFailed`,
    /// `.quotaExceeded`, `UploadError.storageFailed` / `.diskFull`.
    func replaceContent(ownerId: String, id: String, content: FinishedBlob, ifMatch: String?) async throws -> NodeRecord {
        try await settle(content) { reference in
            try await store.replaceContent(ownerId: ownerId, id: id, content: reference, ifMatch: ifMatch)
        }
    }

    /// Commits finished content to the blob store, then its node with `commit`, and removes the
    /// staging copy if the blob store left it.
    ///
    /// The metadata store refuses a commit it cannot prove safe, and this loop answers it: content
    /// it has no row for must have been written by this upload since it last looked (the content
    /// found at its address may have been the collector's, mid-removal) — commit the bytes again and
    /// retry; content the collector is removing — wait until it is gone, then write it again.
    private func settle<T: Sendable>(_ content: FinishedBlob, _ commit: (ContentReference) async throws -> T) async throws -> T {
        var stagingLeft = true
        do {
            let result = try await settleKeepingStaged(content, stagingLeft: &stagingLeft, commit)
            if stagingLeft { await staging.discard(content) }
            return result
        } catch {
            if stagingLeft { await staging.discard(content) }
            throw error
        }
    }

    private func settleKeepingStaged<T: Sendable>(
        _ content: FinishedBlob, stagingLeft: inout Bool, _ commit: (ContentReference) async throws -> T
    ) async throws -> T {
        var stored = try await blobs.commit(content)
        stagingLeft = !stored.tookStagingFile
        var reference = ContentReference(sha256: content.sha256, size: content.size, written: stored.wrote)
        let deadline = ContinuousClock.now + removalWait
        var pause = Duration.milliseconds(20)
        while true {
            do {
                return try await commit(reference)
            } catch StoreError.contentNotRecorded where !reference.written {
                // Present at the address after the store said it had no row: safe to record. (Only a
                // commit that found the content stored gets here, so the staging copy is still there.)
                stored = try await blobs.commit(content)
                stagingLeft = stagingLeft && !stored.tookStagingFile
                reference.written = true
            } catch StoreError.contentBeingRemoved where ContinuousClock.now < deadline {
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .milliseconds(500))
                // Whatever was written before may be what the collector removes: look again.
                reference.written = false
            }
        }
    }

    /// A new file over content its owner already stores in one of their own files: an upload that
    /// needs no bytes (tus's instant upload). `nil` when they store no such content (or it is being
    /// removed): the bytes must be sent. Only the owner's own files count, so nobody learns whether
    /// someone else stores a content.
    /// - Throws: as `createFile`.
    func createFileFromOwnContent(
        ownerId: String, parentId: String?, name: String, mimeType: String, sha256: String, size: Int64, onConflict: OnConflict
    ) async throws -> NodeRecord? {
        guard try await store.ownsContent(userId: ownerId, sha256: sha256, size: size) else { return nil }
        do {
            return try await store.createFile(
                ownerId: ownerId, parentId: parentId, name: name, mimeType: mimeType,
                content: ContentReference(sha256: sha256, size: size, written: false), onConflict: onConflict
            ).node
        } catch StoreError.contentNotRecorded, StoreError.contentBeingRemoved {
            return nil
        }
    }

    // MARK: Folders and edits

    /// Throws `.nodeNotFound`, `.notAFolder`, `.nameConflict`.
    func createFolder(ownerId: String, parentId: String?, name: String, onConflict: OnConflict) async throws -> NodeRecord {
        try await store.createFolder(ownerId: ownerId, parentId: parentId, name: name, onConflict: onConflict)
    }

    /// Renames and/or moves. Throws `.nodeNotFound`, `.notAFolder`, `.moveIntoOwnSubtree`, `.nameConflict`, `.preconditionFailed`.
    func editNode(
        ownerId: String, id: String, kind: NodeKind, newName: String?, destination: EditNodeRequest.Destination?, onConflict: OnConflict,
        ifMatch: String?
    ) async throws -> NodeRecord {
        try await store.editNode(
            ownerId: ownerId, id: id, kind: kind, newName: newName, destination: destination, onConflict: onConflict, ifMatch: ifMatch)
    }

    /// Moves a node and its subtree to the trash, or with `permanent` (or the trash off) deletes them
    /// for good; content nothing uses any more goes to the collector. Throws `.nodeNotFound`,
    /// `.preconditionFailed`.
    func deleteNode(ownerId: String, id: String, kind: NodeKind, ifMatch: String?, permanent: Bool) async throws {
        try await store.deleteNode(ownerId: ownerId, id: id, kind: kind, ifMatch: ifMatch, permanent: permanent)
    }

    // MARK: Trash

    /// A page of the trash, newest first.
    func trash(ownerId: String, query: TrashQuery) async throws -> TrashedPage {
        try await store.trash(ownerId: ownerId, query: query)
    }

    /// Puts a trashed item back. Throws `.nodeNotFound`, `.nameConflict`.
    func restoreFromTrash(ownerId: String, id: String, onConflict: OnConflict) async throws -> NodeRecord {
        try await store.restoreFromTrash(ownerId: ownerId, id: id, onConflict: onConflict)
    }

    /// Deletes one trashed item for good. Throws `.nodeNotFound`.
    func eraseFromTrash(ownerId: String, id: String) async throws {
        try await store.eraseFromTrash(ownerId: ownerId, id: id)
    }

    /// Deletes everything in the trash for good.
    func emptyTrash(ownerId: String) async throws {
        try await store.emptyTrash(ownerId: ownerId)
    }

    // MARK: Versions

    /// A file's versions, newest (the current content) first. Throws `.nodeNotFound`, `.isAFolder`.
    func versions(ownerId: String, fileId: String) async throws -> FileVersions {
        try await store.versions(ownerId: ownerId, fileId: fileId)
    }

    /// One version of a file. Throws `.nodeNotFound`, `.isAFolder`, `.versionNotFound`.
    func version(ownerId: String, fileId: String, number: Int64) async throws -> (node: NodeRecord, version: FileVersion) {
        try await store.version(ownerId: ownerId, fileId: fileId, number: number)
    }

    /// Makes version `number` the current content. The version's content is referenced already (its
    /// row keeps the collector away), so nothing is written to the blob store. Throws `.nodeNotFound`,
    /// `.isAFolder`, `.versionNotFound`, `.preconditionFailed`, `.quotaExceeded`.
    func restoreVersion(ownerId: String, fileId: String, number: Int64, ifMatch: String?) async throws -> NodeRecord {
        try await store.restoreVersion(ownerId: ownerId, fileId: fileId, number: number, ifMatch: ifMatch)
    }

    // MARK: Search

    /// A page of the user's nodes whose name contains the query's text, each with its path.
    func search(ownerId: String, query: SearchQuery) async throws -> SearchPage {
        try await store.search(ownerId: ownerId, query: query)
    }
}
