import Foundation
import Hummingbird
import PapersCore

/// `/api/v1/user/<user_id>/trash/...`: what was deleted, newest first; restore, delete for good, empty.
struct TrashController {
    let files: FileService

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("trash", use: list)
        group.delete("trash", use: empty)
        group.post("trash/{node_id}/restore", use: restore)
        group.delete("trash/{node_id}", use: erase)
    }

    func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        var query = TrashQuery(limit: try NodesController.pageLimit(request))
        if let cursor = request.query["cursor"], !cursor.isEmpty {
            guard let value = TrashCursor.decode(cursor) else {
                throw APIError.validation(ValidationError(field: "cursor", message: "This cursor is not valid here; it must come from the trash's listing."))
            }
            query.after = value
        }
        let page = try await files.trash(ownerId: caller.userId, query: query)
        let body = PapersCore.TrashPage(items: page.items.map(TrashItem.init), nextCursor: page.next?.encoded())
        return try Response.json(body, status: .ok, context: context)
    }

    func restore(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        let node = try await files.restoreFromTrash(
            ownerId: caller.userId, id: try context.parameters.require("node_id"), onConflict: try NodesController.onConflict(request))
        return Response.node(node)
    }

    func erase(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        try await files.eraseFromTrash(ownerId: caller.userId, id: try context.parameters.require("node_id"))
        return Response(status: .noContent)
    }

    func empty(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        try await files.emptyTrash(ownerId: caller.userId)
        return Response(status: .noContent)
    }
}

extension TrashItem {
    init(_ item: TrashedNode) {
        self.init(
            node: Node(item.node), deletedAt: Timestamp.format(milliseconds: item.deletedMs), originalPath: item.originalPath,
            originalParentId: item.originalParentId)
    }
}
