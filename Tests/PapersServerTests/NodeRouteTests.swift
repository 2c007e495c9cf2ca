import Foundation
import PapersCore
import PapersTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import PapersServer

@Suite struct NodeRouteTests {
    @Test func theTutorialsStory() async throws {
        try await Harness.run { h in
            let ada = try await h.user()
            let work = try await ada.mkdir("Work")
            let workId = work["id"] as! String
            #expect(work["is_folder"] as? Bool == true)
            #expect(work["parent_id"] is NSNull)
            #expect(work["path"] as? String == "/Work")
            #expect(work["mime_type"] as? String == "inode/directory")
            let year = try await ada.mkdir("2026", in: workId)
            let yearId = year["id"] as! String
            #expect(year["parent_id"] as? String == workId)

            let report = try await ada.upload("report.pdf", "%PDF-1.4 hello", in: yearId)
            let reportId = report["id"] as! String
            #expect(report["path"] as? String == "/Work/2026/report.pdf")
            #expect(report["size"] as? Int == 14)
            #expect(report["sha256"] as? String == sha256Hex("%PDF-1.4 hello"))
            #expect(report["mime_type"] as? String == "application/pdf")
            #expect(report["creator"] as? String == ada.id)
            #expect((report["date_created"] as? String)?.hasSuffix("Z") == true)

            // Folder sizes are the total of their subtree.
            let props = try await ada.call(.get, "/files/\(workId)")
            #expect(try props.object()["size"] as? Int == 14)
            #expect(props.headers[.eTag] == (try props.object()["etag"] as? String))

            let renamed = try await ada.call(.put, "/files/\(reportId)", json: ["name": "final.txt"])
            #expect(renamed.status == .ok)
            #expect(try renamed.object()["mime_type"] as? String == "text/plain")
            #expect(try renamed.object()["path"] as? String == "/Work/2026/final.txt")

            let moved = try await ada.call(.put, "/files/\(reportId)", json: ["parent_id": workId])
            #expect(try moved.object()["path"] as? String == "/Work/final.txt")
            let toRoot = try await ada.call(.put, "/files/\(reportId)", json: ["parent_id": NSNull()])
            #expect(try toRoot.object()["parent_id"] is NSNull)
            #expect(try toRoot.object()["path"] as? String == "/final.txt")
            #expect(try await ada.call(.get, "/files/\(workId)").object()["size"] as? Int == 0)

            let deleted = try await ada.call(.delete, "/folders/\(workId)")
            #expect(deleted.status == .noContent)
            #expect(try await ada.call(.get, "/files/\(yearId)").status == .notFound)
            #expect(try await ada.call(.get, "/files/\(reportId)").status == .ok)
        }
    }

    @Test func multipartUploads() async throws {
        try await Harness.run { h in
            let ada = try await h.user()
            let folder = try await ada.mkdir("Inbox")
            let boundary = "----papers-boundary-1234"
            let content = "hello from a browser form\r\n--not-a-boundary\r\n"
            let form =
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"parent_id\"\r\n\r\n\(folder["id"] as! String)\r\n"
                + "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"メモ.txt\"\r\n"
                + "Content-Type: text/plain\r\n\r\n\(content)\r\n--\(boundary)--\r\n"
            let response = try await h.client.execute(
                uri: ada.base + "/files/", method: .post,
                headers: [.authorization: "Bearer \(ada.token)", .contentType: "multipart/form-data; boundary=\(boundary)"],
                body: .init(string: form))
            #expect(response.status == .created, "\(response.text)")
            let node = try response.object()
            #expect(node["name"] as? String == "メモ.txt")
            #expect(node["sha256"] as? String == sha256Hex(content))
            #expect(node["parent_id"] as? String == folder["id"] as? String)

            let noFile = "--\(boundary)\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nx.txt\r\n--\(boundary)--\r\n"
            let missing = try await h.client.execute(
                uri: ada.base + "/files/", method: .post,
                headers: [.authorization: "Bearer \(ada.token)", .contentType: "multipart/form-data; boundary=\(boundary)"],
                body: .init(string: noFile))
            #expect(missing.status == .badRequest)
            let noBoundary = try await h.client.execute(
                uri: ada.base + "/files/", method: .post,
                headers: [.authorization: "Bearer \(ada.token)", .contentType: "multipart/form-data"], body: .init(string: noFile))
            #expect(noBoundary.status == .badRequest)
        }
    }

