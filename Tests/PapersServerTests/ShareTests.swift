import Foundation
import HTTPTypes
import PapersCore
import Testing

@testable import PapersServer

/// What share links keep in every `MetadataStore` (SQLite and PostgreSQL), their throttling, and
/// their expiry under a clock the test moves.
@Suite struct ShareStoreTests {
    @Test(arguments: StoreBackend.allCases) func linksAreTheirOwnersFoundByHashAndGoWithTheirNode(backend: StoreBackend) async throws {
        let database = try await backend.makeDatabase()
        let store = try await database.open()
        let ada = try await store.createUser(email: "ada@example.com", fullname: "Ada", passwordHash: "h", quotaBytes: nil).id
        let bob = try await store.createUser(email: "bob@example.com", fullname: "Bob", passwordHash: "h", quotaBytes: nil).id
        let folder = try await store.createFolder(ownerId: ada, parentId: nil, name: "Pub", onConflict: .fail)
        let file = try await StoreConformanceTests.file(store, ada, "a.txt", in: folder.id)
        let first = try await store.createShare(ownerId: ada, nodeId: file.id, tokenHash: "hash-1", expiresMs: nil, passwordHash: nil)
        let second = try await store.createShare(ownerId: ada, nodeId: folder.id, tokenHash: "hash-2", expiresMs: 42, passwordHash: "p")
        #expect(first.nodeName == "a.txt" && !first.isFolder && second.isFolder && second.expiresMs == 42)
        // Someone else's node, an unknown one, and the root cannot be shared.
        await #expect(throws: StoreError.nodeNotFound) {
            try await store.createShare(ownerId: bob, nodeId: file.id, tokenHash: "hash-3", expiresMs: nil, passwordHash: nil)
        }
        let root = try await store.rootFolder(ownerId: ada)
        await #expect(throws: StoreError.nodeNotFound) {
            try await store.createShare(ownerId: ada, nodeId: root.id, tokenHash: "hash-4", expiresMs: nil, passwordHash: nil)
        }
        let page = try await store.shares(ownerId: ada, query: ShareQuery(limit: 1))
        #expect(page.items.map(\.id) == [second.id] && page.next != nil)
        #expect(try await store.shares(ownerId: ada, query: ShareQuery(limit: 1, after: page.next)).items.map(\.id) == [first.id])
        #expect(try await store.shares(ownerId: bob, query: ShareQuery()).items.isEmpty)

        let found = try #require(try await store.sharedNode(tokenHash: "hash-1"))
        #expect(found.share.id == first.id && found.node.id == file.id && found.share.ownerId == ada)
        #expect(try await store.sharedNode(tokenHash: "hash-9") == nil)
        try await store.recordShareAccess(id: first.id, download: true)
        try await store.recordShareAccess(id: first.id, download: false)
        let noted = try #require(try await store.sharedNode(tokenHash: "hash-1")).share
        #expect(noted.downloads == 1 && noted.lastAccessMs != nil)

        // In the trash (its folder's), the link opens nothing; back from it, it opens again.
        try await store.deleteNode(ownerId: ada, id: folder.id, kind: .folder, ifMatch: nil, permanent: false)
        #expect(try await store.sharedNode(tokenHash: "hash-1") == nil)
        _ = try await store.restoreFromTrash(ownerId: ada, id: folder.id, onConflict: .fail)
        #expect(try await store.sharedNode(tokenHash: "hash-1") != nil)
        await #expect(throws: StoreError.shareNotFound) { try await store.deleteShare(ownerId: bob, id: first.id) }
        try await store.deleteShare(ownerId: ada, id: first.id)
        #expect(try await store.sharedNode(tokenHash: "hash-1") == nil)
        // Deleted for good, the node takes its links along.
        try await store.deleteNode(ownerId: ada, id: folder.id, kind: .folder, ifMatch: nil, permanent: true)
        #expect(try await store.shares(ownerId: ada, query: ShareQuery()).items.isEmpty)
        await database.remove()
    }

    @Test func passwordGuessesAreCountedPerLinkAndPerAddress() async throws {
        let database = try await StoreBackend.sqlite.makeDatabase()
        let store = try await database.open()
        let throttle = LoginThrottle(store: store, perEmail: 3, perAddress: 5)
        for _ in 0..<3 { try await throttle.recordFailure(share: "A", address: "10.0.0.1") }
        #expect(try await throttle.retryAfter(share: "A", address: "10.0.0.2") != nil)  // the link, from anywhere
        #expect(try await throttle.retryAfter(share: "B", address: "10.0.0.1") == nil)
        for _ in 0..<2 { try await throttle.recordFailure(share: "B", address: "10.0.0.1") }
        #expect(try await throttle.retryAfter(share: "C", address: "10.0.0.1") != nil)  // the address, for any link
        #expect(try await throttle.retryAfter(share: "C", address: "10.0.0.2") == nil)
        // Guesses at links never lock an account's login, nor the address's logins.
        #expect(try await throttle.retryAfter(email: "A", address: "10.0.0.1") == nil)
        await database.remove()
    }
}

@Suite struct ShareRouteTests {
    @Test func aLinkExpiresWhenTheClockPassesItsTimeAndATokenIsOnlyInTheAnswerThatMadeIt() async throws {
        let clock = TestClock()
        try await Harness.run(clock: clock) { app in
            let ada = try await app.user()
            let folder = try await ada.mkdir("Pub")
            _ = try await ada.upload("a.txt", "hello", in: folder["id"] as? String)
            let expires = Timestamp.format(clock.now.addingTimeInterval(3600))
            let created = try await ada.call(.post, "/shares/", json: ["node_id": folder["id"]!, "expires_at": expires])
            #expect(created.status == .created)
            let link = try created.object()["url_path"] as! String
            let token = try created.object()["token"] as! String
            #expect(try await app.call(.get, link + "/a.txt").text == "hello")
            let list = try await ada.call(.get, "/shares/")
            #expect(!list.text.contains(token))
            clock.advance(3599)
            #expect(try await app.call(.get, link).status == .ok)
            clock.advance(2)
            let expired = try await app.call(.get, link + "/a.txt")
            #expect(expired.status == .gone && expired.text.contains("share_expired"))
            // An expiry in the past (by the server's clock) is refused.
            let past = try await ada.call(.post, "/shares/", json: ["node_id": folder["id"]!, "expires_at": expires])
            #expect(past.status == .badRequest)
        }
    }

    @Test func sharePathsDecodeSegmentsAndRefuseWhatCannotBeNames() throws {
        let path = try #require(SharePath(requestPath: "/s/tok/a%20b/c%2Fd/?limit=1"))
        #expect(path.token == "tok" && path.names == ["a b", "c/d"] && path.trailingSlash)
        #expect(SharePath(requestPath: "/s/tok/a//b") == nil)
        #expect(SharePath(requestPath: "/s/tok/%c0%ae") == nil)
        #expect(SharePath(requestPath: "/s/tok/%zz") == nil)
        #expect(SharePath(requestPath: "/s//a") == nil)
        #expect(path.href(["a b", "é"], folder: true) == "/s/tok/a%20b/%C3%A9/")
        #expect(ShareTokens.isWellFormed(Substring(ShareTokens.generate())))
        #expect(!ShareTokens.isWellFormed("short") && !ShareTokens.isWellFormed(Substring(String(repeating: "a", count: 31) + "/")))
    }
}
