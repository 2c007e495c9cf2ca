import Foundation
import NIOCore
import NIOPosix
import PapersCore

/// Where resumable uploads wait for their bytes: `DATA/uploads/<id>.json` (the `ResumableUpload`,
/// written atomically and synced) and `<id>.bin` (the bytes so far). Unlike `tmp/`, start-up leaves
/// this folder alone: an upload survives a restart and a crash. The offset is the length of the
/// `.bin` file, which each append syncs before it is answered, so an offset a client was told is
/// never lost. An append holds an exclusive `flock` on the `.bin` (two appends to one upload, from
/// two connections or two processes on one data directory, never interleave).
///
/// Several servers with separate data directories each hold their own uploads: a balancer must send
/// an upload's requests to the server that created it (docs/operations.md).
final class ResumableUploadStore: Sendable {
    let directory: String

    /// Creates the folder when missing (owner-only).
    /// - Throws: `UploadError.storageFailed` when it cannot be made.
    init(directory: String) throws {
        self.directory = directory
        try DiskBlobStore.makeFolder(directory)
    }

    /// Upload ids are UUIDs; anything else names no upload (and never a path outside the folder).
    static func isValidID(_ id: String) -> Bool {
        id.utf8.count == 36 && id.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) || $0 == 45 }
    }

    func dataPath(_ id: String) -> String { "\(directory)/\(id).bin" }
    private func infoPath(_ id: String) -> String { "\(directory)/\(id).json" }

    /// Records a new upload with no bytes yet.
    /// - Throws: `UploadError` when the disk refuses.
    func create(_ upload: ResumableUpload) async throws {
        let data = dataPath(upload.id)
        let fd = open(data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw UploadError.disk("open", data) }
        close(fd)
        try await save(upload)
    }

    /// Writes the upload's record: to a temporary name, synced, renamed over the old one, and the
    /// folder synced (a crash leaves the old record or the new one, never half of one).
    /// - Throws: `UploadError` when the disk refuses.
    func save(_ upload: ResumableUpload) async throws {
        let bytes = try JSONEncoder().encode(upload)
        let final = infoPath(upload.id)
        let temporary = final + ".tmp"
        let directory = self.directory
        try await StagingArea.syncThreads.runOnPool {
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw UploadError.disk("open", temporary) }
            defer { close(fd) }
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written == bytes.count, fsync(fd) == 0 else { throw UploadError.disk("write", temporary) }
            guard rename(temporary, final) == 0 else { throw UploadError.disk("rename to", final) }
            DiskBlobStore.syncDirectory(directory)
        }
    }

    /// The upload's record, `nil` when there is none.
    func load(_ id: String) -> ResumableUpload? {
        guard Self.isValidID(id), let data = FileManager.default.contents(atPath: infoPath(id)) else { return nil }
        return try? JSONDecoder().decode(ResumableUpload.self, from: data)
    }

    /// The bytes received so far (the whole length once the upload became a file).
    func offset(of upload: ResumableUpload) -> Int64 {
        if upload.isComplete { return upload.length }
        var info = stat()
        return stat(dataPath(upload.id), &info) == 0 ? Int64(info.st_size) : 0
    }

    /// Opens the upload's bytes for an append, locked against other appends.
    /// - Throws: `ResumableUploadError.busy` while another append holds it, `.notFound` when its bytes are gone.
    func openForAppend(_ upload: ResumableUpload) throws -> UploadAppend {
        let path = dataPath(upload.id)
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw ResumableUploadError.notFound }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw ResumableUploadError.busy
        }
        var info = stat()
        fstat(fd, &info)
        return UploadAppend(fd: fd, path: path, start: Int64(info.st_size), length: upload.length)
    }

    /// Removes an upload's record and bytes (what is already gone is not an error).
    func remove(_ id: String) async {
        let paths = [dataPath(id), infoPath(id)]
        try? await StagingArea.syncThreads.runOnPool {
            for path in paths { unlink(path) }
        }
    }

    /// The ids of uploads past their expiry at `now`, and of bytes whose record is missing (a crash
    /// between the two files' creation).
    func expired(at now: Date) async -> [String] {
        let directory = self.directory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let ids = Set(names.compactMap { name -> String? in
            let id = (name as NSString).deletingPathExtension
            return Self.isValidID(id) ? id : nil
        })
        let nowMs = Int64(now.timeIntervalSince1970 * 1000)
        return ids.filter { id in
            guard let upload = load(id) else {
                // A record being written has its bytes first: give it a minute.
                var info = stat()
                return stat(dataPath(id), &info) != 0 || Double(info.st_mtim.tv_sec) < now.timeIntervalSince1970 - 60
            }
            return upload.expiresMs <= nowMs
        }.sorted()
    }
}

