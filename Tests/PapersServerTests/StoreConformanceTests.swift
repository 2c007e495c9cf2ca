import Foundation
import PapersCore
import Testing

@testable import PapersServer

/// What every `MetadataStore` promises, run against SQLite and PostgreSQL alike: accounts, the tree's
/// names, paths, pages and sizes, edits and their preconditions, quotas and names under concurrent
/// writers (two stores on one database are two server processes), revocations and login failures
/// across processes. Content references and collection are in `CollectionTests`.
@Suite struct StoreConformanceTests {
    /// Content the store only knows by hash and size (it never touches bytes).
    static func content(_ text: String, size: Int64? = nil) -> ContentReference {
        ContentReference(sha256: sha256Hex(text), size: size ?? Int64(text.utf8.count), written: true)
    }

    static func file(_ store: any MetadataStore, _ owner: String, _ name: String, in parent: String? = nil, _ text: String = "x",
                     onConflict: OnConflict = .fail) async throws -> NodeRecord {
        try await store.createFile(
            ownerId: owner, parentId: parent, name: name, mimeType: "text/plain", content: content(text), onConflict: onConflict
        ).node
    }

    @Test(arguments: StoreBackend.allCases) func accountsHaveARootAndAUniqueEmail(backend: StoreBackend) async throws {
        let database = try await backend.makeDatabase()
        let store = try await database.open()
        let ada = try await store.createUser(email: "ada@example.com", fullname: "Ada", passwordHash: "h1", quotaBytes: 100)
        await #expect(throws: StoreError.emailTaken) {
            _ = try await store.createUser(email: "ada@example.com", fullname: "Other", passwordHash: "h2", quotaBytes: nil)
        }
        #expect(try await store.user(email: "ada@example.com") == ada)
        #expect(try await store.user(id: ada.id) == ada)
        #expect(try await store.user(email: "nobody@example.com") == nil)
        try await store.updatePasswordHash(userId: ada.id, hash: "h3")
        #expect(try await store.user(id: ada.id)?.passwordHash == "h3")
        #expect(try await store.usage(userId: ada.id).total == 0)
        #expect(try await store.quotaRemaining(userId: ada.id) == 100)
        _ = try await Self.file(store, ada.id, "a.txt", "0123456789")
        #expect(try await store.usage(userId: ada.id).total == 10)
        #expect(try await store.quotaRemaining(userId: ada.id) == 90)
        let bob = try await store.createUser(email: "bob@example.com", fullname: "Bob", passwordHash: "h", quotaBytes: nil)
        #expect(try await store.quotaRemaining(userId: bob.id) == nil)
        await database.remove()
    }

    @Test(arguments: StoreBackend.allCases) func namesPathsAndSizesFollowEveryChange(backend: StoreBackend) async throws {
        let database = try await backend.makeDatabase()
        let store = try await database.open()
        let owner = try await store.createUser(email: "ada@example.com", fullname: "Ada", passwordHash: "h", quotaBytes: nil).id
        let work = try await store.createFolder(ownerId: owner, parentId: nil, name: "Work", onConflict: .fail)
        #expect(work.path == "/Work" && work.visibleParentId == nil)
        await #expect(throws: StoreError.nameConflict(name: "Work")) {
            _ = try await store.createFolder(ownerId: owner, parentId: nil, name: "Work", onConflict: .fail)
        }
        #expect(try await store.createFolder(ownerId: owner, parentId: nil, name: "Work", onConflict: .rename).name == "Work (1)")
        let deep = try await store.createFolder(ownerId: owner, parentId: work.id, name: "Deep", onConflict: .fail)
        let report = try await Self.file(store, owner, "report.pdf", in: deep.id, "twelve bytes")
        #expect(report.path == "/Work/Deep/report.pdf" && report.visibleParentId == deep.id && report.mimeType == "text/plain")
        #expect(try await store.node(id: work.id, ownerId: owner, kind: .folder).size == 12)
        #expect(try await store.child(ownerId: owner, parentId: deep.id, name: "report.pdf")?.id == report.id)
        await #expect(throws: StoreError.isAFolder) { _ = try await store.node(id: work.id, ownerId: owner, kind: .file) }
        await #expect(throws: StoreError.nodeNotFound) { _ = try await store.node(id: report.id, ownerId: owner, kind: .folder) }
        // Someone else's ids are not found, whatever they name.
        let bob = try await store.createUser(email: "bob@example.com", fullname: "Bob", passwordHash: "h", quotaBytes: nil).id
        await #expect(throws: StoreError.nodeNotFound) { _ = try await store.node(id: report.id, ownerId: bob, kind: .any) }
        await #expect(throws: StoreError.nodeNotFound) {
            _ = try await store.createFolder(ownerId: bob, parentId: work.id, name: "in", onConflict: .fail)
        }
        await #expect(throws: StoreError.notAFolder) {
            _ = try await store.createFolder(ownerId: owner, parentId: report.id, name: "in", onConflict: .fail)
        }
        // A move carries the size; a folder cannot go into its own subtree; a stale If-Match is refused.
        // Deep's version went up with the file added below it: the etag of now is the one that fits.
        let current = try await store.node(id: deep.id, ownerId: owner, kind: .folder)
        #expect(current.version > deep.version)
        let moved = try await store.editNode(
            ownerId: owner, id: deep.id, kind: .folder, newName: "Moved", destination: .root, onConflict: .fail, ifMatch: current.etag)
        #expect(moved.path == "/Moved")
        #expect(try await store.node(id: work.id, ownerId: owner, kind: .folder).size == 0)
        #expect(try await store.node(id: report.id, ownerId: owner, kind: .file).path == "/Moved/report.pdf")
        await #expect(throws: StoreError.moveIntoOwnSubtree) {
            _ = try await store.editNode(
                ownerId: owner, id: work.id, kind: .folder, newName: nil, destination: .folder(work.id), onConflict: .fail, ifMatch: nil)
        }
        await #expect(throws: StoreError.preconditionFailed) {
            _ = try await store.editNode(
                ownerId: owner, id: moved.id, kind: .folder, newName: "Again", destination: nil, onConflict: .fail, ifMatch: deep.etag)
        }
        // Replacing content changes the size up the tree; deleting a subtree for good gives it all back.
        let replaced = try await store.replaceContent(ownerId: owner, id: report.id, content: Self.content("longer content!"), ifMatch: nil)
        #expect(replaced.size == 15 && replaced.version == report.version + 1)
        #expect(try await store.node(id: moved.id, ownerId: owner, kind: .folder).size == 15)
        try await store.deleteNode(ownerId: owner, id: moved.id, kind: .folder, ifMatch: nil, permanent: true)
        #expect(try await store.usage(userId: owner).total == 0)
        await #expect(throws: StoreError.nodeNotFound) { _ = try await store.node(id: report.id, ownerId: owner, kind: .any) }
        await database.remove()
    }

    @Test(arguments: StoreBackend.allCases) func pagesWalkEveryOrderWithCursors(backend: StoreBackend) async throws {
        let database = try await backend.makeDatabase()
        let store = try await database.open()
        let owner = try await store.createUser(email: "ada@example.com", fullname: "Ada", passwordHash: "h", quotaBytes: nil).id
        let names = ["b.txt", "A.txt", "c.txt", "ä.txt", "a.txt", "Z.txt", "10.txt", "9.txt"]
        for (i, name) in names.enumerated() { _ = try await Self.file(store, owner, name, String(repeating: "x", count: i + 1)) }
        for name in ["zeta", "Alpha"] { _ = try await store.createFolder(ownerId: owner, parentId: nil, name: name, onConflict: .fail) }
        for (sort, order) in [(SortField.name, SortDirection.asc), (.name, .desc), (.size, .desc), (.modified, .asc)] {
            var seen: [NodeRecord] = []
            var query = ListQuery(sort: sort, order: order, limit: 3)
            while true {
                let page = try await store.children(ownerId: owner, parentId: nil, query: query)
                seen += page.items
                guard let next = page.next else { break }
                query.after = next
            }
            #expect(seen.count == 10)
            let foldersFirst = seen.prefix(2).allSatisfy { $0.isFolder }
            #expect(foldersFirst, "folders first (\(sort) \(order))")
            let whole = try await store.children(ownerId: owner, parentId: nil, query: ListQuery(sort: sort, order: order, limit: 100))
            #expect(seen.map(\.id) == whole.items.map(\.id), "pages join up to the whole listing (\(sort) \(order))")
        }
        let byName = try await store.children(ownerId: owner, parentId: nil, query: ListQuery(limit: 100)).items.map(\.name)
        #expect(byName == ["Alpha", "zeta"] + names.sorted { NodeName.sortKey($0) == NodeName.sortKey($1) ? $0 < $1 : NodeName.sortKey($0) < NodeName.sortKey($1) })
        // A cursor only fits the listing that made it.
        let first = try await store.children(ownerId: owner, parentId: nil, query: ListQuery(limit: 1))
        let alpha = try #require(first.items.first)
        var foreign = ListQuery(limit: 1)
        foreign.after = first.next
        await #expect(throws: ValidationError.self) { _ = try await store.children(ownerId: owner, parentId: alpha.id, query: foreign) }
        await database.remove()
    }

    @Test(arguments: StoreBackend.allCases) func overwritingReplacesTheFileOfThatName(backend: StoreBackend) async throws {
        let database = try await backend.makeDatabase()
        // Without versions the old content is let go at once (with them it is kept: TrashVersionsSearchTests).
        let store = try await database.open(retention: Retention(keepVersions: 0))
        let owner = try await store.createUser(email: "ada@example.com", fullname: "Ada", passwordHash: "h", quotaBytes: nil).id
        let first = try await Self.file(store, owner, "doc.txt", "one")
        let (again, created) = try await store.createFile(
            ownerId: owner, parentId: nil, name: "doc.txt", mimeType: "text/plain", content: Self.content("two!"), onConflict: .overwrite)
        #expect(!created && again.id == first.id && again.size == 4 && again.version > first.version)
        #expect(try await database.scalar("SELECT CAST(COUNT(*) AS TEXT) FROM blobs WHERE unreferenced_ms IS NOT NULL") == "1", "the old content is released")
        _ = try await store.createFolder(ownerId: owner, parentId: nil, name: "dir", onConflict: .fail)
        await #expect(throws: StoreError.nameConflict(name: "dir")) {
            _ = try await store.createFile(
                ownerId: owner, parentId: nil, name: "dir", mimeType: "text/plain", content: Self.content("x"), onConflict: .overwrite)
        }
        await database.remove()
    }

    @Test(arguments: StoreBackend.allCases) func theQuotaHoldsAgainstConcurrentProcesses(backend: StoreBackend) async throws {
        let database = try await backend.makeDatabase()
        let a = try await database.open()
        let b = try await database.open()
        let owner = try await a.createUser(email: "ada@example.com", fullname: "Ada", passwordHash: "h", quotaBytes: 5 * 1000).id
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<20 {
                let store = i.isMultiple(of: 2) ? a : b
                group.addTask {
                    do {
                        _ = try await store.createFile(
                            ownerId: owner, parentId: nil, name: "f\(i).bin", mimeType: "application/octet-stream",
                            content: Self.content("content \(i)", size: 1000), onConflict: .fail)
                        return true
                    } catch StoreError.quotaExceeded {
                        return false
                    }
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 5, "exactly the quota's worth")
        #expect(try await a.usage(userId: owner).total == 5000)
        #expect(try await b.quotaRemaining(userId: owner) == 0)
        await database.remove()
    }

    @Test(arguments: StoreBackend.allCases) func oneOfManyProcessesGetsAName(backend: StoreBackend) async throws {
        let database = try await backend.makeDatabase()
        let a = try await database.open()
        let b = try await database.open()
        let owner = try await a.createUser(email: "ada@example.com", fullname: "Ada", passwordHash: "h", quotaBytes: nil).id
        let created = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<12 {
                let store = i.isMultiple(of: 2) ? a : b
                group.addTask {
                    do {
                        _ = try await store.createFolder(ownerId: owner, parentId: nil, name: "same", onConflict: .fail)
                        return true
                    } catch StoreError.nameConflict {
                        return false
                    }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(created == 1)
        // With `.rename`, every one of them gets a name of its own.
        let renamed = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<8 {
                let store = i.isMultiple(of: 2) ? a : b
                group.addTask { try await Self.file(store, owner, "r.txt", "r\(i)", onConflict: .rename).name }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(renamed.count == 8 && renamed.contains("r.txt") && renamed.contains("r (7).txt"))
        await database.remove()
    }

    @Test(arguments: StoreBackend.allCases) func logoutsAndLoginFailuresReachEveryProcess(backend: StoreBackend) async throws {
        let database = try await backend.makeDatabase()
        let a = try await database.open()
        let b = try await database.open()
        try await a.revokeToken(id: "token-1", expiresAt: Date().addingTimeInterval(3600))
        #expect(try await a.isTokenRevoked(id: "token-1"))
        #expect(try await b.isTokenRevoked(id: "token-1") == false, "not read yet")
        #expect(try await b.followRevocations() == 1)
        #expect(try await b.isTokenRevoked(id: "token-1"))
        #expect(try await b.followRevocations() == 0, "nothing new")
        // A store opened later loads what is already revoked.
        #expect(try await database.open().isTokenRevoked(id: "token-1"))

        let now = Date()
        try await a.recordLoginFailure(keys: ["email:ada@example.com", "address:127.0.0.1"], at: now, forgetBefore: now.addingTimeInterval(-60))
        try await b.recordLoginFailure(keys: ["email:ada@example.com"], at: now.addingTimeInterval(1), forgetBefore: now.addingTimeInterval(-60))
        let (count, oldest) = try await b.loginFailures(key: "email:ada@example.com", since: now.addingTimeInterval(-10))
        #expect(count == 2)
        #expect(abs((oldest ?? .distantPast).timeIntervalSince(now)) < 0.01)
        try await a.clearLoginFailures(key: "email:ada@example.com")
        #expect(try await b.loginFailures(key: "email:ada@example.com", since: .distantPast).count == 0)
        #expect(try await b.loginFailures(key: "address:127.0.0.1", since: .distantPast).count == 1)
        await database.remove()
    }

    /// PostgreSQL announces a logout as it commits: a listening store has it without polling.
    @Test func aLogoutIsAnnouncedToEveryListeningProcess() async throws {
        let database = try await StoreBackend.postgres.makeDatabase()
        let a = try await database.open()
        let b = try await database.open()
        let listening = Task { await b.listenForRevocations() }
        defer { listening.cancel() }
        // The listener is up once an announcement made after it started arrives.
        var heard = false
        for attempt in 0..<100 where !heard {
            try await a.revokeToken(id: "warm-up-\(attempt)", expiresAt: Date().addingTimeInterval(3600))
            try await Task.sleep(for: .milliseconds(50))
            heard = try await b.isTokenRevoked(id: "warm-up-\(attempt)")
        }
        #expect(heard, "the listening store never heard a logout")
        try await a.revokeToken(id: "token-1", expiresAt: Date().addingTimeInterval(3600))
        let deadline = Date().addingTimeInterval(1)
        while try await !b.isTokenRevoked(id: "token-1"), Date() < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(try await b.isTokenRevoked(id: "token-1"), "announced within a second, without followRevocations")
        await database.remove()
    }
}
