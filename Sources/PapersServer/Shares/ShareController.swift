import Foundation
import HTTPTypes
import Hummingbird
import PapersCore

/// `GET|HEAD /s/<token>[/<path>]`: what a share link opens, for anyone who has the link (and its
/// password). A file answers with its content, as owners get it (Range, ETag, If-None-Match,
/// Content-Disposition); a folder with a page of its entries as JSON, or, for a browser (`Accept:
/// text/html`), as a plain HTML page (`SharePage`) — a file too, with a download button. No answer
/// carries the owner's ids or e-mail or a path above the shared node: ETags are made from the
/// content's hash, cursors from names.
struct ShareController {
    static let prefix = "/s"
    /// Headers every answer under `/s/` carries: the token in the address never leaves in a
    /// `Referer`, nothing here runs script or is framed, and caches keep nothing for others.
    static let guardHeaders: HTTPFields = [
        HTTPField.Name("Referrer-Policy")!: "no-referrer", .xContentTypeOptions: "nosniff", HTTPField.Name("X-Frame-Options")!: "DENY",
        .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'none'; frame-ancestors 'none'",
        .cacheControl: "private, no-cache",
    ]

    let shares: ShareLinks
    let files: FileService
    let content: ContentController

    func addRoutes(to router: Router<AppRequestContext>) {
        for path in ["s/{token}", "s/{token}/**"] {
            router.get(RouterPath(path), use: answer)
            router.head(RouterPath(path), use: answer)
        }
    }

    func answer(_ request: Request, context: AppRequestContext) async throws -> Response {
        do {
            var response = try await respond(request, context: context)
            for field in Self.guardHeaders { response.headers[field.name] = field.value }
            return response
        } catch {
            guard var mapped = APIError.from(error) else { throw error }
            for field in Self.guardHeaders { mapped.headers[field.name] = field.value }
            throw mapped
        }
    }

    private func respond(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let path = SharePath(requestPath: request.uri.path) else { throw ShareError.notFound }
        let shared = try await shares.open(token: path.token, password: Self.basicPassword(request), address: context.peerAddress)
        let node = try await shares.resolve(shared, names: path.names)
        let browser = Self.wantsHTML(request)
        // The page's parameters are checked on every target, a file's too: bad input is 400 alike.
        var query = ListQuery(limit: try NodesController.pageLimit(request))
        let cursor = try Self.cursor(request)
        if node.isFolder {
            query.after = cursor.map { ListCursor(folderId: node.id, afterName: $0.name, isFolder: $0.isFolder) }
            let page = try await files.children(ownerId: shared.share.ownerId, parentId: node.id, query: query)
            await shares.noteAccess(shared, download: false)
            let next = page.next.map { SharedFolderCursor(isFolder: $0.isFolder, name: $0.name).encoded() }
            if browser {
                return SharePage.folder(node: node, items: page.items, next: next, path: path, root: shared.node.name, method: request.method)
            }
            let body = SharedFolder(name: node.name, items: page.items.map(SharedItem.init), nextCursor: next)
            return try Response.json(body, status: .ok, context: context)
        }
        if browser && request.uri.queryParameters["download"] == nil {
            await shares.noteAccess(shared, download: false)
            return SharePage.file(node: node, path: path, root: shared.node.name, method: request.method)
        }
        let response = try await content.respond(request, with: node, etag: Self.etag(node))
        let fromStart = response.status == .ok || (response.headers[.contentRange]?.hasPrefix("bytes 0-") ?? false)
        await shares.noteAccess(shared, download: request.method == .get && fromStart)
        return response
    }

    /// The password of `Authorization: Basic` (the user name is ignored), `nil` without one.
    static func basicPassword(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic", let decoded = Data(base64Encoded: String(parts[1])),
            let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":")
        else { return nil }
        return String(pair[pair.index(after: colon)...])
    }

    /// A browser asks for HTML first; API clients (curl's `*/*`, `application/json`) get JSON or bytes.
    static func wantsHTML(_ request: Request) -> Bool {
        guard let accept = request.headers[.accept]?.lowercased() else { return false }
        return accept.contains("text/html")
    }

    /// A strong tag from the content itself: the node's id (the owner's) never shows.
    static func etag(_ node: NodeRecord) -> String {
        "\"s-\((node.sha256 ?? "").prefix(32))\""
    }

    /// `cursor`, made by an earlier page of a shared folder; `nil` without one.
    /// - Throws: `APIError` 400 for a cursor the server did not make.
    static func cursor(_ request: Request) throws -> SharedFolderCursor? {
        guard let text = request.uri.queryParameters["cursor"].map(String.init), !text.isEmpty else { return nil }
        guard let cursor = SharedFolderCursor.decode(text) else {
            throw APIError.validation(ValidationError(field: "cursor", message: "This cursor is not valid here; it must come from this folder's listing."))
        }
        return cursor
    }
}

/// Where a page of a shared folder stopped: the last entry's kind and name, nothing else.
struct SharedFolderCursor: Codable, Sendable, Equatable {
    var isFolder: Bool
    var name: String

    enum CodingKeys: String, CodingKey {
        case isFolder = "f", name = "n"
    }

    func encoded() -> String { OpaqueCursor.encode(self) }
    static func decode(_ text: String) -> SharedFolderCursor? { OpaqueCursor.decode(text) }
}

extension SharedItem {
    init(_ node: NodeRecord) {
        self.init(name: node.name, isFolder: node.isFolder, size: node.size, dateModified: Timestamp.format(milliseconds: node.modifiedMs))
    }
}