    @Test func listingPagesSortsAndPutsFoldersFirst() async throws {
        try await Harness.run { h in
            let ada = try await h.user()
            for name in ["b.txt", "A.txt", "c.txt", "a.txt"] { _ = try await ada.upload(name, String(repeating: "x", count: name.count * (name == "c.txt" ? 10 : 1))) }
            _ = try await ada.mkdir("zeta")
            _ = try await ada.mkdir("Alpha")
            let names = try await ada.listAll(limit: 1).map { $0["name"] as! String }
            #expect(names == ["Alpha", "zeta", "A.txt", "a.txt", "b.txt", "c.txt"])
            let desc = try await ada.listAll(limit: 2, extra: "&order=desc").map { $0["name"] as! String }
            #expect(desc == ["zeta", "Alpha", "c.txt", "b.txt", "a.txt", "A.txt"])
            let bySize = try await ada.listAll(limit: 4, extra: "&sort=size&order=desc").map { $0["name"] as! String }
            #expect(bySize.first == "zeta" || bySize.first == "Alpha")
            #expect(bySize[2] == "c.txt")
            let byDate = try await ada.listAll(limit: 3, extra: "&sort=date_modified").map { $0["name"] as! String }
            #expect(Set(byDate) == Set(names))

            let page = try await ada.call(.get, "/files/?limit=2").object()
            let cursor = try #require(page["next_cursor"] as? String)
            let mismatched = try await ada.call(.get, "/files/?limit=2&sort=size&cursor=\(cursor)")
            #expect(mismatched.status == .badRequest)
            let other = try await ada.mkdir("other")["id"] as! String
            let foreign = try await ada.call(.get, "/files/?limit=2&parent_id=\(other)&cursor=\(cursor)")
            #expect(foreign.status == .badRequest, "a cursor only works for the folder that made it")
            let last = try await ada.call(.get, "/files/?limit=7").object()
            #expect(last["next_cursor"] is NSNull)
        }
    }

    @Test func listingRefusesBadQueries() async throws {
        try await Harness.run { h in
            let ada = try await h.user()
            let file = try await ada.upload("f.txt", "x")
            for query in ["limit=0", "limit=1001", "limit=abc", "sort=colour", "order=up", "cursor=%21%21"] {
                let response = try await ada.call(.get, "/files/?\(query)")
                #expect(response.status == .badRequest, "\(query)")
                #expect(try response.errorCode() == "validation_failed")
            }
            let onFile = try await ada.call(.get, "/files/?parent_id=\(file["id"] as! String)")
            #expect(onFile.status == .badRequest)
            #expect(try onFile.errorCode() == "not_a_folder")
            #expect(try await ada.call(.get, "/files/?parent_id=\(UUID().uuidString.lowercased())").status == .notFound)
        }
    }

    @Test func folderRoutes() async throws {
        try await Harness.run { h in
            let ada = try await h.user()
            let docs = try await ada.mkdir("Docs")
            let docsId = docs["id"] as! String
            for i in 0..<3 { _ = try await ada.upload("n\(i).txt", "\(i)", in: docsId) }
            let listing = try await ada.call(.get, "/folders/\(docsId)?limit=2")
            #expect(listing.status == .ok)
            let body = try listing.object()
            #expect(body["name"] as? String == "Docs")
            #expect((body["items"] as? [Any])?.count == 2)
            #expect(body["next_cursor"] is String)
            let file = try await ada.upload("plain.txt", "x")
            #expect(try await ada.call(.get, "/folders/\(file["id"] as! String)").status == .notFound)
            #expect(try await ada.call(.delete, "/folders/\(file["id"] as! String)").status == .notFound)
            #expect(try await ada.call(.put, "/folders/\(file["id"] as! String)", json: ["name": "y"]).status == .notFound)
            let renamed = try await ada.call(.put, "/folders/\(docsId)", json: ["name": "Papers"])
            #expect(try renamed.object()["name"] as? String == "Papers")
            let child = try await ada.call(.get, "/folders/\(docsId)").object()["items"] as! [[String: Any]]
            #expect(child.first?["path"] as? String == "/Papers/n0.txt")
        }
    }

