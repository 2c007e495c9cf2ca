import Crypto
import Foundation
import NIOCore
import PapersCore

/// Copies content from a blob store into a folder laid out as `DiskBlobStore`'s (`ab/cd/<sha256>`),
/// hashing it on the way: what arrives is what its address says, or the copy is refused. Each file
/// is written under a temporary name, flushed and renamed, so a copy cut short leaves no
/// half-written content under a real address. Used by back-up and restore.
struct BlobFolderCopy: Sendable {
    /// Why one content was not copied.
    enum Failure: Error, Equatable {
        case missing
        case corrupt
        case write(String)
    }

    let folder: String

    func path(for sha256: String) -> String {
        "\(folder)/\(sha256.prefix(2))/\(sha256.dropFirst(2).prefix(2))/\(sha256)"
    }

    /// Copies `size` bytes of `sha256` from `source`, unless the folder holds it already.
    /// - Throws: `Failure.missing` when the source does not hold it, `.corrupt` when its bytes do not
    ///   hash to its address (nothing is left behind), `.write` when the folder refuses; the blob
    ///   store's errors when it does not answer.
    func copy(_ sha256: String, size: Int64, from source: any BlobStore) async throws {
        let target = path(for: sha256)
        if FileManager.default.fileExists(atPath: target) { return }
        try await Self.copy(sha256, size: size, from: source, to: target)
    }

    /// Writes `size` bytes of `sha256` from `source` to the file `target` (its folder made when
    /// missing), through a hidden temporary name beside it, hashed, flushed and renamed over it.
    /// - Throws: as `copy(_:size:from:)`.
    static func copy(_ sha256: String, size: Int64, from source: any BlobStore, to target: String) async throws {
        let directory = (target as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw Failure.write("cannot create \(directory): \(error)")
        }
        let temporary = "\(directory)/.papers-\(RandomID.uuid()).partial"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure.write("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        var kept = false
        defer {
            close(fd)
            if !kept { unlink(temporary) }
        }
        try await readVerified(sha256, size: size, from: source) { chunk in try write(fd, chunk, to: temporary) }
        guard fsync(fd) == 0 else { throw Failure.write("cannot flush \(temporary): \(String(cString: strerror(errno)))") }
        guard rename(temporary, target) == 0 else { throw Failure.write("cannot rename \(temporary): \(String(cString: strerror(errno)))") }
        kept = true
    }

    /// Reads `size` bytes of `sha256` from `source` in chunks, handing each to `body`, and checks
    /// that they hash to the address: what `papers admin check` reads and every copy writes.
    /// - Throws: `Failure.missing` when the store does not hold it, `.corrupt` when it ends early or
    ///   hashes to something else; `body`'s errors; the blob store's errors when it does not answer.
    static func readVerified(_ sha256: String, size: Int64, from source: any BlobStore, _ body: (ByteBuffer) throws -> Void) async throws {
        var hash = SHA256()
        do {
            let reader = try await source.open(sha256, range: 0..<size)
            var offset: Int64 = 0
            while offset < size {
                let chunk = try await reader.read(at: offset, end: size)
                chunk.withUnsafeReadableBytes { hash.update(bufferPointer: $0) }
                try body(chunk)
                offset += Int64(chunk.readableBytes)
                reader.recycle(chunk)
            }
        } catch StoreError.blobMissing {
            throw try await source.contains(sha256) ? Failure.corrupt : Failure.missing
        }
        guard HexDigest.string(hash.finalize()) == sha256 else { throw Failure.corrupt }
    }

    private static func write(_ fd: Int32, _ chunk: ByteBuffer, to path: String) throws {
        try chunk.withUnsafeReadableBytes { bytes in
            var done = 0
            while done < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { throw Failure.write("cannot write \(path): \(String(cString: strerror(errno)))") }
                done += n
            }
        }
    }
}
