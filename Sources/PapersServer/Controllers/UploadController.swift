import Foundation
import HTTPTypes
import Hummingbird
import MultipartKit
import NIOCore
import PapersCore

/// Uploads (`POST /files/`, raw or multipart) and content replacement (`PUT /files/<id>` with bytes).
///
/// Bodies stream to `tmp/` while being hashed (memory stays flat whatever the size), are checked
/// against `--max-upload` and the quota as they come (before they come, when `Content-Length` says),
/// and are made durable before the node that points at them is committed.
struct UploadController {
    let store: any MetadataStore
    let blobs: DiskBlobStore
    let maxUpload: Int64?

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
        let query = request.uri.queryParameters
        guard let rawName = query["name"].map(String.init), !rawName.isEmpty else {
            throw refusal(APIError.validation(ValidationError(field: "name", message: "Give the file's name in the \"name\" query parameter.")))
        }
        let name: String
        let onConflict: OnConflict
        do {
            name = try NodeName.validated(rawName)
            onConflict = try NodesController.onConflict(request, allowOverwrite: true)
        } catch {
            throw refusal(error)
        }
        let parentId = query["parent_id"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        // Refuse what can be refused before a possibly huge body is read (one read for all of it).
        let limit: UploadLimit
        do {
            let target = try await store.uploadTarget(ownerId: userId, parentId: parentId, name: name)
            limit = UploadLimit(maxUpload: maxUpload, quotaRemaining: target.quotaRemaining)
            try Self.checkDeclaredLength(request, limit: limit)
            if onConflict == .fail, target.nameTaken { throw StoreError.nameConflict(name: name) }
        } catch {
            throw refusal(error)
        }
        let staged = try blobs.stage(limit: limit)
        let content = try await receive(request.body, into: staged, declaredLength: Self.declaredLength(request), expected: request)
        let mimeType = MimeType.forName(name) ?? (mediaType == "application/octet-stream" ? MimeType.fallback : mediaType)
        return try await commit(
            userId: userId, parentId: parentId, name: name, mimeType: mimeType, content: content, onConflict: onConflict)
    }

    private func uploadMultipart(_ request: Request, context: AppRequestContext, userId: String) async throws -> Response {
        guard let contentType = request.headers[.contentType], let boundary = Self.boundary(contentType) else {
            throw refusal(APIError.badRequest("multipart/form-data needs a boundary parameter."))
        }
        let limit = try await uploadLimit(userId: userId)
        do { try Self.checkDeclaredLength(request, limit: limit) } catch { throw refusal(error) }

        let form = MultipartUpload(boundary: boundary, staged: try blobs.stage(limit: limit))
        do {
            for try await chunk in request.body {
                try form.feed(chunk)
                if form.staged.isHashBehind { await form.staged.catchUp() }
            }
        } catch {
            form.staged.discard()
            throw Self.uploadFailure(error)
        }
        try form.finish()
        guard let filename = form.filename else {
            form.staged.discard()
            throw APIError.validation(ValidationError(field: "file", message: "The form needs a \"file\" part with the content."))
        }
        let query = request.uri.queryParameters
        let name: String
        let onConflict: OnConflict
        do {
            name = try NodeName.validated(form.fields["name"] ?? filename)
            let conflictText = form.fields["on_conflict"] ?? query["on_conflict"].map(String.init) ?? "fail"
            guard let value = OnConflict(rawValue: conflictText) else {
                throw ValidationError(field: "on_conflict", message: "on_conflict must be fail, rename or overwrite.")
            }
            onConflict = value
        } catch {
            form.staged.discard()
            throw error
        }
        let content = try await form.staged.finish(expectedSHA256: request.headers[.contentSHA256])
        let parentId = (form.fields["parent_id"] ?? query["parent_id"].map(String.init)).flatMap { $0.isEmpty ? nil : $0 }
        let partType = form.partContentType.map(MediaTypeName.of)
        let mimeType = MimeType.forName(name) ?? partType.flatMap { $0.isEmpty || $0 == MimeType.fallback ? nil : $0 } ?? MimeType.fallback
        return try await commit(
            userId: userId, parentId: parentId, name: name, mimeType: mimeType, content: content, onConflict: onConflict)
    }

    /// `PUT /files/<id>` with a non-JSON body: new content for an existing file.
    func replace(_ request: Request, context: AppRequestContext, id: String) async throws -> Response {
        let caller = try context.caller
        let limit: UploadLimit
        do {
            let node = try await store.node(id: id, ownerId: caller.userId, kind: .file)
            try node.checkPrecondition(request.headers[.ifMatch])
            let base = try await uploadLimit(userId: caller.userId)
            // The old content's bytes are given back when the new content lands.
            limit = UploadLimit(maxUpload: base.maxUpload, quotaRemaining: base.quotaRemaining.map { $0 + node.size })
            try Self.checkDeclaredLength(request, limit: limit)
        } catch {
            throw refusal(error)
        }
        let staged = try blobs.stage(limit: limit)
        let content = try await receive(request.body, into: staged, declaredLength: Self.declaredLength(request), expected: request)
        let node = try await settling(content) {
            try await store.replaceContent(ownerId: caller.userId, id: id, content: content, ifMatch: request.headers[.ifMatch])
        }
        return Response.node(node)
    }

    // MARK: Steps

    private func uploadLimit(userId: String) async throws -> UploadLimit {
        UploadLimit(maxUpload: maxUpload, quotaRemaining: try await store.quotaRemaining(userId: userId))
    }

