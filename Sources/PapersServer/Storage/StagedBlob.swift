import Foundation
import NIOCore
import NIOPosix

/// Content that has been fully received, hashed and made durable in `tmp/`, waiting to be placed.
struct FinishedBlob: Sendable, Equatable {
    var temporaryPath: String
    var sha256: String
    var size: Int64
}

/// An upload streaming into `tmp/`: hashed and counted as it is written.
///
/// Owned by one request task. `finish` makes it durable; `discard` (or an error) removes it.
final class StagedBlob {
    private var fd: Int32
    let path: String
    private let limit: UploadLimit
    /// Checked as the bytes come when the upload did not say its length up front.
    private let freeSpace: FreeSpaceFloor?
    private let hasher = StreamHasher()
    private(set) var size: Int64 = 0
    /// Bytes whose write-back to the disk has been started.
    private var writtenBack: Int64 = 0

    /// Counts this upload while it lives (`/metrics`' uploads in flight).
    private let inFlight: ActivityCounter?

    init(fd: Int32, path: String, limit: UploadLimit, freeSpace: FreeSpaceFloor?, inFlight: ActivityCounter? = nil) {
        self.fd = fd
        self.path = path
        self.limit = limit
        self.freeSpace = freeSpace
        self.inFlight = inFlight
        inFlight?.enter()
    }

    deinit {
        inFlight?.leave()
        if fd >= 0 {
            close(fd)
            unlink(path)
        }
    }

    /// Appends bytes.
    /// - Throws: `UploadError.tooLarge` / `.quotaExceeded` past the limit, `.storageFailed` on a disk error.
    func write(_ buffer: ByteBuffer) throws(UploadError) {
        let count = buffer.readableBytes
        guard count > 0 else { return }
        try limit.check(size + Int64(count))
        try buffer.withUnsafeReadableBytes { (raw: UnsafeRawBufferPointer) throws(UploadError) in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw .disk("write", path)
                }
                offset += n
            }
        }
        hasher.update(buffer)
        size += Int64(count)
        if size - writtenBack >= Self.writeBackStep {
            // Start writing what arrived to the disk now, so the fsync at the end has only the last
            // few MiB left to wait for instead of the whole file (the kernel would otherwise hold it
            // all in the page cache: a 1 GiB upload waited ~0.5 s in its final fsync). Only queues
            // the I/O; errors surface in that fsync.
            _ = linuxSyncFileRange(fd, writtenBack, size - writtenBack, syncFileRangeWrite)
            writtenBack = size
            // A body without a length: what it already wrote is on the disk, so the floor applies as is.
            try freeSpace?.check(adding: 0)
        }
    }

    /// How many bytes are written before their write-back to the disk is started.
    static let writeBackStep: Int64 = 8 << 20

    /// Whether the hash has fallen behind the bytes written: the receiver should `catchUp` before
    /// reading more, so memory stays flat.
    var isHashBehind: Bool { hasher.isBehind }

    /// Waits until the hash is close behind the bytes written.
    func catchUp() async { await hasher.catchUp() }

    /// Flushes the file to disk (on `syncThreads`, never on an event loop) and returns its hash.
    /// - Throws: `UploadError.checksumMismatch` when `expectedSHA256` differs, `.storageFailed` on a disk error.
    func finish(expectedSHA256: String?) async throws(UploadError) -> FinishedBlob {
        let digest = await hasher.digest()
        if let expected = expectedSHA256?.lowercased(), expected != digest {
            discard()
            throw .checksumMismatch(expected: expected, actual: digest)
        }
        let fd = self.fd
        let syncError: Int32
        do {
            syncError = try await StagingArea.syncThreads.runOnPool { fsync(fd) == 0 ? 0 : errno }
        } catch {
            syncError = EIO
        }
        close(fd)
        self.fd = -1
        guard syncError == 0 else {
            unlink(path)
            throw .disk("fsync", path, errno: syncError)
        }
        return FinishedBlob(temporaryPath: path, sha256: digest, size: size)
    }

    /// Removes the staging file.
    func discard() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        unlink(path)
    }
}

/// `sync_file_range(2)`, which Swift's Glibc module does not export (it needs `_GNU_SOURCE`).
@_silgen_name("sync_file_range") func linuxSyncFileRange(_ fd: Int32, _ offset: Int64, _ count: Int64, _ flags: UInt32) -> Int32
/// `SYNC_FILE_RANGE_WRITE`: start write-out of dirty pages in the range, without waiting.
let syncFileRangeWrite: UInt32 = 2
