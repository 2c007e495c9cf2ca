import Foundation
import NIOCore
import PapersCore
import Testing

@testable import PapersServer

/// What WebDAV keeps in every `MetadataStore`, on SQLite and PostgreSQL: app passwords (hashed,
/// per user), dead properties (all or nothing, gone with their node), and locks (conflicts decided
/// in the transaction, expiry, refresh, removal by token and owner).
@Suite struct WebDAVStoreTests {
    @Test(arguments: StoreBackend.allCases) func appPasswordsAreTheirUsersAndFoundByHash(backend: StoreBackend) async throws {
        let database = try await backend.makeDatabase()
        let store = try await database.open()
        let ada = try await store.createUser(email: "ada@example.com", fullname: "Ada", passwordHash: "h", quotaBytes: nil)
        let bob = try await store.createUser(email: "bob@example.com", fullname: "Bob", passwordHash: "h", quotaBytes: nil)
        let phone = try await store.createAppPassword(userId: ada.id, name: "phone", secretHash: AppPasswords.hash("s1"))
        _ = try await store.createAppPassword(userId: bob.id, name: "bob's", secretHash: AppPasswords.hash("s2"))
        #expect(try await store.appPasswords(userId: ada.id).map(\.name) == ["phone"])
        let found = try #require(try await store.basicCredentials(email: "ada@example.com", appPasswordHash: AppPasswords.hash("s1")))
        #expect(found.user.id == ada.id && found.appPasswordId == phone.id && !found.holdsLocks)
        // Bob's secret with Ada's e-mail, or an unknown secret: the account, no app password.
        #expect(try await store.basicCredentials(email: "ada@example.com", appPasswordHash: AppPasswords.hash("s2"))?.appPasswordId == nil)
        #expect(try await store.basicCredentials(email: "nobody@example.com", appPasswordHash: AppPasswords.hash("s1")) == nil)
        await #expect(throws: StoreError.appPasswordNotFound) { try await store.deleteAppPassword(userId: bob.id, id: phone.id) }
        try await store.deleteAppPassword(userId: ada.id, id: phone.id)
        #expect(try await store.basicCredentials(email: "ada@example.com", appPasswordHash: AppPasswords.hash("s1"))?.appPasswordId == nil)
        await database.remove()
    }