    private func receive(_ body: RequestBody, into staged: StagedBlob, declaredLength: Int64?, expected request: Request) async throws
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
        return try await staged.finish(expectedSHA256: request.headers[.contentSHA256])
    }

    private func commit(
        userId: String, parentId: String?, name: String, mimeType: String, content: FinishedBlob, onConflict: OnConflict
    ) async throws -> Response {
        let (node, created) = try await settling(content) {
            try await store.createFile(
                ownerId: userId, parentId: parentId, name: name, mimeType: mimeType, content: content, onConflict: onConflict)
        }
        return Response.node(node, status: created ? .created : .ok, headers: [.location: "/api/v1/user/\(userId)/files/\(node.id)"])
    }

    /// Commits staged content with `commit`, then removes its copy from `tmp/` if it is still there
    /// (already stored, or the commit refused it), whether the commit succeeded or threw.
    private func settling<T: Sendable>(_ content: FinishedBlob, _ commit: () async throws -> T) async throws -> T {
        let result: Result<T, any Error>
        do { result = .success(try await commit()) } catch { result = .failure(error) }
        await blobs.removeLeftover(content)
        return try result.get()
    }

    /// An error answered before the body was read: the connection closes after the answer, so the
    /// client stops sending instead of the server reading (and discarding) the whole body.
    private func refusal(_ error: any Error) -> any Error {
        guard var apiError = APIError.from(error) else { return error }
        apiError.headers[.connection] = "close"
        return apiError
    }

    /// A limit overrun while streaming closes the connection; a body cut off by the client (it hung
    /// up, or sent garbage) is a 400 nobody will read: nothing was stored either way.
    private static func uploadFailure(_ error: any Error) -> any Error {
        guard let uploadError = error as? UploadError else {
            if error is APIError { return error }
            return APIError(
                .badRequest, code: "upload_interrupted", message: "The upload was cut off before its end; nothing was stored.",
                headers: [.connection: "close"])
        }
        guard var apiError = APIError.from(uploadError) else { return error }
        if case .checksumMismatch = uploadError { return apiError }
        apiError.headers[.connection] = "close"
        return apiError
    }

    static func declaredLength(_ request: Request) -> Int64? {
        request.headers[.contentLength].flatMap { Int64($0) }
    }

    static func checkDeclaredLength(_ request: Request, limit: UploadLimit) throws {
        if let length = declaredLength(request) { try limit.check(length) }
    }

    static func boundary(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return value.isEmpty || value.count > 200 ? nil : value
            }
        }
        return nil
    }
}

/// A `multipart/form-data` upload being parsed as it streams: the `file` part goes to a staged blob,
/// small text fields (`name`, `parent_id`, `on_conflict`) are kept.
final class MultipartUpload {
    let staged: StagedBlob
    private let parser: MultipartParser
    private(set) var fields: [String: String] = [:]
    private(set) var filename: String?
    private(set) var partContentType: String?
    private var failure: (any Error)?
    private var currentName: String?
    private var currentFilename: String?
    private var currentType: String?
    private var currentValue: [UInt8] = []
    private var sawFilePart = false
    private static let maxFieldBytes = 4096

    init(boundary: String, staged: StagedBlob) {
        self.staged = staged
        self.parser = MultipartParser(boundary: boundary)
        parser.onHeader = { [unowned self] name, value in self.header(name, value) }
        parser.onBody = { [unowned self] buffer in self.body(buffer) }
        parser.onPartComplete = { [unowned self] in self.partComplete() }
    }

    func feed(_ chunk: ByteBuffer) throws {
        do {
            try parser.execute(chunk)
        } catch {
            throw APIError.badRequest("The multipart/form-data body is malformed.")
        }
        if let failure { throw failure }
    }

    func finish() throws {
        if let failure { throw failure }
    }

    private func header(_ name: String, _ value: String) {
        switch name.lowercased() {
        case "content-disposition":
            currentName = Self.parameter("name", in: value)
            currentFilename = Self.parameter("filename", in: value)
        case "content-type":
            currentType = value
        default: break
        }
    }

    private func body(_ buffer: ByteBuffer) {
        guard failure == nil else { return }
        if currentName == "file", !sawFilePart {
            do { try staged.write(buffer) } catch { failure = error }
        } else if currentName != nil {
            currentValue += buffer.readableBytesView
            if currentValue.count > Self.maxFieldBytes {
                failure = APIError.badRequest("A form field other than \"file\" is too long.")
            }
        }
    }

    private func partComplete() {
        if currentName == "file", !sawFilePart {
            sawFilePart = true
            filename = currentFilename ?? ""
            partContentType = currentType
        } else if let name = currentName, name != "file" {
            fields[name] = String(decoding: currentValue, as: UTF8.self)
        }
        currentName = nil
        currentFilename = nil
        currentType = nil
        currentValue = []
    }

    /// A parameter of a Content-Disposition value, unquoted (`filename*=UTF-8''...` is decoded too).
    static func parameter(_ wanted: String, in value: String) -> String? {
        var plain: String?
        for part in value.split(separator: ";").dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            let key = pair[0].lowercased()
            if key == wanted + "*", pair[1].lowercased().hasPrefix("utf-8''") {
                return String(pair[1].dropFirst(7)).removingPercentEncoding
            }
            if key == wanted {
                var text = pair[1]
                if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 {
                    text = String(text.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
                }
                plain = text
            }
        }
        return plain
    }
}
