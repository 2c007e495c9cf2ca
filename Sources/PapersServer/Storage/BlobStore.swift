import Crypto
import Foundation
import NIOCore
import NIOPosix
import PapersCore

/// Why an upload's bytes were not kept.
enum UploadError: Error, Sendable, Equatable {
    /// More bytes than `--max-upload` allows.
    case tooLarge(limit: Int64)
    /// More bytes than the user's remaining quota.
    case quotaExceeded
    /// `X-Content-SHA256` did not match what arrived.
    case checksumMismatch(expected: String, actual: String)
    /// The disk refused (permissions, I/O error, ...). `detail` is for the log only.
    case storageFailed(detail: String)
    /// The disk is full (ENOSPC, EDQUOT). `detail` is for the log only.
    case diskFull(detail: String)
    /// Taking the upload would leave less free space than `--min-free-space` keeps for deletes and
    /// the database.
    case belowFreeSpaceFloor(free: Int64, needed: Int64, floor: Int64)

    /// The error for a failed system call on `path`, from `errno`.
    static func disk(_ operation: String, _ path: String, errno code: Int32 = errno) -> UploadError {
        let detail = "\(operation) \(path): \(String(cString: strerror(code)))"
        return code == ENOSPC || code == EDQUOT ? .diskFull(detail: detail) : .storageFailed(detail: detail)
    }
}

/// Keeps uploads from filling the disk: an upload is refused while the free space under the data
/// directory, less what the upload brings, would fall below `floor` — so that deletes, the
/// database's own writes and other processes always have room.
struct FreeSpaceFloor: Sendable, Equatable {
    /// The file system to watch (any path on it).
    var path: String
    var floor: Int64

    init(path: String, floor: Int64) {
        self.path = path
        self.floor = floor
    }

    /// Bytes available to an unprivileged writer, or `nil` when the file system does not say.
    func available() -> Int64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    /// - Throws: `UploadError.belowFreeSpaceFloor` when `bytes` more would cross the floor.
    func check(adding bytes: Int64) throws(UploadError) {
        guard floor > 0, let free = available() else { return }
        if free - bytes < floor { throw .belowFreeSpaceFloor(free: free, needed: bytes, floor: floor) }
    }
}

/// How many bytes an upload may bring, and which rule says so.
struct UploadLimit: Sendable, Equatable {
    var maxUpload: Int64?
    var quotaRemaining: Int64?

    init(maxUpload: Int64?, quotaRemaining: Int64?) {
        self.maxUpload = maxUpload
        self.quotaRemaining = quotaRemaining
    }

    /// Throws when `size` bytes are more than allowed: `tooLarge` first, as the server-wide rule.
    func check(_ size: Int64) throws(UploadError) {
        if let maxUpload, size > maxUpload { throw .tooLarge(limit: maxUpload) }
        if let quotaRemaining, size > quotaRemaining { throw .quotaExceeded }
    }
}

/// Content that has been fully received, hashed and made durable in `tmp/`, waiting to be placed.
struct FinishedBlob: Sendable, Equatable {
    var temporaryPath: String
    var sha256: String
    var size: Int64
}

/// Content-addressed, write-once storage of file bytes: `blobs/ab/cd/<sha256>`.
///
/// Uploads are staged in `tmp/` while they stream in; `place` renames a finished one to its address
/// (or drops it when the same content is already there: deduplication). `place` and `remove` are
/// called by the metadata store under its write lock, so a node never points at missing content.
final class DiskBlobStore: Sendable {
    let root: String

