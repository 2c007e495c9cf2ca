import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix
import PapersCore

/// `GET|HEAD /files/<id>/content` and `/files/<id>/versions/<n>/content`: the bytes, streamed from
/// the blob store, with ranges and validators.
struct ContentController {
    let files: FileService

    func download(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        let node = try await files.node(id: try context.parameters.require("file_id"), ownerId: caller.userId, kind: .file)
        return try await respond(request, with: node, etag: node.etag)
    }

    /// The content of `node` (its `sha256`, `size` and date: a version's, for a version) under `etag`.
    func respond(_ request: Request, with node: NodeRecord, etag: String) async throws -> Response {
        var headers: HTTPFields = [
            .eTag: etag,
            .lastModified: HTTPDate.format(milliseconds: node.modifiedMs),
            .acceptRanges: "bytes",
            .contentType: node.mimeType,
            .contentDisposition: ContentDisposition.attachment(filename: node.name),
        ]
        if let ifNoneMatch = request.headers[.ifNoneMatch], Self.weakMatch(ifNoneMatch, etag: etag) {
            return Response(status: .notModified, headers: headers)
        }
        var range = ByteRange.parse(request.headers[.range], size: node.size)
        if let ifRange = request.headers[.ifRange], !Self.strongMatch(ifRange, etag: etag) {
            // Only a strong entity tag validates a range (RFC 9110 §13.1.5): a Last-Modified date has
            // one-second resolution, so content replaced within the same second would glue two versions.
            range = .whole
        }
        // The node is committed but its content is gone (the blob store was damaged): HEAD says so as
        // GET does, instead of promising bytes that cannot be sent.
        if request.method == .head, try await !files.hasContent(node) { throw StoreError.blobMissing }
        switch range {
        case .unsatisfiable:
            throw APIError(
                .rangeNotSatisfiable, code: "range_not_satisfiable", message: "The file has \(node.size) bytes; that range is outside it.",
                headers: [.contentRange: "bytes */\(node.size)"])
        case .whole:
            headers[.contentLength] = String(node.size)
            if request.method == .head { return Response(status: .ok, headers: headers) }
            let body = node.size == 0 ? ResponseBody() : try await load(node, range: 0...Int(node.size - 1))
            return Response(status: .ok, headers: headers, body: body)
        case .partial(let bytes):
            headers[.contentLength] = String(bytes.count)
            headers[.contentRange] = "bytes \(bytes.lowerBound)-\(bytes.upperBound)/\(node.size)"
            if request.method == .head { return Response(status: .partialContent, headers: headers) }
            let body = try await load(node, range: Int(bytes.lowerBound)...Int(bytes.upperBound))
            return Response(status: .partialContent, headers: headers, body: body)
        }
    }

    /// Streams a byte range of a file's content. The content is opened before the response starts
    /// (a missing blob is an error answer, not a cut-off body), and content deleted meanwhile still
    /// streams whole: the collector removes it only a grace period later.
    private func load(_ node: NodeRecord, range: ClosedRange<Int>) async throws -> ResponseBody {
        let file = try await files.open(node, range: Int64(range.lowerBound)..<Int64(range.upperBound) + 1)
        return ResponseBody(contentLength: range.count) { writer in
            var offset = Int64(range.lowerBound)
            let end = Int64(range.upperBound) + 1
            // Read ahead: the next chunk is read on the thread pool while this one is being sent;
            // chunks the socket has finished with are read into again.
            var chunk = try await file.read(at: offset, end: end)
            while true {
                offset += Int64(chunk.readableBytes)
                guard offset < end else {
                    try await writer.write(chunk)
                    break
                }
                let nextOffset = offset
                async let next = file.read(at: nextOffset, end: end)
                try await writer.write(chunk)
                file.recycle(chunk)
                chunk = try await next
            }
            try await writer.finish(nil)
        }
    }

    /// `If-Range`: one entity tag, compared strongly (a weak tag or a date never matches).
    static func strongMatch(_ header: String, etag: String) -> Bool {
        let tag = header.trimmingCharacters(in: .whitespaces)
        return !tag.hasPrefix("W/") && tag == etag
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
