import Foundation
import PapersCore
import Testing

@testable import PapersServer

/// The trash, versions and search as every `MetadataStore` keeps them, on SQLite and PostgreSQL:
/// what a delete hides and a restore brings back, where a restore lands, what the quota counts,
/// the purge after the retention (an injected clock), numbered versions and their limit, and search
/// pages (order, cursors, the trash and other users left out).
@Suite struct TrashVersionsSearchTests {
    static func content(_ text: String) -> ContentReference { StoreConformanceTests.content(text) }

    static func file(_ store: any MetadataStore, _ owner: String, _ name: String, in parent: String? = nil, _ text: String = "x")
        async throws -> NodeRecord
    {
        try await StoreConformanceTests.file(store, owner, name, in: parent, text)
    }

    static func names(_ page: TrashedPage) -> [String] { page.items.map(\.node.name) }

    @Test(arguments: StoreBackend.allCases) func aDeleteGoesToTheTrashAndARestoreBringsItAllBack(backend: StoreBackend) async throws {
        let database = try await backend.makeDatabase()
        let store = try await database.open()
        let owner = try await store.createUser(email: "ada@example.com", fullname: "Ada", passwordHash: "h", quotaBytes: nil).id
        let work = try await store.createFolder(ownerId: owner, parentId: nil, name: "Work", onConflict: .fail)
        let sub = try await store.createFolder(ownerId: owner, parentId: work.id, name: "Sub", onConflict: .fail)
        let report = try await Self.file(store, owner, "report.txt", in: sub.id, "0123456789")
        try await store.deleteNode(ownerId: owner, id: work.id, kind: .folder, ifMatch: nil, permanent: false)
        // Gone from the tree: by id (the item and what is under it), from listings and sizes; its name is free.
        for id in [work.id, sub.id, report.id] {
            await #expect(throws: StoreError.nodeNotFound) { _ = try await store.node(id: id, ownerId: owner, kind: .any) }
        }
        await #expect(throws: StoreError.nodeNotFound) {
            _ = try await store.createFolder(ownerId: owner, parentId: sub.id, name: "in the trash", onConflict: .fail)
        }
        #expect(try await store.children(ownerId: owner, parentId: nil, query: ListQuery()).items.isEmpty)
        #expect(try await store.usage(userId: owner) == Usage(files: 0, trash: 10, versions: 0))
        let again = try await store.createFolder(ownerId: owner, parentId: nil, name: "Work", onConflict: .fail)
        // A second delete of it is not found; the trash shows the top of the deletion only.
        await #expect(throws: StoreError.nodeNotFound) {
            try await store.deleteNode(ownerId: owner, id: work.id, kind: .any, ifMatch: nil, permanent: false)
        }
        let trash = try await store.trash(ownerId: owner, query: TrashQuery())
        #expect(Self.names(trash) == ["Work"])
        let item = try #require(trash.items.first)
        #expect(item.originalPath == "/Work" && item.originalParentId == nil && item.node.size == 10 && item.node.path == "/Work")
        // Back onto a taken name: refused unless renamed. Only the top is restorable.
        await #expect(throws: StoreError.nameConflict(name: "Work")) {
            _ = try await store.restoreFromTrash(ownerId: owner, id: work.id, onConflict: .fail)
        }
        await #expect(throws: StoreError.nodeNotFound) { _ = try await store.restoreFromTrash(ownerId: owner, id: sub.id, onConflict: .rename) }
        let restored = try await store.restoreFromTrash(ownerId: owner, id: work.id, onConflict: .rename)
        #expect(restored.name == "Work (1)" && restored.path == "/Work (1)" && restored.size == 10)
        #expect(try await store.node(id: report.id, ownerId: owner, kind: .file).path == "/Work (1)/Sub/report.txt")
        #expect(try await store.usage(userId: owner) == Usage(files: 10, trash: 0, versions: 0))
        #expect(try await store.trash(ownerId: owner, query: TrashQuery()).items.isEmpty)
        _ = again
        await database.remove()
    }

    @Test(arguments: StoreBackend.allCases) func aRestoreGoesToTheRootWhenItsFolderIsGone(backend: StoreBackend) async throws {
        let database = try await backend.makeDatabase()
        let store = try await database.open()
        let owner = try await store.createUser(email: "ada@example.com", fullname: "Ada", passwordHash: "h", quotaBytes: nil).id
        let other = try await store.createUser(email: "bob@example.com", fullname: "Bob", passwordHash: "h", quotaBytes: nil).id
        let keep = try await store.createFolder(ownerId: owner, parentId: nil, name: "Keep", onConflict: .fail)
        let trashed = try await store.createFolder(ownerId: owner, parentId: nil, name: "Trashed", onConflict: .fail)
        let gone = try await store.createFolder(ownerId: owner, parentId: nil, name: "Gone", onConflict: .fail)
        let a = try await Self.file(store, owner, "a.txt", in: keep.id)
        let b = try await Self.file(store, owner, "b.txt", in: trashed.id)
        let c = try await Self.file(store, owner, "c.txt", in: gone.id)
        for node in [a, b, c] { try await store.deleteNode(ownerId: owner, id: node.id, kind: .file, ifMatch: nil, permanent: false) }
        try await store.deleteNode(ownerId: owner, id: trashed.id, kind: .folder, ifMatch: nil, permanent: false)
        try await store.deleteNode(ownerId: owner, id: gone.id, kind: .folder, ifMatch: nil, permanent: true)
        #expect(Set(Self.names(try await store.trash(ownerId: owner, query: TrashQuery()))) == ["a.txt", "b.txt", "c.txt", "Trashed"])
        // Someone else's trash is not found under another user, whatever the id.
        #expect(try await store.trash(ownerId: other, query: TrashQuery()).items.isEmpty)
        await #expect(throws: StoreError.nodeNotFound) { _ = try await store.restoreFromTrash(ownerId: other, id: a.id, onConflict: .rename) }
        await #expect(throws: StoreError.nodeNotFound) { try await store.eraseFromTrash(ownerId: other, id: a.id) }
        // A live node is not in the trash.
        await #expect(throws: StoreError.nodeNotFound) { _ = try await store.restoreFromTrash(ownerId: owner, id: keep.id, onConflict: .fail) }
        #expect(try await store.restoreFromTrash(ownerId: owner, id: a.id, onConflict: .fail).path == "/Keep/a.txt")
        #expect(try await store.restoreFromTrash(ownerId: owner, id: b.id, onConflict: .fail).path == "/b.txt", "its folder is in the trash")
        #expect(try await store.restoreFromTrash(ownerId: owner, id: c.id, onConflict: .fail).path == "/c.txt", "its folder is gone")
        await database.remove()
    }

    @Test(arguments: StoreBackend.allCases) func theTrashPagesNewestFirstAndEmpties(backend: StoreBackend) async throws {
        let clock = TestClock()
        let database = try await backend.makeDatabase()
        let store = try await database.open(now: { clock.now })
        let owner = try await store.createUser(email: "ada@example.com", fullname: "Ada", passwordHash: "h", quotaBytes: nil).id
        var names: [String] = []
        for i in 0..<7 {
            let node = try await Self.file(store, owner, "f\(i).txt", "content \(i)")
            try await store.deleteNode(ownerId: owner, id: node.id, kind: .file, ifMatch: nil, permanent: false)
            names.insert(node.name, at: 0)
            clock.advance(1)
        }
        var seen: [String] = []
        var query = TrashQuery(limit: 3)
        while true {
            let page = try await store.trash(ownerId: owner, query: query)
            seen += Self.names(page)
            guard let next = page.next else { break }
            query.after = next
        }
        #expect(seen == names)
        let newest = try #require(try await store.trash(ownerId: owner, query: TrashQuery(limit: 1)).items.first)
        try await store.eraseFromTrash(ownerId: owner, id: newest.node.id)
        await #expect(throws: StoreError.nodeNotFound) { try await store.eraseFromTrash(ownerId: owner, id: newest.node.id) }
        #expect(try await store.usage(userId: owner).trash == 6 * 9)
        try await store.emptyTrash(ownerId: owner)
        #expect(try await store.trash(ownerId: owner, query: TrashQuery()).items.isEmpty)
        #expect(try await store.usage(userId: owner) == Usage(files: 0, trash: 0, versions: 0))
        #expect(
            try await database.scalar("SELECT CAST(COUNT(*) AS TEXT) FROM blobs WHERE unreferenced_ms IS NOT NULL") == "7",
            "what the trash held is left to the collector")
        await database.remove()
    }

    @Test(arguments: StoreBackend.allCases) func thePeriodicJobPurgesTrashPastItsDaysAndVersionsPastTheirNumber(backend: StoreBackend) async throws {
        let clock = TestClock()
        let database = try await backend.makeDatabase()
        let store = try await database.open(now: { clock.now }, retention: Retention(trashDays: 30, keepVersions: 2))
        let owner = try await store.createUser(email: "ada@example.com", fullname: "Ada", passwordHash: "h", quotaBytes: nil).id
        let old = try await Self.file(store, owner, "old.txt", "old")
        try await store.deleteNode(ownerId: owner, id: old.id, kind: .file, ifMatch: nil, permanent: false)
        clock.advance(20 * 86_400)
        let recent = try await Self.file(store, owner, "recent.txt", "recent")
        try await store.deleteNode(ownerId: owner, id: recent.id, kind: .file, ifMatch: nil, permanent: false)
        let blobs = try DiskBlobStore(directory: FileManager.default.temporaryDirectory.appendingPathComponent("papers-p-\(UUID())").path)
        let collector = BlobCollector(store: store, blobs: blobs, grace: 60, interval: 1, logger: .init(label: "test"))
        #expect(try await collector.applyRetention() == (0, 0))
        clock.advance(11 * 86_400)  // old: 31 days in the trash; recent: 11
        #expect(try await collector.applyRetention() == (1, 0))
        #expect(Self.names(try await store.trash(ownerId: owner, query: TrashQuery())) == ["recent.txt"])
        // Versions past the number kept by an earlier, larger setting go in the same round.
        let wide = try await database.open(now: { clock.now }, retention: Retention(trashDays: 30, keepVersions: 5))
        let doc = try await Self.file(wide, owner, "doc.txt", "v1")
        for text in ["v2", "v3", "v4", "v5"] { _ = try await wide.replaceContent(ownerId: owner, id: doc.id, content: Self.content(text), ifMatch: nil) }
        #expect(try await store.versions(ownerId: owner, fileId: doc.id).versions.count == 5)
        #expect(try await collector.applyRetention() == (0, 2))
        #expect(try await store.versions(ownerId: owner, fileId: doc.id).versions.map(\.number) == [5, 4, 3])
        #expect(try await store.usage(userId: owner) == Usage(files: 2, trash: 6, versions: 4))
        await database.remove()
    }

    @Test(arguments: StoreBackend.allCases) func replacedContentIsKeptAsNumberedVersions(backend: StoreBackend) async throws {
        let database = try await backend.makeDatabase()
        let store = try await database.open(retention: Retention(trashDays: 30, keepVersions: 3))
        let owner = try await store.createUser(email: "ada@example.com", fullname: "Ada", passwordHash: "h", quotaBytes: nil).id
        let other = try await store.createUser(email: "bob@example.com", fullname: "Bob", passwordHash: "h", quotaBytes: nil).id
        let doc = try await Self.file(store, owner, "doc.txt", "one")
        _ = try await store.replaceContent(ownerId: owner, id: doc.id, content: Self.content("two!"), ifMatch: nil)
        // An overwriting upload is a replacement too.
        _ = try await store.createFile(
            ownerId: owner, parentId: nil, name: "doc.txt", mimeType: "text/plain", content: Self.content("three"), onConflict: .overwrite)
        var history = try await store.versions(ownerId: owner, fileId: doc.id)
        #expect(history.versions.map(\.number) == [3, 2, 1])
        #expect(history.versions.map(\.current) == [true, false, false])
        #expect(history.versions.map(\.sha256) == ["three", "two!", "one"].map { sha256Hex($0) })
        #expect(history.versions[0].etag(of: history.node) == history.node.etag)
        #expect(try await store.usage(userId: owner) == Usage(files: 5, trash: 0, versions: 7))
        let first = try await store.version(ownerId: owner, fileId: doc.id, number: 1)
        #expect(first.version.size == 3 && !first.version.current)
        await #expect(throws: StoreError.versionNotFound) { _ = try await store.version(ownerId: owner, fileId: doc.id, number: 9) }
        await #expect(throws: StoreError.nodeNotFound) { _ = try await store.versions(ownerId: other, fileId: doc.id) }
        await #expect(throws: StoreError.nodeNotFound) {
            _ = try await store.restoreVersion(ownerId: other, fileId: doc.id, number: 1, ifMatch: nil)
        }
        await #expect(throws: StoreError.preconditionFailed) {
            _ = try await store.restoreVersion(ownerId: owner, fileId: doc.id, number: 1, ifMatch: "\"stale-1\"")
        }
        // A restore makes the old content the newest version; numbers only grow.
        let restored = try await store.restoreVersion(ownerId: owner, fileId: doc.id, number: 1, ifMatch: history.node.etag)
        #expect(restored.sha256 == sha256Hex("one") && restored.size == 3 && restored.path == "/doc.txt")
        history = try await store.versions(ownerId: owner, fileId: doc.id)
        #expect(history.versions.map(\.number) == [4, 3, 2, 1])
        // Past the number kept, the oldest goes.
        _ = try await store.replaceContent(ownerId: owner, id: doc.id, content: Self.content("five5"), ifMatch: nil)
        history = try await store.versions(ownerId: owner, fileId: doc.id)
        #expect(history.versions.map(\.number) == [5, 4, 3, 2])
        #expect(try await store.usage(userId: owner) == Usage(files: 5, trash: 0, versions: 3 + 5 + 4))
        // The same content again makes no version.
        _ = try await store.replaceContent(ownerId: owner, id: doc.id, content: Self.content("five5"), ifMatch: nil)
        #expect(try await store.versions(ownerId: owner, fileId: doc.id).versions.count == 4)
        // A folder has no versions; a trashed file's are not found, and a delete for good takes them.
        let folder = try await store.createFolder(ownerId: owner, parentId: nil, name: "F", onConflict: .fail)
        await #expect(throws: StoreError.isAFolder) { _ = try await store.versions(ownerId: owner, fileId: folder.id) }
        try await store.deleteNode(ownerId: owner, id: doc.id, kind: .file, ifMatch: nil, permanent: false)
        await #expect(throws: StoreError.nodeNotFound) { _ = try await store.versions(ownerId: owner, fileId: doc.id) }
        #expect(try await store.usage(userId: owner) == Usage(files: 0, trash: 5, versions: 12), "a trashed file keeps its versions")
        _ = try await store.restoreFromTrash(ownerId: owner, id: doc.id, onConflict: .fail)
        #expect(try await store.versions(ownerId: owner, fileId: doc.id).versions.count == 4)
        try await store.deleteNode(ownerId: owner, id: doc.id, kind: .file, ifMatch: nil, permanent: true)
        #expect(try await store.usage(userId: owner) == Usage(files: 0, trash: 0, versions: 0))
        await database.remove()
    }

    @Test(arguments: StoreBackend.allCases) func theQuotaCountsTrashAndVersionsAndNeverDropsThemToMakeRoom(backend: StoreBackend) async throws {
        let database = try await backend.makeDatabase()
        let a = try await database.open()
        let b = try await database.open()
        let owner = try await a.createUser(email: "ada@example.com", fullname: "Ada", passwordHash: "h", quotaBytes: 3000).id
        let doc = try await a.createFile(
            ownerId: owner, parentId: nil, name: "doc.bin", mimeType: "application/octet-stream",
            content: ContentReference(sha256: sha256Hex("v0"), size: 1000, written: true), onConflict: .fail
        ).node
        // Two processes replace it at once, five times each way: every replacement keeps 1000 bytes
        // more, so exactly two fit.
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<10 {
                let store = i.isMultiple(of: 2) ? a : b
                group.addTask {
                    do {
                        _ = try await store.replaceContent(
                            ownerId: owner, id: doc.id, content: ContentReference(sha256: sha256Hex("v\(i + 1)"), size: 1000, written: true),
                            ifMatch: nil)
                        return true
                    } catch StoreError.quotaExceeded {
                        return false
                    }
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 2)
        #expect(try await a.usage(userId: owner) == Usage(files: 1000, trash: 0, versions: 2000))
        #expect(try await b.versions(ownerId: owner, fileId: doc.id).versions.count == 3, "no version dropped to make room")
        // Trash counts too: a file sent to the trash still fills the quota until the trash is emptied.
        try await a.deleteNode(ownerId: owner, id: doc.id, kind: .file, ifMatch: nil, permanent: false)
        await #expect(throws: StoreError.quotaExceeded) {
            _ = try await b.createFile(
                ownerId: owner, parentId: nil, name: "new.bin", mimeType: "application/octet-stream",
                content: ContentReference(sha256: sha256Hex("new"), size: 1, written: true), onConflict: .fail)
        }
        #expect(try await b.quotaRemaining(userId: owner) == 0)
        try await b.emptyTrash(ownerId: owner)
        #expect(try await a.quotaRemaining(userId: owner) == 3000)
        await database.remove()
    }

    @Test(arguments: StoreBackend.allCases) func searchFindsNamesAnywhereButTheTrashInListingOrder(backend: StoreBackend) async throws {
        let database = try await backend.makeDatabase()
        let store = try await database.open()
        let owner = try await store.createUser(email: "ada@example.com", fullname: "Ada", passwordHash: "h", quotaBytes: nil).id
        let other = try await store.createUser(email: "bob@example.com", fullname: "Bob", passwordHash: "h", quotaBytes: nil).id
        let work = try await store.createFolder(ownerId: owner, parentId: nil, name: "Reports", onConflict: .fail)
        let deep = try await store.createFolder(ownerId: owner, parentId: work.id, name: "2026 report drafts", onConflict: .fail)
        _ = try await Self.file(store, owner, "Annual REPORT.pdf", in: deep.id)
        _ = try await Self.file(store, owner, "report.txt")
        _ = try await Self.file(store, owner, "Café réport.txt", in: work.id)  // é precomposed
        _ = try await Self.file(store, owner, "unrelated.txt")
        let trashed = try await Self.file(store, owner, "old report.txt")
        try await store.deleteNode(ownerId: owner, id: trashed.id, kind: .file, ifMatch: nil, permanent: false)
        _ = try await Self.file(store, other, "bob's report.txt")
        let all = try await store.search(ownerId: owner, query: SearchQuery(text: "report"))
        // Folders first, then files, each by name as listings sort ("2026…" before "reports").
        #expect(all.items.map(\.path) == ["/Reports/2026 report drafts", "/Reports", "/Reports/2026 report drafts/Annual REPORT.pdf", "/report.txt"])
        #expect(all.items[2].visibleParentId == deep.id && all.items[1].visibleParentId == nil && all.items[0].visibleParentId == work.id)
        #expect(try await store.search(ownerId: owner, query: SearchQuery(text: "report", kind: .file)).items.count == 2)
        #expect(try await store.search(ownerId: owner, query: SearchQuery(text: "report", kind: .folder)).items.map(\.name) == ["2026 report drafts", "Reports"])
        #expect(try await store.search(ownerId: owner, query: SearchQuery(text: "réport")).items.map(\.name) == ["Café réport.txt"])
        // Short texts (no trigram), and texts with LIKE's and FTS's special characters, are literal.
        #expect(try await store.search(ownerId: owner, query: SearchQuery(text: "é")).items.map(\.name) == ["Café réport.txt"])
        #expect(try await store.search(ownerId: owner, query: SearchQuery(text: "%")).items.isEmpty)
        #expect(try await store.search(ownerId: owner, query: SearchQuery(text: "t\"x")).items.isEmpty)
        #expect(try await store.search(ownerId: owner, query: SearchQuery(text: "_")).items.isEmpty)
        await database.remove()
    }

    @Test(arguments: StoreBackend.allCases) func searchPagesJoinUpWhetherMatchesAreCommonOrRare(backend: StoreBackend) async throws {
        let database = try await backend.makeDatabase()
        let store = try await database.open()
        let owner = try await store.createUser(email: "ada@example.com", fullname: "Ada", passwordHash: "h", quotaBytes: nil).id
        // More rows than SQLite's walk reads before it asks the trigram index, with the rare matches
        // sorted last, so both ways to a page are taken.
        let count = SQLiteMetadataStore.walkBudget + 300
        let folder = try await store.createFolder(ownerId: owner, parentId: nil, name: "many", onConflict: .fail)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<16 {
                group.addTask {
                    for i in stride(from: worker, to: count, by: 16) {
                        let name = i % 500 == 499 ? String(format: "zz needle %05d.txt", i) : String(format: "file %05d.txt", i)
                        _ = try await Self.file(store, owner, name, in: folder.id, "\(i)")
                    }
                }
            }
            try await group.waitForAll()
        }
        for (text, expected) in [("needle", count / 500), ("file", count - count / 500)] {
            var names: [String] = []
            var query = SearchQuery(text: text, limit: 97)
            while true {
                let page = try await store.search(ownerId: owner, query: query)
                names += page.items.map(\.name)
                guard let next = page.next else { break }
                query.after = next
            }
            #expect(names.count == expected, "\(text)")
            #expect(names == names.sorted(), "\(text): in order")
            #expect(Set(names).count == names.count, "\(text): no repeats")
        }
        await database.remove()
    }
}
