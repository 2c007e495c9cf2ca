import Foundation
import GRDB
import NIOCore
import PapersCore
import Testing

@testable import PapersServer

/// Content no file uses is removed only a grace period later, by one collector at a time.
@Suite struct CollectionTests {
    struct World {
        let root: String
        let store: SQLiteMetadataStore
        let owner: String

        init() async throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("papers-gc-\(UUID().uuidString)").path
            let blobs = try DiskBlobStore(root: root)
            store = try SQLiteMetadataStore(writer: try DatabaseQueue(configuration: SQLiteMetadataStore.configuration), blobs: blobs)
            owner = try await store.createUser(email: "ada@example.com", fullname: "Ada", passwordHash: "x", quotaBytes: nil).id
        }

        func upload(_ name: String, _ text: String, onConflict: OnConflict = .fail) async throws -> NodeRecord {
            let staged = try store.blobs.stage(limit: UploadLimit(maxUpload: nil, quotaRemaining: nil))
            try staged.write(ByteBuffer(string: text))
            let finished = try await staged.finish(expectedSHA256: nil)
            let (node, _) = try await store.createFile(
                ownerId: owner, parentId: nil, name: name, mimeType: "text/plain", content: finished, onConflict: onConflict)
            await store.blobs.removeLeftover(finished)
            return node
        }

        func exists(_ text: String) -> Bool {
            FileManager.default.fileExists(atPath: store.blobs.path(for: sha256Hex(text)))
        }

        func remove() { try? FileManager.default.removeItem(atPath: root) }
    }

    static func ms(_ offset: TimeInterval) -> Int64 { Timestamp.milliseconds(Date().addingTimeInterval(offset)) }

    @Test func contentTakenBackWithinTheGraceIsKept() async throws {
        let world = try await World()
        defer { world.remove() }
        let first = try await world.upload("a.txt", "same bytes")
        try await world.store.deleteNode(ownerId: world.owner, id: first.id, kind: .any, ifMatch: nil)
        #expect(world.exists("same bytes"), "kept for the grace period")
        // Used again before the collector came: the mark is cleared, nothing is removed.
        _ = try await world.upload("b.txt", "same bytes")
        #expect(try await world.store.collectUnreferenced(before: Self.ms(60)) == 0)
        #expect(world.exists("same bytes"))
        // Unused and past the grace: removed, row and file.
        let lone = try await world.upload("c.txt", "alone")
        try await world.store.deleteNode(ownerId: world.owner, id: lone.id, kind: .any, ifMatch: nil)
        #expect(try await world.store.collectUnreferenced(before: Self.ms(-60)) == 0, "still within the grace")
        #expect(try await world.store.collectUnreferenced(before: Self.ms(60)) == 1)
        #expect(!world.exists("alone"))
        #expect(try world.store.reading { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM blobs") } == 1)
    }

    @Test func oneCollectorAtATime() async throws {
        let world = try await World()
        defer { world.remove() }
        #expect(try await world.store.acquireLease("blob-collector", holder: "A", seconds: 60))
        #expect(try await world.store.acquireLease("blob-collector", holder: "A", seconds: 60), "renewed by its holder")
        #expect(try await world.store.acquireLease("blob-collector", holder: "B", seconds: 60) == false)
        #expect(try await world.store.acquireLease("other-job", holder: "B", seconds: 60))
        // A holder that stops renewing loses it once it expires.
        #expect(try await world.store.acquireLease("short", holder: "A", seconds: -1))
        #expect(try await world.store.acquireLease("short", holder: "B", seconds: 60))
    }

    @Test func filesWithoutARowGoOnceOldEnough() async throws {
        let world = try await World()
        defer { world.remove() }
        _ = try await world.upload("kept.txt", "kept")
        let orphan = world.store.blobs.path(for: sha256Hex("orphan"))
        try FileManager.default.createDirectory(atPath: (orphan as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: orphan, contents: Data("orphan".utf8))
        #expect(try await world.store.sweepOrphanFiles(changedBefore: Date().addingTimeInterval(-3600)) == 0, "too recent")
        #expect(try await world.store.sweepOrphanFiles(changedBefore: Date().addingTimeInterval(60)) == 1)
        #expect(!FileManager.default.fileExists(atPath: orphan))
        #expect(world.exists("kept"))
    }

    @Test func renamingPicksTheFirstFreeNumberFromOneRead() async throws {
        let world = try await World()
        defer { world.remove() }
        var names: [String] = []
        for i in 0..<6 { names.append(try await world.upload("r.txt", "v\(i)", onConflict: .rename).name) }
        #expect(names == ["r.txt", "r (1).txt", "r (2).txt", "r (3).txt", "r (4).txt", "r (5).txt"])
        let two = try #require(try await world.store.child(ownerId: world.owner, parentId: nil, name: "r (2).txt"))
        try await world.store.deleteNode(ownerId: world.owner, id: two.id, kind: .any, ifMatch: nil)
        #expect(try await world.upload("r.txt", "again", onConflict: .rename).name == "r (2).txt", "the first free number")
        #expect(try await world.upload("r.txt", "more", onConflict: .rename).name == "r (6).txt")
        // Names that only look alike are not counted: "r (x).txt", "r (7) copy.txt".
        _ = try await world.upload("r (x).txt", "x")
        #expect(try await world.upload("r.txt", "last", onConflict: .rename).name == "r (7).txt")
        #expect(try await world.upload(".profile", "p").name == ".profile")
        #expect(try await world.upload(".profile", "q", onConflict: .rename).name == ".profile (1)")
    }
}
