import Foundation
import NIOCore
import NIOPosix
import PapersCore

/// Where this process receives uploads: `DATA/tmp/<instance>/`, whatever the blob store. A body
/// streams into a staging file while it is hashed and counted, is made durable there, and is then
/// committed to the `BlobStore` by its address; the staging copy stays until the upload is settled,
/// so the bytes can be committed again if the content was removed meanwhile (`FileService`).
///
/// The folder is held with an exclusive `flock` for as long as the process lives, so that another
/// process's start-up (several servers may share one data directory) can tell a live process's
/// uploads from a dead one's and clears only the latter.
final class StagingArea: Sendable {
    /// Uploads streaming into `tmp/` now (`/metrics`); tus appends count in `ResumableUploads`.
    let uploads = ActivityCounter()
    /// `DATA/tmp`.
    let root: String
    /// This process's own folder, `tmp/<instance>/`.
    let directory: String
    /// The open folder the lock is held on (released by the kernel when the process ends).
    private let lock: Int32
    /// The free space uploads must leave on the disk.
    let freeSpace: FreeSpaceFloor

    /// Threads that wait in fsync and unlink. More than the cores: an fsync mostly waits for the
    /// disk, and concurrent uploads' fsyncs overlap (the file system commits them together) instead
    /// of queueing behind NIO's two-thread pool.
    static let syncThreads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 16)
        pool.start()
        return pool
    }()

    /// Creates `root` and this process's folder in it when missing (owner-only, whatever the umask),
    /// and locks the latter. `minFreeSpace` is kept free on the disk under `root`.
    /// - Throws: `UploadError.storageFailed` when they cannot be made or locked.
    init(root: String, minFreeSpace: Int64 = 0) throws {
        self.root = root
        freeSpace = FreeSpaceFloor(path: root, floor: minFreeSpace)
        directory = root + "/" + RandomID.uuid()
        for dir in [root, directory] {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw UploadError.storageFailed(detail: "cannot create \(dir): \(error)")
            }
        }
        lock = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard lock >= 0, flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            throw UploadError.storageFailed(detail: "cannot lock \(directory): \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        // Tests make many in one process; a server's lives as long as the process.
        close(lock)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Opens a new staging file for an upload of `expectedLength` bytes (`nil`: unknown).
    /// - Throws: `UploadError.belowFreeSpaceFloor` when the disk has no room for it, `.storageFailed`.
    func stage(limit: UploadLimit, expectedLength: Int64? = nil) throws(UploadError) -> StagedBlob {
        try freeSpace.check(adding: expectedLength ?? 0)
        let path = "\(directory)/upload-\(RandomID.uuid())"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .disk("open", path) }
        return StagedBlob(fd: fd, path: path, limit: limit, freeSpace: expectedLength == nil ? freeSpace : nil, inFlight: uploads)
    }

    /// Removes an upload's staging copy once it is settled. Off the event loop: on a file system
    /// mounted with `discard`, unlinking a file with blocks waits for the device (measured: it was the
    /// largest single cost of a duplicate small upload). A crash before it runs leaves the copy, which
    /// a later start-up clears.
    func discard(_ content: FinishedBlob) async {
        let path = content.temporaryPath
        do {
            try await Self.syncThreads.runOnPool { _ = unlink(path) }
        } catch {
            unlink(path)  // the pool is shutting down
        }
    }

    /// Removes the uploads that processes which are gone left here (cut off by a crash): their
    /// folders, whose lock nobody holds any more, and loose files of the older one-folder layout.
    /// A live process's folder is left alone. Returns how many folders and files went.
    @discardableResult
    func clearLeftovers() -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        var cleared = 0
        for name in names {
            let path = "\(root)/\(name)"
            guard path != directory else { continue }
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
}
