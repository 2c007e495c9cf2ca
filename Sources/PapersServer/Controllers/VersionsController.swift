import Foundation
import Hummingbird
import PapersCore

/// `/api/v1/user/<user_id>/files/<file_id>/versions...`: a file's history, each version's bytes, and
/// making an older one current.
struct VersionsController {
    let files: FileService
    let content: ContentController

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("files/{file_id}/versions", use: list)
        group.get("files/{file_id}/versions/{version}/content", use: download)
        group.head("files/{file_id}/versions/{version}/content", use: download)
        group.post("files/{file_id}/versions/{version}/restore", use: restore)
    }

    func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        let history = try await files.versions(ownerId: caller.userId, fileId: try context.parameters.require("file_id"))
        let items = history.versions.map { version in
            FileVersionInfo(
                version: version.number, size: version.size, sha256: version.sha256,
                dateModified: Timestamp.format(milliseconds: version.modifiedMs), etag: version.etag(of: history.node),
                current: version.current)
        }
        return try Response.json(FileVersionList(items: items), status: .ok, context: context)
    }

    func download(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        let (node, version) = try await files.version(
            ownerId: caller.userId, fileId: try context.parameters.require("file_id"), number: try Self.number(context))
        return try await content.respond(request, with: version.applied(to: node), etag: version.etag(of: node))
    }

    func restore(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        let node = try await files.restoreVersion(
            ownerId: caller.userId, fileId: try context.parameters.require("file_id"), number: try Self.number(context),
            ifMatch: request.headers[.ifMatch])
        return Response.node(node)
    }

    /// The `{version}` of the path: a whole number from 1. Anything else is 400.
    static func number(_ context: AppRequestContext) throws -> Int64 {
        let raw = try context.parameters.require("version")
        guard let number = Int64(raw), number >= 1, raw.allSatisfy(\.isASCII) else {
            throw APIError.validation(ValidationError(field: "version", message: "A version is a whole number from 1."))
        }
        return number
    }
}
