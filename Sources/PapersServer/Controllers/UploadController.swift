import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PapersCore

/// Uploads (`POST /files/`, raw or multipart) and content replacement (`PUT /files/<id>` with bytes).
///
/// Bodies stream to `tmp/` while being hashed (memory stays flat whatever the size), are checked
/// against `--max-upload` and the quota as they come (before they come, when `Content-Length` says),
/// and are made durable before the node that points at them is committed.
struct UploadController {
    let files: FileService

    func upload(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        let mediaType = request.headers[.contentType].map(MediaTypeName.of) ?? "application/octet-stream"
        switch mediaType {
        case "application/json", "application/x-www-form-urlencoded":
            throw refusal(
                APIError(
                    .unsupportedMediaType, code: "unsupported_media_type",
                    message: "Upload the bytes as application/octet-stream, or as multipart/form-data with a \"file\" part."))
        case "multipart/form-data":
            return try await uploadMultipart(request, context: context, userId: caller.userId)
        default:
            return try await uploadRaw(request, context: context, userId: caller.userId, mediaType: mediaType)
        }
    }

    private func uploadRaw(_ request: Request, context: AppRequestContext, userId: String, mediaType: String) async throws -> Response {
        let query = request.query
        guard let rawName = query["name"], !rawName.isEmpty else {
            throw refusal(APIError.validation(ValidationError(field: "name", message: "Give the file's name in the \"name\" query parameter.")))
        }
        let name: String
        let onConflict: OnConflict
        let parentId: String?
        do {
            name = try NodeName.validated(rawName)
            onConflict = try NodesController.onConflict(request, allowOverwrite: true)
            parentId = try NodesController.parentId(query["parent_id"])
        } catch {
            throw refusal(error)
        }
        // Refuse what can be refused before a possibly huge body is read (one read for all of it).
        let limit: UploadLimit
        let staged: StagedBlob
        let expectedSHA256: String?
        do {
            let (target, targetLimit) = try await files.uploadTarget(ownerId: userId, parentId: parentId, name: name)
            limit = targetLimit
            try Self.checkDeclaredLength(request, limit: limit)
            if onConflict == .fail, target.nameTaken { throw StoreError.nameConflict(name: name) }
            expectedSHA256 = try Self.expectedSHA256(request)
            staged = try files.stage(limit: limit, expectedLength: Self.declaredLength(request))
        } catch {
            throw refusal(error)
        }
        let content = try await receive(request.body, into: staged, declaredLength: Self.declaredLength(request), expectedSHA256: expectedSHA256)
        let mimeType = MimeType.forName(name) ?? (mediaType == "application/octet-stream" ? MimeType.fallback : mediaType)
        return try await commit(
            userId: userId, parentId: parentId, name: name, mimeType: mimeType, content: content, onConflict: onConflict)
    }

    private func uploadMultipart(_ request: Request, context: AppRequestContext, userId: String) async throws -> Response {
        guard let contentType = request.headers[.contentType], let boundary = MultipartUpload.boundary(contentType) else {
            throw refusal(APIError.badRequest("multipart/form-data needs a boundary parameter."))
        }
        let limit = try await files.uploadLimit(ownerId: userId)
        let form: MultipartUpload
        let expectedSHA256: String?
        do {
            try Self.checkDeclaredLength(request, limit: limit)
            expectedSHA256 = try Self.expectedSHA256(request)
            form = MultipartUpload(boundary: boundary, staged: try files.stage(limit: limit, expectedLength: Self.declaredLength(request)))
        } catch {
            throw refusal(error)
        }
        let query = request.query
        let name: String
        let onConflict: OnConflict
        let parentId: String?
        do {
            for try await chunk in request.body {
                try form.feed(chunk)
                if form.staged.isHashBehind { await form.staged.catchUp() }
            }
        } catch {
            form.staged.discard()
            throw Self.uploadFailure(error)
        }
        do {
            try form.finish()
            guard let filename = form.filename else {
                throw APIError.validation(ValidationError(field: "file", message: "The form needs a \"file\" part with the content."))
            }
            name = try NodeName.validated(form.fields["name"] ?? filename)
            onConflict = try NodesController.onConflict(form.fields["on_conflict"] ?? query["on_conflict"], allowOverwrite: true)
            parentId = try NodesController.parentId(form.fields["parent_id"] ?? query["parent_id"])
        } catch {
            form.staged.discard()
            throw error
        }
        let content = try await form.staged.finish(expectedSHA256: expectedSHA256)
        let partType = form.partContentType.map(MediaTypeName.of)
        let mimeType = MimeType.forName(name) ?? partType.flatMap { $0.isEmpty || $0 == MimeType.fallback ? nil : $0 } ?? MimeType.fallback
        return try await commit(
            userId: userId, parentId: parentId, name: name, mimeType: mimeType, content: content, onConflict: onConflict)
    }