    @Test func namesAreCheckedAndConflictsHandled() async throws {
        try await Harness.run { h in
            let ada = try await h.user()
            for bad in [".", "..", "a/b", "tab\there", " lead", "trail ", String(repeating: "a", count: 256)] {
                let folder = try await ada.call(.post, "/folders/", json: ["name": bad])
                #expect(folder.status == .badRequest, "\(bad)")
                #expect(try folder.errorCode() == "validation_failed")
                let upload = try await ada.uploadResponse(bad, [1])
                #expect(upload.status == .badRequest, "\(bad)")
            }
            _ = try await ada.upload("x.txt", "one")
            let clash = try await ada.uploadResponse("x.txt", Array("two".utf8))
            #expect(clash.status == .conflict)
            #expect(try clash.errorCode() == "name_conflict")
            let renamed = try await ada.uploadResponse("x.txt", Array("two".utf8), query: "&on_conflict=rename")
            #expect(try renamed.object()["name"] as? String == "x (1).txt")
            let renamed2 = try await ada.uploadResponse("x.txt", Array("three".utf8), query: "&on_conflict=rename")
            #expect(try renamed2.object()["name"] as? String == "x (2).txt")
            let overwritten = try await ada.uploadResponse("x.txt", Array("four".utf8), query: "&on_conflict=overwrite")
            #expect(overwritten.status == .ok)
            #expect(try overwritten.object()["sha256"] as? String == sha256Hex("four"))
            #expect(try await ada.uploadResponse("y.txt", [1], query: "&on_conflict=maybe").status == .badRequest)
            // NFD and NFC spellings are the same name.
            _ = try await ada.mkdir("caf\u{e9}")
            #expect(try await ada.call(.post, "/folders/", json: ["name": "cafe\u{301}"]).status == .conflict)
            let folderRename = try await ada.call(.post, "/folders/?on_conflict=rename", json: ["name": "cafe\u{301}"])
            #expect(try folderRename.object()["name"] as? String == "caf\u{e9} (1)")
            // Renaming onto a sibling's name.
            let a = try await ada.upload("a.txt", "a")
            #expect(try await ada.call(.put, "/files/\(a["id"] as! String)", json: ["name": "x.txt"]).status == .conflict)
            #expect(try await ada.call(.put, "/files/\(a["id"] as! String)", json: [:] as [String: String]).status == .badRequest)
        }
    }

    @Test func foldersCannotMoveIntoTheirOwnSubtree() async throws {
        try await Harness.run { h in
            let ada = try await h.user()
            let top = try await ada.mkdir("top")["id"] as! String
            let mid = try await ada.mkdir("mid", in: top)["id"] as! String
            let low = try await ada.mkdir("low", in: mid)["id"] as! String
            for target in [top, mid, low] {
                let response = try await ada.call(.put, "/folders/\(top)", json: ["parent_id": target])
                #expect(response.status == .conflict)
                #expect(try response.errorCode() == "move_into_own_subtree")
            }
            let file = try await ada.upload("f.txt", "x")["id"] as! String
            let intoFile = try await ada.call(.put, "/folders/\(low)", json: ["parent_id": file])
            #expect(intoFile.status == .badRequest)
            #expect(try intoFile.errorCode() == "not_a_folder")
            #expect(try await ada.call(.put, "/folders/\(low)", json: ["parent_id": NSNull()]).status == .ok)
        }
    }

