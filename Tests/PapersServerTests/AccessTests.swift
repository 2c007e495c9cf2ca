import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import PapersServer

/// Two users trying to reach each other's things by every route.
@Suite struct AccessTests {
    @Test func aTokenOnlyReachesItsOwnUser() async throws {
        try await Harness.run { h in
            let ada = try await h.user("ada")
            let eve = try await h.user("eve")
            let folder = try await ada.mkdir("private")
            let file = try await ada.upload("secret.txt", "ada's secret", in: folder["id"] as? String)
            let fileId = file["id"] as! String
            let folderId = folder["id"] as! String
            let routes: [(HTTPRequest.Method, String)] = [
                (.get, "/files/"), (.post, "/files/?name=x.txt"), (.get, "/files/\(fileId)"), (.head, "/files/\(fileId)"),
                (.put, "/files/\(fileId)"), (.delete, "/files/\(fileId)"), (.get, "/files/\(fileId)/content"),
                (.head, "/files/\(fileId)/content"), (.post, "/folders/"), (.get, "/folders/\(folderId)"), (.put, "/folders/\(folderId)"),
                (.delete, "/folders/\(folderId)"),
            ]
            // Eve's token on Ada's user id: 403, whatever exists there.
            for (method, path) in routes {
                let response = try await h.call(method, ada.base + path, token: eve.token, json: method == .put ? ["name": "pwned"] : nil)
                #expect(response.status == .forbidden, "\(method) \(path)")
                if method != .head { #expect(try response.errorCode() == "forbidden") }
            }
            // Ada's node ids under Eve's own user id: 404, as if they did not exist.
            let eveFolder = try await eve.mkdir("mine")["id"] as! String
            let attempts: [(HTTPRequest.Method, String, Any?)] = [
                (.get, "/files/\(fileId)", nil), (.get, "/files/\(fileId)/content", nil), (.head, "/files/\(fileId)/content", nil),
                (.put, "/files/\(fileId)", ["name": "pwned.txt"]), (.delete, "/files/\(fileId)", nil),
                (.get, "/files/?parent_id=\(folderId)", nil), (.get, "/folders/\(folderId)", nil),
                (.put, "/folders/\(folderId)", ["name": "pwned"]), (.delete, "/folders/\(folderId)", nil),
                (.post, "/folders/", ["name": "inside", "parent_id": folderId]),
                (.put, "/folders/\(eveFolder)", ["parent_id": folderId]),
            ]
            for (method, path, json) in attempts {
                let response = try await eve.call(method, path, json: json)
                #expect(response.status == .notFound, "\(method) \(path): \(response.status)")
            }
            #expect(try await eve.uploadResponse("x.txt", [1], in: folderId).status == .notFound)
            #expect(try await eve.call(.put, "/files/\(fileId)", bytes: [1]).status == .notFound)
            // Nothing of Ada's changed.
            let still = try await ada.call(.get, "/files/\(fileId)/content")
            #expect(still.text == "ada's secret")
            #expect(try await ada.listAll(folderId).count == 1)
            #expect(try await ada.listAll().map { $0["name"] as! String } == ["private"])
            #expect(try await eve.listAll().map { $0["name"] as! String } == ["mine"])
        }
    }
}
