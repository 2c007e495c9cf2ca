import Foundation
import PapersCore

/// Share links (API.md, "Share links").
extension APIClient {
    /// A new link to a node; its token (and so its URL) is in this answer only.
    public func createShare(nodeId: String, expiresAt: Date? = nil, password: String? = nil) async throws(ClientError) -> NewShare {
        let request = CreateShareRequest(nodeId: nodeId, expiresAt: expiresAt.map { Timestamp.format($0) }, password: password)
        return try await send("POST", try userPath("/shares/"), json: request)
    }

    /// Every link of the account, newest first (no tokens), following the pages.
    public func shares() async throws(ClientError) -> [Share] {
        var items: [Share] = []
        var cursor: String?
        repeat {
            let page: SharePage = try await send("GET", try userPath("/shares/"), query: cursor.map { ["cursor": $0, "limit": "1000"] } ?? ["limit": "1000"])
            items += page.items
            cursor = page.nextCursor
        } while cursor != nil
        return items
    }

    /// Revokes a link: it is 404 from the next request.
    public func deleteShare(id: String) async throws(ClientError) {
        _ = try await exchange(CurlTransfer(method: "DELETE", url: try url(try userPath("/shares/\(id)"))))
    }

    /// The full address of a link's `url_path` on this server.
    public func shareURL(_ urlPath: String) -> String {
        (server.hasSuffix("/") ? String(server.dropLast()) : server) + urlPath
    }
}