    @Test(arguments: StoreBackend.allCases) func deadPropertiesAreSetAndRemovedTogetherAndGoWithTheirNode(backend: StoreBackend) async throws {
        let database = try await backend.makeDatabase()
        let store = try await database.open()
        let ada = try await store.createUser(email: "ada@example.com", fullname: "Ada", passwordHash: "h", quotaBytes: nil).id
        let bob = try await store.createUser(email: "bob@example.com", fullname: "Bob", passwordHash: "h", quotaBytes: nil).id
        let file = try await StoreConformanceTests.file(store, ada, "a.txt")
        let color = PropertyName(namespace: "urn:x", name: "color")
        let size = PropertyName(namespace: "", name: "size")
        try await store.patchDeadProperties(
            ownerId: ada, nodeId: file.id, set: [DeadProperty(name: color, value: "red"), DeadProperty(name: size, value: "<b xmlns=\"\">1</b>")],
            remove: [])
        try await store.patchDeadProperties(ownerId: ada, nodeId: file.id, set: [DeadProperty(name: color, value: "blue")], remove: [size])
        #expect(try await store.deadProperties(ownerId: ada, nodeIds: [file.id]) == [file.id: [DeadProperty(name: color, value: "blue")]])
        // Someone else neither reads nor writes them.
        #expect(try await store.deadProperties(ownerId: bob, nodeIds: [file.id]).isEmpty)
        await #expect(throws: StoreError.nodeNotFound) {
            try await store.patchDeadProperties(ownerId: bob, nodeId: file.id, set: [DeadProperty(name: color, value: "x")], remove: [])
        }
        try await store.deleteNode(ownerId: ada, id: file.id, kind: .file, ifMatch: nil, permanent: true)
        #expect(try await store.deadProperties(ownerId: ada, nodeIds: [file.id]).isEmpty)
        await database.remove()
    }

    @Test(arguments: StoreBackend.allCases) func locksConflictExpireRefreshAndGo(backend: StoreBackend) async throws {
        let clock = TestClock()
        let database = try await backend.makeDatabase()
        let store = try await database.open(now: { clock.now })
        let ada = try await store.createUser(email: "ada@example.com", fullname: "Ada", passwordHash: "h", quotaBytes: nil).id
        let nowMs = Timestamp.milliseconds(clock.now)
        func lock(_ path: String, deep: Bool = false, shared: Bool = false) -> LockRecord {
            LockRecord(
                token: "urn:uuid:" + RandomID.uuid(), ownerId: ada, path: path, nodeId: "n" + path, deep: deep, shared: shared, ownerXML: "me",
                timeoutSeconds: 60, expiresMs: nowMs + 60_000)
        }
        let folder = lock("/Work", deep: true)
        try await store.createLock(folder) { held in held.contains { folder.conflicts(with: $0) } }
        #expect(try await store.basicCredentials(email: "ada@example.com", appPasswordHash: "none")?.holdsLocks == true)
        let inside = lock("/Work/a.txt")
        await #expect(throws: StoreError.locked) { try await store.createLock(inside) { held in held.contains { inside.conflicts(with: $0) } } }
        let beside = lock("/Workshop")
        try await store.createLock(beside) { held in held.contains { beside.conflicts(with: $0) } }
        let sharedOne = lock("/s", shared: true)
        let sharedTwo = lock("/s", shared: true)
        try await store.createLock(sharedOne) { held in held.contains { sharedOne.conflicts(with: $0) } }
        try await store.createLock(sharedTwo) { held in held.contains { sharedTwo.conflicts(with: $0) } }
        #expect(Set(try await store.locks(ownerId: ada).map(\.token)) == [folder.token, beside.token, sharedOne.token, sharedTwo.token])
        // A refresh moves the expiry; an expired lock is gone.
        clock.advance(50)
        #expect(try await store.refreshLock(ownerId: ada, token: folder.token, timeoutSeconds: 60)?.expiresMs == nowMs + 110_000)
        clock.advance(20)
        #expect(Set(try await store.locks(ownerId: ada).map(\.token)) == [folder.token])
        #expect(try await store.refreshLock(ownerId: ada, token: beside.token, timeoutSeconds: 60) == nil)
        #expect(try await store.deleteLocks(ownerId: "someone else", tokens: [folder.token]) == 0)
        #expect(try await store.deleteLocks(ownerId: ada, tokens: [folder.token]) == 1)
        #expect(try await store.locks(ownerId: ada).isEmpty)
        await database.remove()
    }

    @Test func lockPathsCoverWhatIsBelowThemOnlyWhenDeep() {
        func lock(_ path: String, deep: Bool, shared: Bool = false) -> LockRecord {
            LockRecord(token: "t", ownerId: "o", path: path, nodeId: "n", deep: deep, shared: shared, ownerXML: nil, timeoutSeconds: 1, expiresMs: 0)
        }
        #expect(lock("", deep: true).covers("/a/b"))
        #expect(!lock("", deep: false).covers("/a"))
        #expect(lock("/a", deep: true).covers("/a/b") && !lock("/a", deep: true).covers("/ab"))
        #expect(lock("/a", deep: false).covers("/a") && !lock("/a", deep: false).covers("/a/b"))
        #expect(lock("/a", deep: true).conflicts(with: lock("/a/b", deep: false)))
        #expect(!lock("/a", deep: true, shared: true).conflicts(with: lock("/a/b", deep: false, shared: true)))
        #expect(!lock("/a", deep: false).conflicts(with: lock("/a/b", deep: false)))
    }
}

/// `If:` headers, request paths and `Destination`s, XML bodies: the parsing WebDAV does by hand.
@Suite struct WebDAVParsingTests {
    /// The fast `allprop` writer a Depth 1 listing uses says exactly what the general one does.
    @Test func theListingWriterMatchesTheGeneralResponse() {
        let lock = LockRecord(
            token: "urn:uuid:1", ownerId: "o", path: "/a b", nodeId: "n", deep: true, shared: false, ownerXML: "me", timeoutSeconds: 60,
            expiresMs: 60_000)
        let context = DAVProperties.Context(request: .all(include: []), locks: [lock], nowMs: 0, quota: nil)
        let dead = [DeadProperty(name: PropertyName(namespace: "urn:z", name: "colour"), value: "blue &amp; green")]
        for isFolder in [false, true] {
            let node = NodeRecord(
                id: "n1234567", ownerId: "o", parentId: "p", name: "x & <y>.txt", isFolder: isFolder, size: 12, mimeType: "text/plain",
                sha256: isFolder ? nil : String(repeating: "a", count: 64), createdMs: 1_000, modifiedMs: 2_000, version: 3)
            let path = DAVPath(names: ["a b", node.name])
            let general = DAVProperties.response(node, path: path, dead: dead, context: context)
            var buffer = ByteBuffer()
            DAVProperties.writeAll(node, name: node.name, href: path.href(folder: isFolder), dead: dead, context: context, into: &buffer)
            #expect(String(buffer: buffer) == general)
            #expect(general.contains("urn:uuid:1") && general.contains("x &amp; &lt;y&gt;.txt"))
        }
    }

