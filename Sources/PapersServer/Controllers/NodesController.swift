import Foundation
import HTTPTypes
import Hummingbird
import PapersCore

/// `/api/v1/user/<user_id>/files/...` and `/folders/...`: listing, properties, rename/move, delete,
/// new folders. Uploads and content live in `UploadController` and `ContentController`.
struct NodesController {
    let files: FileService
    let uploads: UploadController
    let content: ContentController

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("files", use: list)
        group.post("files", use: uploads.upload)
        group.get("files/{file_id}", use: { try await properties($0, $1, param: "file_id", kind: .any) })
        group.head("files/{file_id}", use: { try await properties($0, $1, param: "file_id", kind: .any) })
        group.put("files/{file_id}", use: { try await edit($0, $1, param: "file_id", kind: .any) })
        group.delete("files/{file_id}", use: { try await delete($0, $1, param: "file_id", kind: .any) })
        group.get("files/{file_id}/content", use: content.download)
        group.head("files/{file_id}/content", use: content.download)
        VersionsController(files: files, content: content).addRoutes(to: group)
        group.post("folders", use: createFolder)
        group.get("folders/{folder_id}", use: folder)
        group.put("folders/{folder_id}", use: { try await edit($0, $1, param: "folder_id", kind: .folder) })
        group.delete("folders/{folder_id}", use: { try await delete($0, $1, param: "folder_id", kind: .folder) })
    }

    func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        let query = try Self.listQuery(request)
        let parentId = try Self.parentId(request.query["parent_id"])
        if let name = request.query["name"] {
            // Lookup by exact name: how clients resolve a path without paging through a big folder.
            let child = try await files.child(ownerId: caller.userId, parentId: parentId, name: try NodeName.validated(name))
            return try Response.json(NodePage(items: child.map { [Node($0)] } ?? [], nextCursor: nil), status: .ok, context: context)
        }
        let page = try await files.children(ownerId: caller.userId, parentId: parentId, query: query)
        return Response.json(bytes: NodeJSON.page(page.items.map(Node.init), nextCursor: page.next?.encoded()), status: .ok)
    }

    func folder(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        let id = try context.parameters.require("folder_id")
        let query = try Self.listQuery(request)
        _ = try await files.node(id: id, ownerId: caller.userId, kind: .folder)
        let page = try await files.children(ownerId: caller.userId, parentId: id, query: query)
        let body = NodeJSON.folder(Node(page.folder), items: page.items.map(Node.init), nextCursor: page.next?.encoded())
        return Response.json(bytes: body, status: .ok, headers: [.eTag: page.folder.etag])
    }

    func properties(_ request: Request, _ context: AppRequestContext, param: String, kind: NodeKind) async throws -> Response {
        let caller = try context.caller
        let node = try await files.node(id: try context.parameters.require(param), ownerId: caller.userId, kind: kind)
        return Response.node(node)
    }

    func edit(_ request: Request, _ context: AppRequestContext, param: String, kind: NodeKind) async throws -> Response {
        let caller = try context.caller
        let id = try context.parameters.require(param)
        let mediaType = request.headers[.contentType].map(MediaTypeName.of) ?? "application/json"
        if mediaType == "multipart/form-data" || mediaType == "application/x-www-form-urlencoded" {
            throw APIError(
                .unsupportedMediaType, code: "unsupported_media_type",
                message: "Send JSON to rename or move, or the new content as application/octet-stream.")
        }
        if mediaType != "application/json", kind == .any {
            return try await uploads.replace(request, context: context, id: id)
        }
        _ = try UploadController.expectedSHA256(request)  // a malformed header is refused here too
        let body = try await request.decodePayload(as: EditNodeRequest.self, context: context)
        guard body.name != nil || body.destination != nil else {
            throw APIError.badRequest("Send \"name\" and/or \"parent_id\" to rename or move.", code: "validation_failed")
        }
        let name = try body.name.map { name throws(ValidationError) in try NodeName.validated(name) }
        if case .folder(let parentId) = body.destination { _ = try Self.parentId(parentId) }
        let node = try await files.editNode(
            ownerId: caller.userId, id: id, kind: kind, newName: name, destination: body.destination,
            onConflict: try Self.onConflict(request), ifMatch: request.headers[.ifMatch])
        return Response.node(node)
    }

    func delete(_ request: Request, _ context: AppRequestContext, param: String, kind: NodeKind) async throws -> Response {
        let caller = try context.caller
        try await files.deleteNode(
            ownerId: caller.userId, id: try context.parameters.require(param), kind: kind, ifMatch: request.headers[.ifMatch],
            permanent: try Self.permanent(request))
        return Response(status: .noContent)
    }

    func createFolder(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        let body = try await request.decodePayload(as: CreateFolderRequest.self, context: context)
        let name = try NodeName.validated(body.name)
        let parentId = try Self.parentId(body.parentId)
        let folder = try await files.createFolder(ownerId: caller.userId, parentId: parentId, name: name, onConflict: try Self.onConflict(request))
        return Response.node(folder, status: .created, headers: [.location: "/api/v1/user/\(caller.userId)/folders/\(folder.id)"])
    }

    // MARK: Query parameters

    static func listQuery(_ request: Request) throws -> ListQuery {
        let parameters = request.query
        var query = ListQuery()
        query.limit = try pageLimit(request)
        if let sort = parameters["sort"] {
            guard let value = SortField(rawValue: sort) else {
                throw APIError.validation(ValidationError(field: "sort", message: "sort must be name, size or date_modified."))
            }
            query.sort = value
        }
        if let order = parameters["order"] {
            guard let value = SortDirection(rawValue: order) else {
                throw APIError.validation(ValidationError(field: "order", message: "order must be asc or desc."))
            }
            query.order = value
        }
        if let cursor = parameters["cursor"], !cursor.isEmpty {
            guard let value = ListCursor.decode(cursor, for: query) else {
                throw APIError.validation(
                    ValidationError(field: "cursor", message: "This cursor is not valid here; it must come from the same listing, sort and order."))
            }
            query.after = value
        }
        return query
    }

    /// The `limit` of a page (listings, the trash, search): 1–1000, `ListQuery.defaultLimit` when left out.
    /// - Throws: `APIError` (field `limit`) for anything else.
    static func pageLimit(_ request: Request) throws -> Int {
        guard let limit = request.query["limit"] else { return ListQuery.defaultLimit }
        guard let value = Int(limit), (1...ListQuery.maxLimit).contains(value) else {
            throw APIError.validation(ValidationError(field: "limit", message: "limit must be a whole number from 1 to \(ListQuery.maxLimit)."))
        }
        return value
    }

    /// `permanent=true|false` on a delete (left out: false, to the trash).
    /// - Throws: `APIError` (field `permanent`) for another value.
    static func permanent(_ request: Request) throws -> Bool {
        switch request.query["permanent"] {
        case nil, "false": return false
        case "true": return true
        default: throw APIError.validation(ValidationError(field: "permanent", message: "permanent must be true or false."))
        }
    }

    /// A `parent_id` as a request gave it: `nil` (left out, or JSON `null`) is the root; an empty
    /// string is refused everywhere (it used to mean the root in some routes and 404 in others).
    /// - Throws: `ValidationError` (field `parent_id`) for `""`.
    static func parentId(_ raw: String?) throws(ValidationError) -> String? {
        guard let raw else { return nil }
        guard !raw.isEmpty else {
            throw ValidationError(field: "parent_id", message: "parent_id cannot be empty: leave it out (or send null) for the root.")
        }
        return raw
    }

    static func onConflict(_ request: Request, allowOverwrite: Bool = false) throws -> OnConflict {
        try onConflict(request.query["on_conflict"], allowOverwrite: allowOverwrite)
    }

    /// An `on_conflict` value as given (`nil`: left out, which is `fail`).
    /// - Throws: `ValidationError` (field `on_conflict`) for anything else than the choices.
    static func onConflict(_ raw: String?, allowOverwrite: Bool) throws(ValidationError) -> OnConflict {
        guard let raw else { return .fail }
        guard let value = OnConflict(rawValue: raw), allowOverwrite || value != .overwrite else {
            let choices = allowOverwrite ? "fail, rename or overwrite" : "fail or rename"
            throw ValidationError(field: "on_conflict", message: "on_conflict must be \(choices).")
        }
        return value
    }
}
