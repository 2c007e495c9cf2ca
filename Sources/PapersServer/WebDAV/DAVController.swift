import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PapersCore

/// `/dav/`: the user's tree over WebDAV (RFC 4918 class 1 and 2). HTTP and XML only: every change
/// goes through `FileService` as the JSON API's do, so names, limits, quota, trash, versions and
/// dedup are the same whichever way a file came in.
struct DAVController {
    let files: FileService
    let uploads: UploadController
    let content: ContentController

    static let methods = ["OPTIONS", "GET", "HEAD", "PUT", "DELETE", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK"]
    static let allowedMethods = methods.joined(separator: ", ")
    static let multiStatus = HTTPResponse.Status(code: 207, reasonPhrase: "Multi-Status")
    static let depth = HTTPField.Name("Depth")!
    static let destination = HTTPField.Name("Destination")!
    static let overwrite = HTTPField.Name("Overwrite")!
    static let lockToken = HTTPField.Name("Lock-Token")!
    static let timeout = HTTPField.Name("Timeout")!
    static let dav = HTTPField.Name("DAV")!
    static let msAuthorVia = HTTPField.Name("MS-Author-Via")!
    /// macOS Finder sends its PUTs chunked and says the length here.
    static let expectedEntityLength = HTTPField.Name("X-Expected-Entity-Length")!

    func addRoutes(to router: Router<AppRequestContext>, auth: DAVAuthMiddleware) {
        let group = router.group("dav").add(middleware: auth)
        for name in Self.methods {
            let method = HTTPRequest.Method(name)!
            group.on("", method: method, use: handle)
            group.on("**", method: method, use: handle)
        }
    }

    func handle(_ request: Request, context: AppRequestContext) async throws -> Response {
        let path: DAVPath
        do {
            path = try DAVPath(requestPath: request.uri.path)
        } catch {
            throw APIError.badRequest("This path cannot name a file: \(error).", code: "invalid_path")
        }
        if request.method == .options { return options() }
        var tree = try await DAVTree(files: files, ownerId: try context.caller.userId, request: request, holdsLocks: context.holdsLocks)
        switch request.method.rawValue {
        case "GET", "HEAD": return try await get(request, path: path, tree: tree)
        case "PUT": return try await put(request, path: path, tree: tree)
        case "MKCOL": return try await mkcol(request, path: path, tree: tree)
        case "DELETE": return try await delete(request, path: path, tree: tree)
        case "COPY", "MOVE": return try await copyOrMove(request, path: path, tree: tree, move: request.method.rawValue == "MOVE")
        case "PROPFIND": return try await propfind(request, path: path, tree: tree)
        case "PROPPATCH": return try await proppatch(request, path: path, tree: tree)
        case "LOCK": return try await lock(request, path: path, tree: &tree)
        case "UNLOCK": return try await unlock(request, path: path, tree: tree)
        default: throw DAVError.methodNotAllowed
        }
    }

    private func options() -> Response {
        Response(
            status: .ok,
            headers: [
                Self.dav: "1, 2", Self.msAuthorVia: "DAV", .allow: Self.allowedMethods, .contentLength: "0",
                .acceptRanges: "bytes",
            ])
    }

    // MARK: Reading

    private func get(_ request: Request, path: DAVPath, tree: DAVTree) async throws -> Response {
        guard let node = try await tree.resolve(path).node else { throw DAVError.notFound }
        if !node.isFolder { return try await content.respond(request, with: node, etag: node.etag) }
        let headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .eTag: node.etag]
        if request.method == .head { return Response(status: .ok, headers: headers) }
        return Response(status: .ok, headers: headers, body: DAVFolderPage.body(files: files, ownerId: tree.ownerId, folder: node, path: path))
    }

    // MARK: Writing

    private func put(_ request: Request, path: DAVPath, tree: DAVTree) async throws -> Response {
        let refusal = uploads.refusal
        let target: DAVTarget
        let parentId: String?
        let declared = (request.headers[.contentLength] ?? request.headers[Self.expectedEntityLength]).flatMap { Int64($0) }
        do {
            target = try await tree.resolve(path)
            if target.node?.isFolder == true { throw DAVError.methodNotAllowed }
            parentId = try target.parentId()
            try await tree.checkIfHeader(target, host: request.head.authority)
            if let ifNoneMatch = request.headers[.ifNoneMatch], ifNoneMatch.trimmingCharacters(in: .whitespaces) == "*", target.node != nil {
                throw DAVError.preconditionFailed
            }
            try tree.requireUnlocked(target.node == nil ? path.parent : path)
        } catch {
            throw refusal(error)
        }
        if let node = target.node {
            let staged: StagedBlob
            do {
                let limit = try await files.replacementLimit(ownerId: tree.ownerId, id: node.id, ifMatch: request.headers[.ifMatch])
                if let declared { try limit.check(declared) }
                staged = try files.stage(limit: limit, expectedLength: declared)
            } catch {
                throw refusal(error)
            }
            let body = try await uploads.receive(request.body, into: staged, declaredLength: declared, expectedSHA256: nil)
            let replaced = try await files.replaceContent(ownerId: tree.ownerId, id: node.id, content: body, ifMatch: request.headers[.ifMatch])
            return Response(status: .noContent, headers: [.eTag: replaced.etag])
        }
        let name: String
        let staged: StagedBlob
        do {
            name = try NodeName.validated(path.name)
            let (_, limit) = try await files.uploadTarget(ownerId: tree.ownerId, parentId: parentId, name: name)
            if let declared { try limit.check(declared) }
            staged = try files.stage(limit: limit, expectedLength: declared)
        } catch {
            throw refusal(error)
        }
        let body = try await uploads.receive(request.body, into: staged, declaredLength: declared, expectedSHA256: nil)
        let mediaType = request.headers[.contentType].map(MediaTypeName.of)
        let mimeType = MimeType.forName(name) ?? mediaType.flatMap { $0.isEmpty || $0 == "application/octet-stream" ? nil : $0 } ?? MimeType.fallback
        // Overwrite: a file of this name made meanwhile (through the API) is what this PUT replaces.
        let (node, created) = try await files.createFile(
            ownerId: tree.ownerId, parentId: parentId, name: name, mimeType: mimeType, content: body, onConflict: .overwrite)
        return Response(status: created ? .created : .noContent, headers: [.eTag: node.etag])
    }