    @Test func httpDatesAreIMFFixdates() {
        #expect(HTTPDate.format(milliseconds: 784_111_777_000) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(milliseconds: 1_796_313_600_999) == "Thu, 03 Dec 2026 16:00:00 GMT")
        #expect(HTTPDate.format(milliseconds: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
    }

    @Test func ifHeadersParseTaggedAndUntaggedListsAndRefuseGarbage() throws {
        let header = try DAVIfHeader("(<urn:uuid:1> [\"e1\"]) (Not <DAV:no-lock>)")
        #expect(header.lists.count == 2 && header.lists[1].conditions == [.init(negated: true, kind: .token("DAV:no-lock"))])
        #expect(header.tokens == ["urn:uuid:1", "DAV:no-lock"])
        let tagged = try DAVIfHeader("<http://h/dav/a> (<urn:uuid:2>) <http://h/dav/b> ([W/\"x\"])")
        #expect(tagged.lists.map(\.resource) == ["http://h/dav/a", "http://h/dav/b"])
        for bad in ["", "()", "(<unterminated", "urn:uuid:1", "(<a>) junk", "([etag)"] {
            #expect(throws: DAVIfHeader.Invalid.self) { _ = try DAVIfHeader(bad) }
        }
    }

    @Test func requestPathsDecodeToNFCNamesAndRefuseDotSegments() throws {
        #expect(try DAVPath(requestPath: "/dav/").names == [])
        #expect(try DAVPath(requestPath: "/dav").names == [])
        #expect(try DAVPath(requestPath: "/dav/a%20b//c/").names == ["a b", "c"])
        #expect(try DAVPath(requestPath: "/dav/cafe%CC%81").names == ["caf\u{E9}"])
        #expect(try DAVPath(requestPath: "/dav/a%2Fb").names == ["a/b"])
        for bad in ["/dav/..", "/dav/a/%2e%2e", "/dav/.", "/davx", "/api/v1", "/dav/%zz", "/dav/a#b", "/dav/a%00"] {
            #expect(throws: DAVPath.Invalid.self) { _ = try DAVPath(requestPath: bad) }
        }
        #expect(DAVPath(names: ["a b", "ü#?"]).href(folder: true) == "/dav/a%20b/%C3%BC%23%3F/")
    }

    @Test func destinationsMustBeOnThisServer() throws {
        #expect(try DAVPath(destination: "http://127.0.0.1:8080/dav/x%20y", host: "127.0.0.1:8080").names == ["x y"])
        #expect(try DAVPath(destination: "/dav/x", host: nil).names == ["x"])
        #expect(try DAVPath(destination: "http://example.com/dav/x", host: "example.com:80").names == ["x"])
        #expect(throws: DAVPath.Invalid.otherServer) { _ = try DAVPath(destination: "http://evil.example/dav/x", host: "127.0.0.1:8080") }
        #expect(throws: DAVPath.Invalid.self) { _ = try DAVPath(destination: "ftp://127.0.0.1/dav/x", host: "127.0.0.1") }
        #expect(throws: DAVPath.Invalid.self) { _ = try DAVPath(destination: "http://127.0.0.1:8080/api/v1", host: "127.0.0.1:8080") }
    }

    @Test func xmlBodiesKeepNamespacesAndRefuseDTDsAndDepth() throws {
        let root = try DAVXML.parse(Data("<D:propertyupdate xmlns:D=\"DAV:\" xmlns:z=\"urn:z\"><D:set><D:prop><z:p><z:q a=\"1\">t&amp;</z:q></z:p></D:prop></D:set></D:propertyupdate>".utf8))
        let property = try #require(root.child("set")?.child("prop")?.children.first)
        #expect(property.name == PropertyName(namespace: "urn:z", name: "p"))
        #expect(property.innerXML == "<q xmlns=\"urn:z\" a=\"1\">t&amp;</q>")
        for bad in ["<a", "<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>", String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100),
                    "<p:a xmlns:p=\"\"/>"] {
            #expect(throws: DAVXML.Invalid.self) { _ = try DAVXML.parse(Data(bad.utf8)) }
        }
    }
}