    @Test func replaceContentWithPreconditions() async throws {
        try await Harness.run { h in
            let ada = try await h.user()
            let file = try await ada.upload("doc.txt", "version one")
            let id = file["id"] as! String
            let etag = file["etag"] as! String
            let replaced = try await ada.call(.put, "/files/\(id)", bytes: Array("version two!".utf8), headers: [.ifMatch: etag])
            #expect(replaced.status == .ok)
            let node = try replaced.object()
            #expect(node["sha256"] as? String == sha256Hex("version two!"))
            #expect(node["size"] as? Int == 12)
            #expect(node["etag"] as? String != etag)
            let stale = try await ada.call(.put, "/files/\(id)", bytes: Array("three".utf8), headers: [.ifMatch: etag])
            #expect(stale.status == .preconditionFailed)
            #expect(try stale.errorCode() == "precondition_failed")
            let staleRename = try await ada.call(.put, "/files/\(id)", json: ["name": "new.txt"], headers: [.ifMatch: etag])
            #expect(staleRename.status == .preconditionFailed)
            #expect(try await ada.call(.delete, "/files/\(id)", headers: [.ifMatch: etag]).status == .preconditionFailed)
            let content = try await ada.call(.get, "/files/\(id)/content")
            #expect(content.text == "version two!")
            let folder = try await ada.mkdir("f")
            let onFolder = try await ada.call(.put, "/files/\(folder["id"] as! String)", bytes: [1, 2])
            #expect(onFolder.status == .badRequest)
            #expect(try onFolder.errorCode() == "is_a_folder")
        }
    }

    @Test func downloadsHonourRangesAndValidators() async throws {
        try await Harness.run { h in
            let ada = try await h.user()
            let text = "0123456789abcdefghij"
            let file = try await ada.upload("naïve résumé.txt", text)
            let path = "/files/\(file["id"] as! String)/content"
            let full = try await ada.call(.get, path)
            #expect(full.status == .ok)
            #expect(full.text == text)
            #expect(full.headers[.contentLength] == "20")
            #expect(full.headers[.acceptRanges] == "bytes")
            #expect(full.headers[.eTag] == file["etag"] as? String)
            #expect(full.headers[.lastModified]?.hasSuffix("GMT") == true)
            #expect(full.headers[.contentType] == "text/plain")
            #expect(full.headers[.contentDisposition] == "attachment; filename=\"na_ve r_sum_.txt\"; filename*=UTF-8''na%C3%AFve%20r%C3%A9sum%C3%A9.txt")

            let cases: [(String, String, String)] = [
                ("bytes=0-9", "0123456789", "bytes 0-9/20"), ("bytes=15-", "fghij", "bytes 15-19/20"),
                ("bytes=-5", "fghij", "bytes 15-19/20"), ("bytes=18-100", "ij", "bytes 18-19/20"), ("bytes=-100", text, "bytes 0-19/20"),
            ]
            for (range, body, contentRange) in cases {
                let partial = try await ada.call(.get, path, headers: [.range: range])
                #expect(partial.status == .partialContent, "\(range)")
                #expect(partial.text == body, "\(range)")
                #expect(partial.headers[.contentRange] == contentRange, "\(range)")
            }
            for range in ["bytes=20-", "bytes=25-30", "bytes=-0"] {
                let unsatisfiable = try await ada.call(.get, path, headers: [.range: range])
                #expect(unsatisfiable.status == .rangeNotSatisfiable, "\(range)")
                #expect(unsatisfiable.headers[.contentRange] == "bytes */20")
            }
            #expect(try await ada.call(.get, path, headers: [.range: "bytes=0-1,5-6"]).status == .ok)
            #expect(try await ada.call(.get, path, headers: [.range: "lines=1-2"]).status == .ok)

            let etag = file["etag"] as! String
            #expect(try await ada.call(.get, path, headers: [.ifNoneMatch: etag]).status == .notModified)
            #expect(try await ada.call(.get, path, headers: [.ifNoneMatch: "W/\(etag)"]).status == .notModified)
            #expect(try await ada.call(.get, path, headers: [.ifNoneMatch: "\"other\""]).status == .ok)
            let ifRangeOk = try await ada.call(.get, path, headers: [.range: "bytes=0-1", .ifRange: etag])
            #expect(ifRangeOk.status == .partialContent)
            let ifRangeStale = try await ada.call(.get, path, headers: [.range: "bytes=0-1", .ifRange: "\"stale\""])
            #expect(ifRangeStale.status == .ok)
            #expect(ifRangeStale.text == text)

            let head = try await ada.call(.head, path)
            #expect(head.status == .ok)
            #expect(head.headers[.contentLength] == "20")
            #expect(head.body.readableBytes == 0)
            #expect(try await ada.call(.head, "/files/\(file["id"] as! String)").status == .ok)

            let empty = try await ada.uploadResponse("empty.bin", [])
            let emptyId = try empty.object()["id"] as! String
            let emptyContent = try await ada.call(.get, "/files/\(emptyId)/content")
            #expect(emptyContent.status == .ok)
            #expect(emptyContent.body.readableBytes == 0)

            let folder = try await ada.mkdir("folder")
            let folderContent = try await ada.call(.get, "/files/\(folder["id"] as! String)/content")
            #expect(folderContent.status == .badRequest)
            #expect(try folderContent.errorCode() == "is_a_folder")
        }
    }