    private func mkcol(_ request: Request, path: DAVPath, tree: DAVTree) async throws -> Response {
        if Self.hasBody(request) {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type", message: "MKCOL takes no body.")
        }
        let target = try await tree.resolve(path)
        if target.node != nil { throw DAVError.methodNotAllowed }
        let parentId = try target.parentId()
        try await tree.checkIfHeader(target, host: request.head.authority)
        try tree.requireUnlocked(path.parent)
        let name = try NodeName.validated(path.name)
        let folder = try await files.createFolder(ownerId: tree.ownerId, parentId: parentId, name: name, onConflict: .fail)
        return Response(status: .created, headers: [.eTag: folder.etag, .contentLength: "0"])
    }

    /// Moves to the trash, as the API's delete does (`papers trash` brings it back).
    private func delete(_ request: Request, path: DAVPath, tree: DAVTree) async throws -> Response {
        let target = try await tree.resolve(path)
        guard let node = target.node else { throw DAVError.notFound }
        if path.isRoot { throw DAVError.forbidden }
        try await tree.checkIfHeader(target, host: request.head.authority)
        try tree.requireUnlocked(membershipOf: path, exists: true)
        try await files.deleteNode(ownerId: tree.ownerId, id: node.id, kind: .any, ifMatch: request.headers[.ifMatch], permanent: false)
        try await dropLocks(at: path, tree: tree)
        return Response(status: .noContent)
    }

    private func copyOrMove(_ request: Request, path: DAVPath, tree: DAVTree, move: Bool) async throws -> Response {
        guard let header = request.headers[Self.destination] else { throw APIError.badRequest("COPY and MOVE need a Destination header.") }
        let destination: DAVPath
        do {
            destination = try DAVPath(destination: header, host: request.head.authority)
        } catch .otherServer {
            throw DAVError(status: .badGateway)
        } catch {
            throw APIError.badRequest("The Destination is not a path on this server: \(error).", code: "invalid_destination")
        }
        let overwrite: Bool
        switch request.headers[Self.overwrite]?.trimmingCharacters(in: .whitespaces).uppercased() {
        case nil, "T": overwrite = true
        case "F": overwrite = false
        default: throw APIError.badRequest("Overwrite must be T or F.")
        }
        let deep: Bool
        switch request.headers[Self.depth]?.trimmingCharacters(in: .whitespaces).lowercased() {
        case nil, "infinity": deep = true
        case "0" where !move: deep = false
        default: throw APIError.badRequest(move ? "MOVE takes Depth: infinity only." : "COPY takes Depth: 0 or infinity.")
        }
        let source = try await tree.resolve(path)
        guard let node = source.node else { throw DAVError.notFound }
        // The root cannot go anywhere; nothing goes onto itself, into itself, or over a folder it is in.
        if path.isRoot || destination == path || destination.isWithin(path) || path.isWithin(destination) { throw DAVError.forbidden }
        let target = try await tree.resolve(destination)
        let parentId = try target.parentId()
        let name = try NodeName.validated(destination.name)
        try await tree.checkIfHeader(source, host: request.head.authority)
        if move { try tree.requireUnlocked(membershipOf: path, exists: true) }
        try tree.requireUnlocked(membershipOf: destination, exists: target.node != nil)
        if let existing = target.node {
            guard overwrite else { throw DAVError.preconditionFailed }
            try await files.deleteNode(ownerId: tree.ownerId, id: existing.id, kind: .any, ifMatch: nil, permanent: false)
            try await dropLocks(at: destination, tree: tree)
        }
        if move {
            _ = try await files.editNode(
                ownerId: tree.ownerId, id: node.id, kind: .any, newName: name, destination: parentId.map { .folder($0) } ?? .root,
                onConflict: .fail, ifMatch: nil)
            // Locks stay with their paths (RFC 4918 §7.7), and this one is gone.
            try await dropLocks(at: path, tree: tree)
        } else {
            _ = try await files.copy(ownerId: tree.ownerId, node, toParent: parentId, name: name, deep: deep)
        }
        return Response(status: target.node == nil ? .created : .noContent, headers: [.contentLength: "0"])
    }

    /// Removes the locks on `path` and below it (what they locked is gone from there).
    private func dropLocks(at path: DAVPath, tree: DAVTree) async throws {
        let tokens = tree.locks.filter { $0.path == path.key || LockRecord.isBelow($0.path, path.key) }.map(\.token)
        try await files.store.deleteLocks(ownerId: tree.ownerId, tokens: tokens)
    }

    static func hasBody(_ request: Request) -> Bool {
        (request.headers[.contentLength].flatMap { Int($0) } ?? 0) > 0 || request.headers[.transferEncoding] != nil
    }

    /// A small XML body (PROPFIND, PROPPATCH, LOCK), read whole up to `DAVXML.maxBodyBytes`.
    static func xmlBody(_ request: Request) async throws -> Data {
        var buffer = try await request.body.collect(upTo: DAVXML.maxBodyBytes)
        return buffer.readData(length: buffer.readableBytes) ?? Data()
    }
}
