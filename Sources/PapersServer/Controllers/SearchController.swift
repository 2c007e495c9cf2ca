import Foundation
import Hummingbird
import PapersCore

/// `GET /api/v1/user/<user_id>/search?q=...`: the user's files and folders whose name contains a
/// text, folders first, then by name, a page at a time.
struct SearchController {
    let files: FileService

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.get("search", use: search)
    }

    func search(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        var query = SearchQuery(text: try Self.text(request.query["q"]), limit: try NodesController.pageLimit(request))
        if let kind = request.query["kind"] {
            guard let value = SearchQuery.Kind(rawValue: kind) else {
                throw APIError.validation(ValidationError(field: "kind", message: "kind must be file or folder."))
            }
            query.kind = value
        }
        if let cursor = request.query["cursor"], !cursor.isEmpty {
            guard let value = SearchCursor.decode(cursor, for: query) else {
                throw APIError.validation(
                    ValidationError(field: "cursor", message: "This cursor is not valid here; it must come from the same search."))
            }
            query.after = value
        }
        let page = try await files.search(ownerId: caller.userId, query: query)
        return Response.json(bytes: NodeJSON.page(page.items.map(Node.init), nextCursor: page.next?.encoded()), status: .ok)
    }

    /// `q` as names are compared (NFC, lower-cased). 1–255 bytes of UTF-8 without control characters.
    /// - Throws: `APIError` (field `q`) otherwise.
    static func text(_ raw: String?) throws -> String {
        guard let raw, !raw.isEmpty else {
            throw APIError.validation(ValidationError(field: "q", message: "Say what to search for: q is a part of a name."))
        }
        guard raw.utf8.count <= SearchQuery.maxBytes, !raw.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIError.validation(
                ValidationError(field: "q", message: "q is at most \(SearchQuery.maxBytes) bytes of UTF-8, without control characters."))
        }
        return NodeName.sortKey(raw.precomposedStringWithCanonicalMapping)
    }
}