    /// Threads that wait in fsync. More than the cores: an fsync mostly waits for the disk, and
    /// concurrent uploads' fsyncs overlap (the file system commits them together) instead of queueing
    /// behind NIO's two-thread pool.
    static let syncThreads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 16)
        pool.start()
        return pool
    }()
    var blobsDirectory: String { root + "/blobs" }
    var temporaryDirectory: String { root + "/tmp" }
    /// This process's own staging folder, `tmp/<instance>/`: held with an exclusive `flock` for as
    /// long as the process lives, so that another process's start-up (several servers may share one
    /// data directory) can tell a live process's uploads from a dead one's and clears only the latter.
    let stagingDirectory: String
    /// The open staging folder the lock is held on (released by the kernel when the process ends).
    private let stagingLock: Int32
    /// The free space uploads must leave on the disk.
    let freeSpace: FreeSpaceFloor

    /// Creates `blobs/`, `tmp/` and this process's `tmp/<instance>/` under `root` when missing
    /// (owner-only, whatever the umask), and locks the latter.
    /// - Throws: `UploadError.storageFailed` when they cannot be made or locked.
    init(root: String, minFreeSpace: Int64 = 0) throws {
        self.root = root
        self.freeSpace = FreeSpaceFloor(path: root, floor: minFreeSpace)
        stagingDirectory = root + "/tmp/" + RandomID.uuid()
        for dir in [root + "/blobs", root + "/tmp", stagingDirectory] {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: Self.ownerOnly)
            } catch {
                throw UploadError.storageFailed(detail: "cannot create \(dir): \(error)")
            }
        }
        stagingLock = open(stagingDirectory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard stagingLock >= 0, flock(stagingLock, LOCK_EX | LOCK_NB) == 0 else {
            throw UploadError.storageFailed(detail: "cannot lock \(stagingDirectory): \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        // Tests make many stores in one process; a server's lives as long as the process.
        close(stagingLock)
        try? FileManager.default.removeItem(atPath: stagingDirectory)
    }

    /// Where the content with this hash lives.
    func path(for sha256: String) -> String {
        let a = sha256.prefix(2)
        let b = sha256.dropFirst(2).prefix(2)
        return "\(blobsDirectory)/\(a)/\(b)/\(sha256)"
    }

    static var ownerOnly: [FileAttributeKey: Any] { [.posixPermissions: 0o700] }

    /// Opens a new staging file in `tmp/` for an upload of `expectedLength` bytes (`nil`: unknown).
    /// - Throws: `UploadError.belowFreeSpaceFloor` when the disk has no room for it, `.storageFailed`.
    func stage(limit: UploadLimit, expectedLength: Int64? = nil) throws(UploadError) -> StagedBlob {
        try freeSpace.check(adding: expectedLength ?? 0)
        let path = "\(stagingDirectory)/upload-\(RandomID.uuid())"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .disk("open", path) }
        return StagedBlob(fd: fd, path: path, limit: limit, freeSpace: expectedLength == nil ? freeSpace : nil)
    }

    /// Moves finished content to its address; when that content is already stored, leaves the copy in
    /// `tmp/` (deduplication) for the caller's `removeLeftover` once the write is over.
    /// The folders whose entries changed are added to `effects.unsynced`: the caller fsyncs them (once
    /// per batch, `syncDirectories`) before it commits a node that points at the content; content
    /// renamed into place is added to `effects.placed`.
    /// - Throws: `UploadError.storageFailed`.
    func place(_ blob: FinishedBlob, effects: inout WriteEffects) throws(UploadError) {
        let final = path(for: blob.sha256)
        let leaf = (final as NSString).deletingLastPathComponent
        if access(final, F_OK) == 0 {
            return  // already stored: the copy stays in tmp/ for `removeLeftover`, off the writer
        }
        if access(leaf, F_OK) != 0 {
            // blobs/ab/ then blobs/ab/cd/, owner-only; another upload may make either at the same time.
            let outer = (leaf as NSString).deletingLastPathComponent
            for dir in [outer, leaf] {
                if mkdir(dir, 0o700) != 0, errno != EEXIST { throw .disk("mkdir", dir) }
            }
            effects.unsynced.insert(outer)
            effects.unsynced.insert(blobsDirectory)
        }
        guard rename(blob.temporaryPath, final) == 0 else { throw .disk("rename to", final) }
        effects.placed.insert(blob.sha256)
        effects.unsynced.insert(leaf)
    }

    /// Removes an upload's copy from `tmp/` if it is still there — its content was already stored, or
    /// its commit was refused. Called after the write, not under the writer lock: on a file system
    /// mounted with `discard`, unlinking a file with blocks waits for the device (measured: it was the
    /// largest single cost of a duplicate small upload under the lock). A crash before it runs leaves
    /// the copy in `tmp/`, which start-up clears.
    func removeLeftover(_ blob: FinishedBlob) async {
        let path = blob.temporaryPath
        guard access(path, F_OK) == 0 else { return }
        do {
            try await Self.syncThreads.runOnPool { _ = unlink(path) }
        } catch {
            unlink(path)  // the pool is shutting down
        }
    }

    /// Makes renames into these folders durable.
    func syncDirectories(_ directories: Set<String>) {
        for directory in directories { Self.syncDirectory(directory) }
    }

    /// Deletes stored content. Missing content is not an error.
    func remove(sha256: String) {
        unlink(path(for: sha256))
    }

    /// Removes the uploads that processes which are gone left in `tmp/` (cut off by a crash): their
    /// staging folders, whose lock nobody holds any more, and loose files of the older one-folder
    /// layout. A live process's folder is left alone. Returns how many folders and files went.
    @discardableResult
    func clearStaging() -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporaryDirectory)) ?? []
        var cleared = 0
        for name in names {
            let path = "\(temporaryDirectory)/\(name)"
            guard path != stagingDirectory else { continue }
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            if (info.st_mode & S_IFMT) != S_IFDIR {
                unlink(path)
                cleared += 1
                continue
            }
            let folder = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard folder >= 0 else { continue }
            defer { close(folder) }
            guard flock(folder, LOCK_EX | LOCK_NB) == 0 else { continue }  // its process is alive
            try? FileManager.default.removeItem(atPath: path)
            cleared += 1
        }
        return cleared
    }

    /// Every stored hash.
    func storedHashes() -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: blobsDirectory) else { return [] }
        var hashes: [String] = []
        while let relative = walker.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            if name.count == 64, relative.split(separator: "/").count == 3 { hashes.append(name) }
        }
        return hashes
    }

    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
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

    init(fd: Int32, path: String, limit: UploadLimit, freeSpace: FreeSpaceFloor?) {
        self.fd = fd
        self.path = path
        self.limit = limit
        self.freeSpace = freeSpace
    }

    deinit {
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
            syncError = try await DiskBlobStore.syncThreads.runOnPool { fsync(fd) == 0 ? 0 : errno }
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
@_silgen_name("sync_file_range") private func linuxSyncFileRange(_ fd: Int32, _ offset: Int64, _ count: Int64, _ flags: UInt32) -> Int32
/// `SYNC_FILE_RANGE_WRITE`: start write-out of dirty pages in the range, without waiting.
private let syncFileRangeWrite: UInt32 = 2
