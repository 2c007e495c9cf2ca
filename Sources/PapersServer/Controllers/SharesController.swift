import Foundation
import Hummingbird
import PapersCore

/// `/api/v1/user/<user_id>/shares/...`: the owner's share links: make one, list them, revoke one.
struct SharesController {
    let shares: ShareLinks

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post("shares", use: create)
        group.get("shares", use: list)
        group.delete("shares/{share_id}", use: delete)
    }

    func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        let body = try await request.decodePayload(as: CreateShareRequest.self, context: context)
        let (share, token) = try await shares.create(ownerId: caller.userId, request: body)
        let created = NewShare(
            id: share.id, nodeId: share.nodeId, token: token, urlPath: ShareController.prefix + "/" + token,
            expiresAt: share.expiresMs.map { Timestamp.format(milliseconds: $0) }, hasPassword: share.passwordHash != nil,
            dateCreated: Timestamp.format(milliseconds: share.createdMs))
        return try Response.json(created, status: .created, context: context)
    }

    func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        var query = ShareQuery(limit: try NodesController.pageLimit(request))
        if let cursor = request.query["cursor"], !cursor.isEmpty {
            guard let value = ShareCursor.decode(cursor) else {
                throw APIError.validation(ValidationError(field: "cursor", message: "This cursor is not valid here; it must come from the share list."))
            }
            query.after = value
        }
        let page = try await shares.list(ownerId: caller.userId, query: query)
        return try Response.json(PapersCore.SharePage(items: page.items.map(Share.init), nextCursor: page.next?.encoded()), status: .ok, context: context)
    }

    func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        try await shares.delete(ownerId: caller.userId, id: try context.parameters.require("share_id"))
        return Response(status: .noContent)
    }
}

extension Share {
    init(_ record: ShareRecord) {
        self.init(
            id: record.id, nodeId: record.nodeId, name: record.nodeName, isFolder: record.isFolder,
            expiresAt: record.expiresMs.map { Timestamp.format(milliseconds: $0) }, hasPassword: record.passwordHash != nil,
            dateCreated: Timestamp.format(milliseconds: record.createdMs), downloads: record.downloads,
            lastAccessedAt: record.lastAccessMs.map { Timestamp.format(milliseconds: $0) })
    }
}