    @Test func uploadChecksLimitsChecksumsAndMediaTypes() async throws {
        try await Harness.run(configure: { $0.maxUploadBytes = 1000; $0.defaultQuotaBytes = 1500 }) { h in
            let ada = try await h.user()
            let tooBig = try await ada.uploadResponse("big.bin", [UInt8](repeating: 1, count: 1001))
            #expect(tooBig.status == .contentTooLarge)
            #expect(try tooBig.errorCode() == "payload_too_large")
            #expect(tooBig.headers[.connection] == "close")
            _ = try await ada.uploadResponse("a.bin", [UInt8](repeating: 1, count: 1000))
            let overQuota = try await ada.uploadResponse("b.bin", [UInt8](repeating: 2, count: 600))
            #expect(overQuota.status.code == 507)
            #expect(try overQuota.errorCode() == "quota_exceeded")
            #expect(try await h.call(.get, "/api/v1/auth/me", token: ada.token).object()["used_bytes"] as? Int == 1000)

            let content = Array("checked".utf8)
            let good = try await ada.uploadResponse("c.txt", content, headers: [.contentSHA256: sha256Hex(content)])
            #expect(good.status == .created)
            let bad = try await ada.uploadResponse("d.txt", content, headers: [.contentSHA256: sha256Hex("other")])
            #expect(bad.status == .badRequest)
            #expect(try bad.errorCode() == "checksum_mismatch")
            let names = try await ada.listAll().map { $0["name"] as! String }
            #expect(names == ["a.bin", "c.txt"])

            let json = try await ada.call(.post, "/files/?name=x", json: ["a": 1])
            #expect(json.status == .unsupportedMediaType)
            let noName = try await ada.call(.post, "/files/", bytes: [1])
            #expect(noName.status == .badRequest)
            #expect((try noName.object()["fields"] as? [String: String])?["name"] != nil)
            #expect(try await ada.uploadResponse("e.txt", [1], in: UUID().uuidString.lowercased()).status == .notFound)
            // Nothing stray is left in tmp/.
            let leftovers = stagedFiles(h.dataDirectory)
            #expect(leftovers.isEmpty)
        }
    }

    @Test func contentIsDeduplicatedAndRemovedWithItsLastNode() async throws {
        let clock = TestClock()
        try await Harness.run(clock: clock) { h in
            let ada = try await h.user()
            let bob = try await h.user("bob")
            let a = try await ada.upload("a.txt", "same bytes")
            let b = try await bob.upload("b.txt", "same bytes")
            let hash = sha256Hex("same bytes")
            let blob = h.dataDirectory + "/blobs/" + hash.prefix(2) + "/" + hash.dropFirst(2).prefix(2) + "/" + hash
            #expect(FileManager.default.fileExists(atPath: blob))
            var listed: [String] = []
            try await h.dependencies.blobs.stored(writtenBefore: Date().addingTimeInterval(60)) { listed += $0 }
            #expect(listed == [hash])
            // The second copy was dropped from tmp/ before its answer.
            #expect(stagedFiles(h.dataDirectory).isEmpty)
            #expect(try await ada.call(.delete, "/files/\(a["id"] as! String)?permanent=true").status == .noContent)
            #expect(FileManager.default.fileExists(atPath: blob))
            let folder = try await bob.mkdir("f")
            #expect(try await bob.call(.put, "/files/\(b["id"] as! String)", json: ["parent_id": folder["id"] as! String]).status == .ok)
            #expect(try await bob.call(.delete, "/folders/\(folder["id"] as! String)?permanent=true").status == .noContent)
            // Unused content stays for the grace period, then the collector removes it.
            let collector = h.dependencies.collector
            #expect(FileManager.default.fileExists(atPath: blob))
            #expect(try await collector.collectUnreferenced() == 0, "within the grace")
            #expect(FileManager.default.fileExists(atPath: blob))
            clock.advance(collector.grace + 1)
            #expect(try await collector.collectUnreferenced() == 1)
            #expect(!FileManager.default.fileExists(atPath: blob))
            // A replaced content stays while it is kept as a version; a delete for good lets both go.
            let c = try await ada.upload("c.txt", "old content")
            _ = try await ada.call(.put, "/files/\(c["id"] as! String)", bytes: Array("new content".utf8))
            clock.advance(collector.grace + 1)
            #expect(try await collector.collectUnreferenced() == 0, "the old content is a version")
            #expect(try await h.dependencies.blobs.contains(sha256Hex("old content")))
            #expect(try await ada.call(.delete, "/files/\(c["id"] as! String)?permanent=true").status == .noContent)
            clock.advance(collector.grace + 1)
            #expect(try await collector.collectUnreferenced() == 2)
            #expect(try await !h.dependencies.blobs.contains(sha256Hex("old content")))
            #expect(try await !h.dependencies.blobs.contains(sha256Hex("new content")))
        }
    }

