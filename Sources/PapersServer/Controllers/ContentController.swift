import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix
import PapersCore

/// `GET|HEAD /files/<id>/content`: the bytes, streamed from disk, with ranges and validators.
struct ContentController {
    let store: any MetadataStore
    let blobs: DiskBlobStore

    func download(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        let node = try await store.node(id: try context.parameters.require("file_id"), ownerId: caller.userId, kind: .file)
        guard let sha256 = node.sha256 else { throw StoreError.isAFolder }
        var headers: HTTPFields = [
            .eTag: node.etag,
            .lastModified: HTTPDate.format(milliseconds: node.modifiedMs),
            .acceptRanges: "bytes",
            .contentType: node.mimeType,
            .contentDisposition: ContentDisposition.attachment(filename: node.name),
        ]
        if let ifNoneMatch = request.headers[.ifNoneMatch], Self.weakMatch(ifNoneMatch, etag: node.etag) {
            return Response(status: .notModified, headers: headers)
        }
        var range = ByteRange.parse(request.headers[.range], size: node.size)
        if let ifRange = request.headers[.ifRange], ifRange != node.etag, ifRange != headers[.lastModified] {
            range = .whole
        }
        let path = blobs.path(for: sha256)
        switch range {
        case .unsatisfiable:
            throw APIError(
                .rangeNotSatisfiable, code: "range_not_satisfiable", message: "The file has \(node.size) bytes; that range is outside it.",
                headers: [.contentRange: "bytes */\(node.size)"])
        case .whole:
            headers[.contentLength] = String(node.size)
            if request.method == .head { return Response(status: .ok, headers: headers) }
            let body = node.size == 0 ? ResponseBody() : try await load(path, range: 0...Int(node.size - 1), context: context)
            return Response(status: .ok, headers: headers, body: body)
        case .partial(let bytes):
            headers[.contentLength] = String(bytes.count)
            headers[.contentRange] = "bytes \(bytes.lowerBound)-\(bytes.upperBound)/\(node.size)"
            if request.method == .head { return Response(status: .partialContent, headers: headers) }
            let body = try await load(path, range: Int(bytes.lowerBound)...Int(bytes.upperBound), context: context)
            return Response(status: .partialContent, headers: headers, body: body)
        }
    }

    /// Streams a byte range of a blob. The file is opened before the response starts, so content
    /// deleted meanwhile still streams whole (POSIX keeps an open file alive).
    private func load(_ path: String, range: ClosedRange<Int>, context: AppRequestContext) async throws -> ResponseBody {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        // The node is committed but its content is gone: the data directory was damaged.
        guard descriptor >= 0 else { throw StoreError.blobMissing }
        let file = BlobReader(descriptor: descriptor)
        return ResponseBody(contentLength: range.count) { writer in
            defer { file.close() }
            var offset = Int64(range.lowerBound)
            let end = Int64(range.upperBound) + 1
            while offset < end {
                let count = Int(min(Int64(BlobReader.chunk), end - offset))
                let buffer = try await file.read(count: count, at: offset)
                guard buffer.readableBytes > 0 else { throw StoreError.blobMissing }
                offset += Int64(buffer.readableBytes)
                try await writer.write(buffer)
            }
            try await writer.finish(nil)
        }
    }

    /// `If-None-Match`: weak comparison against any listed tag, or `*`.
    static func weakMatch(_ header: String, etag: String) -> Bool {
        let strip: (Substring) -> Substring = { tag in
            let t = tag.drop { $0 == " " }
            return t.hasPrefix("W/") ? t.dropFirst(2) : t
        }
        let ours = strip(Substring(etag))
        return header.split(separator: ",").contains { tag in
            let t = strip(tag).trimmingCharacters(in: .whitespaces)
            return t == "*" || t == ours
        }
    }
}

/// Reads an open blob in chunks on NIO's thread pool (disk reads never block the event loop).
final class BlobReader: Sendable {
    static let chunk = 1024 * 1024
    let descriptor: Int32

    init(descriptor: Int32) { self.descriptor = descriptor }

    func read(count: Int, at offset: Int64) async throws -> ByteBuffer {
        let descriptor = self.descriptor
        return try await NIOThreadPool.singleton.runIfActive {
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            let n = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { raw in
                max(0, pread(descriptor, raw.baseAddress, count, off_t(offset)))
            }
            _ = n
            return buffer
        }
    }

    func close() { Foundation.close(descriptor) }
}
