import Crypto
import Foundation
import NIOCore

/// A range of a file as an async sequence of 1 MiB chunks read on NIO's thread pool as they are
/// taken (a request body sending them keeps memory at a chunk or two under the socket's
/// back-pressure), and the SHA-256 of such a range.
struct FileRangeChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let path: String
    let offset: Int64
    let length: Int64

    struct AsyncIterator: AsyncIteratorProtocol {
        let path: String
        var offset: Int64
        let end: Int64
        var reader: BlobReader?

        mutating func next() async throws -> ByteBuffer? {
            guard offset < end else { return nil }
            if reader == nil {
                let descriptor = open(path, O_RDONLY | O_CLOEXEC)
                guard descriptor >= 0 else { throw UploadError.disk("open", path) }
                reader = BlobReader(descriptor: descriptor)
            }
            let chunk = try await reader!.read(at: offset, end: end)
            offset += Int64(chunk.readableBytes)
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(path: path, offset: offset, end: offset + length) }
}

extension FileRangeChunks {
    /// The hex SHA-256 of `length` bytes of a file from `offset`.
    /// - Throws: `UploadError` when the file cannot be read, `StoreError.blobMissing` when it is shorter.
    static func sha256(of path: String, offset: Int64, length: Int64) async throws -> String {
        var hasher = SHA256()
        for try await chunk in FileRangeChunks(path: path, offset: offset, length: length) {
            chunk.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
        }
        return HexDigest.string(hasher.finalize())
    }
}