    /// `PUT /files/<id>` with a non-JSON body: new content for an existing file.
    func replace(_ request: Request, context: AppRequestContext, id: String) async throws -> Response {
        let caller = try context.caller
        let limit: UploadLimit
        let staged: StagedBlob
        let expectedSHA256: String?
        do {
            limit = try await files.replacementLimit(ownerId: caller.userId, id: id, ifMatch: request.headers[.ifMatch])
            try Self.checkDeclaredLength(request, limit: limit)
            expectedSHA256 = try Self.expectedSHA256(request)
            staged = try files.stage(limit: limit, expectedLength: Self.declaredLength(request))
        } catch {
            throw refusal(error)
        }
        let content = try await receive(request.body, into: staged, declaredLength: Self.declaredLength(request), expectedSHA256: expectedSHA256)
        let node = try await files.replaceContent(ownerId: caller.userId, id: id, content: content, ifMatch: request.headers[.ifMatch])
        return Response.node(node)
    }

    // MARK: Steps

    /// Streams a body into a staging file and finishes it (hashed, checked against `declaredLength`
    /// and `expectedSHA256`). Throws `ClosingConnection` over an `UploadError`, `APIError` 400.
    func receive(_ body: RequestBody, into staged: StagedBlob, declaredLength: Int64?, expectedSHA256: String?) async throws
        -> FinishedBlob
    {
        do {
            for try await chunk in body {
                try staged.write(chunk)
                if staged.isHashBehind { await staged.catchUp() }
            }
        } catch {
            staged.discard()
            throw Self.uploadFailure(error)
        }
        if let declaredLength, declaredLength != staged.size {
            staged.discard()
            throw APIError.badRequest("The body ended after \(staged.size) of \(declaredLength) bytes; nothing was stored.")
        }
        return try await staged.finish(expectedSHA256: expectedSHA256)
    }

    private func commit(
        userId: String, parentId: String?, name: String, mimeType: String, content: FinishedBlob, onConflict: OnConflict
    ) async throws -> Response {
        let (node, created) = try await files.createFile(
            ownerId: userId, parentId: parentId, name: name, mimeType: mimeType, content: content, onConflict: onConflict)
        return Response.node(node, status: created ? .created : .ok, headers: [.location: "/api/v1/user/\(userId)/files/\(node.id)"])
    }

    /// An error answered before the body was read: the connection closes after the answer, so the
    /// client stops sending instead of the server reading (and discarding) the whole body.
    func refusal(_ error: any Error) -> any Error {
        ClosingConnection(underlying: error)
    }

    /// A limit overrun or a disk error while streaming closes the connection; a body cut off by the
    /// client (it hung up, or sent garbage) is a 400 nobody will read: nothing was stored either way.
    private static func uploadFailure(_ error: any Error) -> any Error {
        switch error {
        case is UploadError: return ClosingConnection(underlying: error)
        case is APIError: return error
        default:
            return APIError(
                .badRequest, code: "upload_interrupted", message: "The upload was cut off before its end; nothing was stored.",
                headers: [.connection: "close"])
        }
    }

    /// The `X-Content-SHA256` header, lower-cased; checked before the body is read.
    /// - Throws: `ValidationError` (field `X-Content-SHA256`) when it is not 64 hex digits.
    static func expectedSHA256(_ request: Request) throws(ValidationError) -> String? {
        guard let header = request.headers[.contentSHA256] else { return nil }
        let value = header.trimmingCharacters(in: .whitespaces).lowercased()
        guard value.utf8.count == 64, value.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
            throw ValidationError(field: "X-Content-SHA256", message: "X-Content-SHA256 must be the content's SHA-256 as 64 hex digits.")
        }
        return value
    }

    static func declaredLength(_ request: Request) -> Int64? {
        request.headers[.contentLength].flatMap { Int64($0) }
    }

    static func checkDeclaredLength(_ request: Request, limit: UploadLimit) throws {
        if let length = declaredLength(request) { try limit.check(length) }
    }
}
