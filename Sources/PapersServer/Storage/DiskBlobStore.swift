import Foundation
import NIOCore
import NIOPosix
import PapersCore

/// Content in a folder: `<directory>/ab/cd/<sha256>` (`--blobs file:///path`, default `DATA/blobs`).
///
/// A commit renames the staging file to its address — unless the address holds the content already
/// (deduplication: the staging copy then stays for `FileService`, which may need to commit it again)
/// — and fsyncs the folders whose entries changed. Two uploads of the same content may both rename:
/// the bytes are the same. When the staging folder is on another file system (a shared volume), the
/// bytes are copied into the leaf folder first and the staging copy stays.
final class DiskBlobStore: BlobStore {
    let directory: String
    var kind: String { "file" }
    private let syncer = DirectorySyncer()

    /// Creates `directory` when missing (owner-only).
    /// - Throws: `UploadError.storageFailed` when it cannot be made.
    init(directory: String) throws {
        self.directory = directory
        try Self.makeFolder(directory)
    }

    /// Creates a folder (and its parents) readable by the server's user only, when missing.
    /// - Throws: `UploadError.storageFailed` when it cannot be made.
    static func makeFolder(_ directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw UploadError.storageFailed(detail: "cannot create \(directory): \(error)")
        }
    }

    /// Where the content with this hash lives.
    func path(for sha256: String) -> String {
        let a = sha256.prefix(2)
        let b = sha256.dropFirst(2).prefix(2)
        return "\(directory)/\(a)/\(b)/\(sha256)"
    }

    func commit(_ content: FinishedBlob) async throws -> BlobCommit {
        // mkdir and rename are short metadata calls, made in place like the staging file's writes;
        // the folder fsyncs that make them durable wait on the sync threads, shared with the commits
        // made at the same time (`DirectorySyncer`).
        let (result, unsynced) = place(content)
        if !unsynced.isEmpty { await syncer.sync(unsynced) }
        return try result.get()
    }

    /// Moves (or copies) the content to its address; returns the folders to fsync to make that durable.
    private func place(_ content: FinishedBlob) -> (Result<BlobCommit, UploadError>, Set<String>) {
        let final = path(for: content.sha256)
        if access(final, F_OK) == 0 { return (.success(BlobCommit(wrote: false, tookStagingFile: false)), []) }
        let leaf = (final as NSString).deletingLastPathComponent
        var unsynced: Set<String> = [leaf]
        if access(leaf, F_OK) != 0 {
            // ab/ then ab/cd/, owner-only; another upload may make either at the same time.
            let outer = (leaf as NSString).deletingLastPathComponent
            for dir in [outer, leaf] where mkdir(dir, 0o700) != 0 && errno != EEXIST {
                return (.failure(.disk("mkdir", dir)), [])
            }
            unsynced.formUnion([directory, outer])
        }
        var took = true
        if rename(content.temporaryPath, final) != 0 {
            guard errno == EXDEV else { return (.failure(.disk("rename to", final)), []) }
            if let failure = copy(content.temporaryPath, to: final, via: leaf) { return (.failure(failure), []) }
            took = false
        }
        return (.success(BlobCommit(wrote: true, tookStagingFile: took)), unsynced)
    }

    /// Copies a staging file from another file system to `final` through a temporary name in the
    /// same folder, synced before it is linked (never a half-written file at the address).
    private func copy(_ source: String, to final: String, via leaf: String) -> UploadError? {
        let temporary = "\(leaf)/.incoming-\(RandomID.uuid())"
        defer { unlink(temporary) }  // gone already once renamed into place
        let input = Foundation.open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { return .disk("open", source) }
        defer { close(input) }
        let output = Foundation.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard output >= 0 else { return .disk("open", temporary) }
        defer { close(output) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .disk("read", source)
            }
            if n == 0 { break }
            var written = 0
            while written < n {
                let w = buffer.withUnsafeBytes { write(output, $0.baseAddress! + written, n - written) }
                if w < 0 {
                    if errno == EINTR { continue }
                    return .disk("write", temporary)
                }
                written += w
            }
        }
        guard fsync(output) == 0 else { return .disk("fsync", temporary) }
        guard rename(temporary, final) == 0 else { return .disk("rename to", final) }
        return nil
    }

    func open(_ sha256: String, range: Range<Int64>) async throws -> any BlobSource {
        let descriptor = Foundation.open(path(for: sha256), O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw StoreError.blobMissing }
        return BlobReader(descriptor: descriptor)
    }

    func contains(_ sha256: String) async throws -> Bool {
        access(path(for: sha256), R_OK) == 0
    }

    func remove(_ hashes: [String]) async throws {
        let paths = hashes.map(path(for:))
        try await StagingArea.syncThreads.runOnPool {
            for path in paths where unlink(path) != 0 && errno != ENOENT {
                throw UploadError.disk("unlink", path)
            }
        }
    }

    /// One `ab/` folder at a time (the walk's memory is a folder's names, not the store's).
    func stored(writtenBefore cutoff: Date, page: ([String]) async throws -> Void) async throws {
        let directory = self.directory
        let outer = try await NIOThreadPool.singleton.runOnPool {
            ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.count == 2 }.sorted()
        }
        for folder in outer {
            let hashes = try await NIOThreadPool.singleton.runOnPool { () -> [String] in
                guard let walker = FileManager.default.enumerator(atPath: directory + "/" + folder) else { return [] }
                var hashes: [String] = []
                while let relative = walker.nextObject() as? String {
                    let name = (relative as NSString).lastPathComponent
                    guard name.count == 64, name.hasPrefix(folder), relative.split(separator: "/").count == 2 else { continue }
                    var info = stat()
                    guard stat(directory + "/" + folder + "/" + relative, &info) == 0 else { continue }
                    if Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec)) < cutoff { hashes.append(name) }
                }
                return hashes
            }
            if !hashes.isEmpty { try await page(hashes) }
        }
    }

    /// Nothing: a copy from another file system goes through a temporary name that a crash may
    /// leave (`.incoming-*`, rare), which the operator may delete.
    func removeAbandonedWrites(now: Date) async throws -> Int { 0 }

    func ping() async throws {
        guard access(directory, R_OK | W_OK | X_OK) == 0 else { throw UploadError.disk("access", directory) }
    }

    static func syncDirectory(_ path: String) {
        let fd = Foundation.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