/// An append in progress: bytes written at the end of an upload's `.bin`, under its lock. Used by
/// one task at a time (the one receiving the body, then the one finishing the request).
final class UploadAppend: @unchecked Sendable {
    let fd: Int32
    let path: String
    /// The offset the append started at.
    let start: Int64
    let length: Int64
    private(set) var written: Int64 = 0
    /// Up to where the disk was asked to start writing (see `write`).
    private var writtenBack: Int64 = 0

    init(fd: Int32, path: String, start: Int64, length: Int64) {
        self.fd = fd
        self.path = path
        self.start = start
        self.length = length
    }

    deinit { close(fd) }

    var offset: Int64 { start + written }

    /// Appends bytes.
    /// - Throws: `ResumableUploadError.tooLong` past the upload's length, `UploadError` on a disk error.
    func write(_ buffer: ByteBuffer) throws {
        let count = buffer.readableBytes
        guard offset + Int64(count) <= length else { throw ResumableUploadError.tooLong(length: length) }
        try buffer.withUnsafeReadableBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw UploadError.disk("write", path)
                }
                done += n
            }
        }
        written += Int64(count)
        // Start writing what arrived to the disk now, so the fsync that ends the chunk waits for the
        // last half MiB instead of all of it (as `StagedBlob` does for a plain upload; measured on 1 GiB
        // in 8 MiB chunks: tus ÷ one stream 0.75 with 2 MiB steps, 0.84 with half a MiB).
        if written - writtenBack >= 512 << 10 {
            _ = linuxSyncFileRange(fd, start + writtenBack, written - writtenBack, syncFileRangeWrite)
            writtenBack = written
        }
    }

    /// Makes what was appended durable (on `StagingArea.syncThreads`).
    /// - Throws: `UploadError` when fsync fails.
    func sync() async throws {
        let fd = self.fd
        let path = self.path
        try await StagingArea.syncThreads.runOnPool {
            guard fsync(fd) == 0 else { throw UploadError.disk("fsync", path) }
        }
    }

    /// Takes back everything this append wrote (a chunk whose checksum did not match, or that was
    /// cut off while a checksum was promised).
    func undo() async {
        let fd = self.fd
        let start = self.start
        try? await StagingArea.syncThreads.runOnPool {
            _ = ftruncate(fd, off_t(start))
            _ = fsync(fd)
        }
        written = 0
    }
}

/// What a resumable upload refuses, in the user's terms (mapped to tus's statuses in `TusController`).
enum ResumableUploadError: Error, Sendable, Equatable {
    /// No such upload for this user (or it was terminated, or swept after it expired).
    case notFound
    /// The upload expired and waits to be swept.
    case expired
    /// A `PATCH` at another offset than the upload's.
    case wrongOffset(expected: Int64)
    /// Another request is appending to this upload now.
    case busy
    /// More bytes than the upload's length.
    case tooLong(length: Int64)
    /// `Upload-Checksum` did not match the chunk; the chunk was dropped.
    case checksumMismatch
    /// The body was cut off (the bytes that arrived are kept unless a checksum was promised).
    case interrupted
    /// A newer PATCH of the upload took over from this one (what arrived is kept, as for a cut).
    case takenOver
}
