import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PapersCore

/// tus 1.0.0 at `/api/v1/user/<user_id>/uploads/`: the core protocol with the `creation`,
/// `creation-with-upload`, `termination`, `checksum` (sha1, sha256) and `expiration` extensions
/// (https://tus.io/protocols/resumable-upload). HTTP only; the rules live in `ResumableUploads`.
/// Every answer carries `Tus-Resumable: 1.0.0`; errors keep Papers' JSON body.
struct TusController {
    let uploads: ResumableUploads
    let maxUpload: Int64?

    static let version = "1.0.0"
    static let extensions = "creation,creation-with-upload,termination,checksum,expiration"
    static let checksumMismatchStatus = HTTPResponse.Status(code: 460, reasonPhrase: "Checksum Mismatch")
    static let lockedStatus = HTTPResponse.Status(code: 423, reasonPhrase: "Locked")

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.on("uploads", method: .options, use: options)
        group.post("uploads", use: { try await Self.tus($0, $1, self.create) })
        group.head("uploads/{upload_id}", use: { try await Self.tus($0, $1, self.status) })
        group.patch("uploads/{upload_id}", use: { try await Self.tus($0, $1, self.append) })
        group.delete("uploads/{upload_id}", use: { try await Self.tus($0, $1, self.terminate) })
    }

    /// What the server supports; needs no `Tus-Resumable` from the client.
    func options(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.caller
        var headers: HTTPFields = [.tusResumable: Self.version, .tusVersion: Self.version, .tusExtension: Self.extensions,
                                   .tusChecksumAlgorithm: "sha1,sha256"]
        if let maxUpload { headers[.tusMaxSize] = String(maxUpload) }
        return Response(status: .noContent, headers: headers)
    }

    func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        guard let lengthHeader = request.headers[.uploadLength] else {
            throw APIError.badRequest("Upload-Length is required (Upload-Defer-Length is not supported).", code: "validation_failed")
        }
        guard let length = Int64(lengthHeader), length >= 0 else {
            throw APIError.badRequest("Upload-Length must be a number of bytes.", code: "validation_failed")
        }
        let metadataHeader = request.headers[.uploadMetadata]
        let metadata = try Self.metadata(metadataHeader)
        guard let rawName = metadata["filename"], !rawName.isEmpty else {
            throw APIError.validation(ValidationError(field: "filename", message: "Upload-Metadata needs the file's name as \"filename\"."))
        }
        var sha256: String?
        if let value = metadata["sha256"] {
            guard value.utf8.count == 64, value.lowercased().utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
                throw APIError.validation(ValidationError(field: "sha256", message: "sha256 must be the content's SHA-256 as 64 hex digits."))
            }
            sha256 = value.lowercased()
        }
        let target = ResumableUploads.Target(
            parentId: try NodesController.parentId(metadata["parent_id"]), name: try NodeName.validated(rawName),
            onConflict: try NodesController.onConflict(metadata["on_conflict"], allowOverwrite: true), length: length, sha256: sha256,
            metadata: metadataHeader)
        let withBody = request.headers[.contentType].map(MediaTypeName.of) == "application/offset+octet-stream"
        var (upload, node) = try await uploads.create(ownerId: caller.userId, target)
        var offset = node == nil ? Int64(0) : length
        if withBody, node == nil {
            // creation-with-upload: the body is the first chunk.
            let appended = try await uploads.append(
                ownerId: caller.userId, id: upload.id, offset: 0, body: request.body, checksum: try Self.checksum(request))
            (upload, offset, node) = (appended.upload, appended.offset, appended.node)
        }
        var headers = Self.headers(upload, offset: offset)
        headers[.location] = "/api/v1/user/\(caller.userId)/uploads/\(upload.id)"
        if let node { headers[.papersNodeId] = node.id }
        return Response(status: .created, headers: headers)
    }

    func status(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        let (upload, offset) = try uploads.status(ownerId: caller.userId, id: try context.parameters.require("upload_id"))
        var headers = Self.headers(upload, offset: offset)
        headers[.uploadLength] = String(upload.length)
        headers[.cacheControl] = "no-store"
        if let metadata = upload.metadata { headers[.uploadMetadata] = metadata }
        if let nodeId = upload.nodeId { headers[.papersNodeId] = nodeId }
        return Response(status: .ok, headers: headers)
    }

    func append(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        guard request.headers[.contentType].map(MediaTypeName.of) == "application/offset+octet-stream" else {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type", message: "A PATCH sends application/offset+octet-stream.")
        }
        guard let offsetHeader = request.headers[.uploadOffset], let offset = Int64(offsetHeader), offset >= 0 else {
            throw APIError.badRequest("Upload-Offset must be the number of bytes the server has.", code: "validation_failed")
        }
        let checksum = try Self.checksum(request)
        let (upload, reached, node) = try await uploads.append(
            ownerId: caller.userId, id: try context.parameters.require("upload_id"), offset: offset, body: request.body, checksum: checksum)
        var headers = Self.headers(upload, offset: reached)
        if let nodeId = node?.id ?? upload.nodeId { headers[.papersNodeId] = nodeId }
        return Response(status: .noContent, headers: headers)
    }

    func terminate(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        try await uploads.terminate(ownerId: caller.userId, id: try context.parameters.require("upload_id"))
        return Response(status: .noContent, headers: [.tusResumable: Self.version])
    }

    // MARK: Protocol rules

    /// Runs a tus request: checks `Tus-Resumable`, and answers errors in tus's terms with the header.
    static func tus(
        _ request: Request, _ context: AppRequestContext, _ handler: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            // Missing: a malformed request (400); another version: tus's 412. Both say what is served.
            guard let given = request.headers[.tusResumable] else {
                throw APIError(
                    .badRequest, code: "tus_version", message: "A tus request needs Tus-Resumable: \(version).", headers: [.tusVersion: version])
            }
            guard given == version else {
                throw APIError(
                    .preconditionFailed, code: "tus_version", message: "This server speaks tus \(version); send Tus-Resumable: \(version).",
                    headers: [.tusVersion: version])
            }
            return try await handler(request, context)
        } catch {
            guard var mapped = mapped(error) ?? APIError.from(error) else { throw error }
            mapped.headers[.tusResumable] = version
            throw mapped
        }
    }

    static func mapped(_ error: any Error) -> APIError? {
        guard let error = error as? ResumableUploadError else { return nil }
        switch error {
        case .notFound:
            return APIError(.notFound, code: "not_found", message: "No such upload (it may have been ended, or expired).")
        case .expired:
            return APIError(.gone, code: "upload_expired", message: "This upload expired before its bytes were all sent; start a new one.")
        case .wrongOffset(let expected):
            return APIError(
                .conflict, code: "offset_mismatch", message: "The server has \(expected) bytes of this upload; send from there.",
                headers: [.uploadOffset: String(expected)])
        case .busy:
            return APIError(lockedStatus, code: "upload_busy", message: "Another request is sending bytes to this upload; ask for its offset and try again.")
        case .tooLong(let length):
            return APIError(.contentTooLarge, code: "payload_too_large", message: "This upload has \(length) bytes; the body goes past them.")
        case .checksumMismatch:
            return APIError(checksumMismatchStatus, code: "checksum_mismatch", message: "The chunk does not match its Upload-Checksum; it was dropped.")
        case .takenOver:
            return APIError(lockedStatus, code: "upload_taken_over", message: "A newer request took this upload over; ask for its offset (HEAD).",
                headers: [.connection: "close"])
        case .interrupted:
            return APIError(
                .badRequest, code: "upload_interrupted", message: "The body was cut off; ask for the offset (HEAD) and send the rest.",
                headers: [.connection: "close"])
        }
    }

    static func headers(_ upload: ResumableUpload, offset: Int64) -> HTTPFields {
        [.tusResumable: version, .uploadOffset: String(offset), .uploadExpires: HTTPDate.format(milliseconds: upload.expiresMs)]
    }

    /// `Upload-Metadata`: comma-separated `key base64value` pairs (a key alone has an empty value).
    /// - Throws: `APIError` (400) for a pair that is not of that form, or a key given twice.
    static func metadata(_ header: String?) throws -> [String: String] {
        guard let header, !header.trimmingCharacters(in: .whitespaces).isEmpty else { return [:] }
        var result: [String: String] = [:]
        for pair in header.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: " ", omittingEmptySubsequences: true)
            guard (1...2).contains(parts.count), let key = parts.first.map(String.init), !key.isEmpty, result[key] == nil else {
                throw APIError.badRequest("Upload-Metadata must be comma-separated \"key base64value\" pairs, each key once.", code: "validation_failed")
            }
            var value = ""
            if parts.count == 2 {
                guard let data = Data(base64Encoded: String(parts[1])), let text = String(data: data, encoding: .utf8) else {
                    throw APIError.badRequest("Upload-Metadata's value for \"\(key)\" is not base64 of UTF-8 text.", code: "validation_failed")
                }
                value = text
            }
            result[key] = value
        }
        return result
    }

    /// `Upload-Checksum: sha1|sha256 <base64 digest>`.
    /// - Throws: `APIError` (400) for another algorithm or a malformed digest.
    static func checksum(_ request: Request) throws -> ResumableUploads.Checksum? {
        guard let header = request.headers[.uploadChecksum] else { return nil }
        let parts = header.trimmingCharacters(in: .whitespaces).split(separator: " ")
        guard parts.count == 2, let algorithm = ResumableUploads.Checksum.Algorithm(rawValue: String(parts[0]).lowercased()),
            let digest = Data(base64Encoded: String(parts[1])), digest.count == (algorithm == .sha1 ? 20 : 32)
        else {
            throw APIError.badRequest("Upload-Checksum must be \"sha1 <base64>\" or \"sha256 <base64>\".", code: "validation_failed")
        }
        return ResumableUploads.Checksum(algorithm: algorithm, digest: Array(digest))
    }
}

extension HTTPField.Name {
    static let tusResumable = Self("Tus-Resumable")!
    static let tusVersion = Self("Tus-Version")!
    static let tusExtension = Self("Tus-Extension")!
    static let tusMaxSize = Self("Tus-Max-Size")!
    static let tusChecksumAlgorithm = Self("Tus-Checksum-Algorithm")!
    static let uploadLength = Self("Upload-Length")!
    static let uploadOffset = Self("Upload-Offset")!
    static let uploadMetadata = Self("Upload-Metadata")!
    static let uploadExpires = Self("Upload-Expires")!
    static let uploadChecksum = Self("Upload-Checksum")!
    static let papersNodeId = Self("Papers-Node-Id")!
}
