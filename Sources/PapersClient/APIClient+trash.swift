import Foundation
import PapersCore

/// The trash, versions and search (API.md's sections of those names).
extension APIClient {
    // MARK: Trash

    /// One page of the trash, newest first.
    public func trashPage(limit: Int = 1000, cursor: String? = nil) async throws(ClientError) -> TrashPage {
        var query = ["limit": String(limit)]
        if let cursor { query["cursor"] = cursor }
        return try await send("GET", try userPath("/trash/"), query: query)
    }

    /// Everything in the trash, newest first, page by page.
    public func trash() async throws(ClientError) -> [TrashItem] {
        var items: [TrashItem] = []
        var cursor: String?
        repeat {
            let page = try await trashPage(cursor: cursor)
            items += page.items
            cursor = page.nextCursor
        } while cursor != nil
        return items
    }

    /// Puts a trashed item back where it was (the root when that folder is gone). Throws the
    /// server's `name_conflict` unless `onConflict` is `.rename`.
    public func restore(trashed id: String, onConflict: OnConflict = .fail) async throws(ClientError) -> Node {
        try await send("POST", try userPath("/trash/\(id)/restore"), query: ["on_conflict": onConflict.rawValue], json: [String: String]())
    }

    /// Deletes one trashed item for good.
    public func erase(trashed id: String) async throws(ClientError) {
        _ = try await exchange(CurlTransfer(method: "DELETE", url: try url(try userPath("/trash/\(id)"))))
    }

    /// Deletes everything in the trash for good.
    public func emptyTrash() async throws(ClientError) {
        _ = try await exchange(CurlTransfer(method: "DELETE", url: try url(try userPath("/trash/"))))
    }

    // MARK: Versions

    /// A file's versions, newest (the current content) first.
    public func versions(of fileId: String) async throws(ClientError) -> [FileVersionInfo] {
        let list: FileVersionList = try await send("GET", try userPath("/files/\(fileId)/versions"))
        return list.items
    }

    /// Makes version `number` the file's current content.
    public func restore(version number: Int64, of fileId: String) async throws(ClientError) -> Node {
        try await send("POST", try userPath("/files/\(fileId)/versions/\(number)/restore"), json: [String: String]())
    }

    // MARK: Search

    /// One page of the nodes whose name contains `text`, folders first, each with its path.
    public func searchPage(_ text: String, kind: String? = nil, limit: Int = 1000, cursor: String? = nil) async throws(ClientError) -> NodePage {
        var query = ["q": text, "limit": String(limit)]
        if let kind { query["kind"] = kind }
        if let cursor { query["cursor"] = cursor }
        return try await send("GET", try userPath("/search"), query: query)
    }
}
