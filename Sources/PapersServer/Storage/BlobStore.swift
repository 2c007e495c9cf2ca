import Foundation
import NIOCore

/// Content-addressed, write-once storage of file bytes, keyed by their SHA-256: the seam between the
/// file tree (`MetadataStore`, which knows content only by hash and size) and where the bytes live.
/// `DiskBlobStore` (`file://`, also on a volume several servers share) and `S3BlobStore` (`s3://`)
/// implement it.
///
/// The life of content: an upload is staged in this process's `StagingArea`, `commit`ted to its
/// address, and referenced by a node in the metadata store; content no node uses is `remove`d by the
/// collector (`BlobCollector`) a grace period later, after the metadata store has claimed it. The
/// store itself keeps no references: the rule that no node points at missing content is kept by the
/// metadata store's `blobs` rows and `FileService`.
protocol BlobStore: Sendable {
    /// What `/health` calls it (`file`, `s3`).
    var kind: String { get }

    /// Makes staged content durable at its address, unless the address already holds it. The store
    /// may move the staging file itself into place (then it is gone from `tmp/`).
    /// - Throws: `UploadError.storageFailed` / `.diskFull` when the disk refuses, `BlobStoreError`
    ///   when an object store does not answer or refuses.
    func commit(_ content: FinishedBlob) async throws -> BlobCommit

    /// Opens a byte range of stored content for streaming reads (an object store starts its request
    /// here, so a missing object is known before a response starts).
    /// - Throws: `StoreError.blobMissing` when it is not stored (the store was damaged), `BlobStoreError`.
    func open(_ sha256: String, range: Range<Int64>) async throws -> any BlobSource

    /// Whether content is stored.
    /// - Throws: `BlobStoreError` when the store cannot tell.
    func contains(_ sha256: String) async throws -> Bool

    /// Removes stored content; content already gone is not an error.
    /// - Throws: the store's error when it cannot remove (the collector tries again later).
    func remove(_ hashes: [String]) async throws

    /// Hands `page` the hashes of stored content last written before `cutoff`, a page (up to about a
    /// thousand) at a time, so a store of millions is never listed into memory at once (the
    /// collector's sweep for content that a crash left without a row).
    /// - Throws: the store's error, or what `page` throws (which stops the listing).
    func stored(writtenBefore cutoff: Date, page: ([String]) async throws -> Void) async throws

    /// Removes what interrupted writes left in the store (an object store's incomplete multipart
    /// uploads); returns how many. Called by the collector under its lease.
    func removeAbandonedWrites(now: Date) async throws -> Int

    /// Whether the store answers (for `/health`).
    /// - Throws: `BlobStoreError` (or the disk's error) when it does not, or refuses our credentials.
    func ping() async throws
}

/// What `BlobStore.commit` did.
struct BlobCommit: Sendable, Equatable {
    /// Whether this call wrote the content (`false`: it was already stored — deduplication).
    var wrote: Bool
    /// Whether the staging file was moved into place (nothing is left to remove from `tmp/`).
    var tookStagingFile: Bool
}

/// Stored content being read: chunks of a byte range, one after another.
protocol BlobSource: Sendable {
    /// The next chunk of `offset..<end` (at most a store-chosen size; never empty). Reads go forward
    /// through the range the source was opened for, one at a time.
    /// - Throws: `StoreError.blobMissing` when the content ends early (it was damaged).
    func read(at offset: Int64, end: Int64) async throws -> ByteBuffer
    /// Hands back a chunk that was sent, to be read into again.
    func recycle(_ buffer: ByteBuffer)
}