    @Test func racingReplacementsLeaveNothingInTmp() async throws {
        try await Harness.run { h in
            let ada = try await h.user()
            let file = try await ada.upload("doc.txt", "version one")
            let id = file["id"] as! String
            let etag = file["etag"] as! String
            // Both may pass the check before the body; the loser is refused at its commit, after its
            // bytes were staged, and its copy must not stay behind.
            async let first = ada.call(.put, "/files/\(id)", bytes: Array(repeating: 1, count: 200_000), headers: [.ifMatch: etag])
            async let second = ada.call(.put, "/files/\(id)", bytes: Array(repeating: 2, count: 200_000), headers: [.ifMatch: etag])
            let statuses = [try await first.status, try await second.status].map(\.code).sorted()
            #expect(statuses == [200, 412])
            #expect(stagedFiles(h.dataDirectory).isEmpty)
        }
    }

    @Test func unknownRoutesAndMethods() async throws {
        try await Harness.run { h in
            let ada = try await h.user()
            let missing = try await h.call(.get, "/api/v1/nothing")
            #expect(missing.status == .notFound)
            #expect(try missing.errorCode() == "not_found")
            let patch = try await ada.call(.patch, "/files/\(UUID().uuidString)")
            #expect(patch.status == .methodNotAllowed)
            #expect(try patch.errorCode() == "method_not_allowed")
            #expect(patch.headers[.allow]?.contains("PUT") == true)
            #expect(try await ada.call(.get, "/files/\(UUID().uuidString)").status == .notFound)
            #expect(try await ada.call(.delete, "/files/\(UUID().uuidString)").status == .notFound)
        }
    }
}

@Suite struct LookupByNameTests {
    @Test func findsOneChildByExactName() async throws {
        try await Harness.run { h in
            let ada = try await h.user()
            let work = try await ada.mkdir("Work")["id"] as! String
            _ = try await ada.upload("Report.pdf", "r", in: work)
            _ = try await ada.upload("caf\u{e9}.txt", "c", in: work)
            let found = try await ada.call(.get, "/files/?parent_id=\(work)&name=Report.pdf").object()
            #expect((found["items"] as? [[String: Any]])?.map { $0["path"] as? String } == ["/Work/Report.pdf"])
            #expect(found["next_cursor"] is NSNull)
            let nfd = try await ada.call(.get, "/files/?parent_id=\(work)&name=cafe%CC%81.txt").object()
            #expect((nfd["items"] as? [Any])?.count == 1)
            let caseDiffers = try await ada.call(.get, "/files/?parent_id=\(work)&name=report.pdf").object()
            #expect((caseDiffers["items"] as? [Any])?.isEmpty == true)
            let atRoot = try await ada.call(.get, "/files/?name=Work").object()
            #expect((atRoot["items"] as? [[String: Any]])?.first?["id"] as? String == work)
            #expect(try await ada.call(.get, "/files/?name=a%2Fb").status == .badRequest)
        }
    }
}
