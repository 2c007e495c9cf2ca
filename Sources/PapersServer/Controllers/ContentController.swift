import Foundation
import HTTPTypes
import Hummingbird
import NIOPosix
import PapersCore

/// `GET|HEAD /files/<id>/content`: the bytes, streamed from disk, with ranges and validators.
struct ContentController {
    let store: any MetadataStore
    let blobs: DiskBlobStore
    let fileIO = FileIO(threadPool: .singleton)

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

    private func load(_ path: String, range: ClosedRange<Int>, context: AppRequestContext) async throws -> ResponseBody {
        do {
            return try await fileIO.loadFile(path: path, range: range, context: context)
        } catch {
            // The node is committed but its content is gone: the data directory was damaged.
            throw StoreError.blobMissing
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
