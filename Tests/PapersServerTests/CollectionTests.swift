import Foundation
import GRDB
import NIOCore
import PapersCore
import Testing

@testable import PapersServer

/// Content no file uses is removed only a grace period later, by one collector at a time, and never
/// while an upload on any process may still commit a node over it.
@Suite struct CollectionTests {
    /// A store, a blob folder, a staging area and a collector, over a clock the test moves.
    struct World {
        let root: String
        let clock = TestClock()
        let database: TestDatabase
        let store: any MetadataStore
        let blobs: DiskBlobStore
        let files: FileService
        let collector: BlobCollector
        let owner: String
        static let grace: TimeInterval = 30

        /// Without trash or versions unless a test asks: these tests are about content a delete or
        /// a replacement lets go of at once.
        init(_ backend: StoreBackend, retention: Retention = Retention(trashDays: 0, keepVersions: 0)) async throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("papers-gc-\(UUID().uuidString)").path
            blobs = try DiskBlobStore(directory: root + "/blobs")
            let clock = self.clock
            database = try await backend.makeDatabase()
            store = try await database.open(now: { clock.now }, retention: retention)
            var files = FileService(store: store, blobs: blobs, staging: try StagingArea(root: root + "/tmp"), maxUpload: nil)
            files.removalWait = .seconds(5)
            self.files = files
            collector = BlobCollector(store: store, blobs: blobs, grace: Self.grace, interval: 1, logger: .init(label: "test"))
            owner = try await store.createUser(email: "ada@example.com", fullname: "Ada", passwordHash: "x", quotaBytes: nil).id
        }

        func finished(_ text: String) async throws -> FinishedBlob {
            let staged = try files.stage(limit: UploadLimit(maxUpload: nil, quotaRemaining: nil), expectedLength: nil)
            try staged.write(ByteBuffer(string: text))
            return try await staged.finish(expectedSHA256: nil)
        }

        func upload(_ name: String, _ text: String, onConflict: OnConflict = .fail) async throws -> NodeRecord {
            try await files.createFile(
                ownerId: owner, parentId: nil, name: name, mimeType: "text/plain", content: try await finished(text), onConflict: onConflict
            ).node
        }

        func delete(_ node: NodeRecord) async throws {
            try await files.deleteNode(ownerId: owner, id: node.id, kind: .any, ifMatch: nil, permanent: true)
        }

        func exists(_ text: String) -> Bool {
            FileManager.default.fileExists(atPath: blobs.path(for: sha256Hex(text)))
        }

        /// The content's row, or nil without one.
        func row(_ text: String) async throws -> BlobRow? {
            let hash = sha256Hex(text)
            guard try await database.scalar("SELECT CAST(COUNT(*) AS TEXT) FROM blobs WHERE sha256 = '\(hash)'") == "1" else { return nil }
            return BlobRow(
                unreferenced: try await database.scalar("SELECT CAST(unreferenced_ms AS TEXT) FROM blobs WHERE sha256 = '\(hash)'") != nil,
                claimed: try await database.scalar("SELECT CAST(deleting_ms AS TEXT) FROM blobs WHERE sha256 = '\(hash)'") != nil)
        }

        func rowCount() async throws -> String? { try await database.scalar("SELECT CAST(COUNT(*) AS TEXT) FROM blobs") }

        /// Plants content at its address with no row, as a crash between the two commits leaves it.
        func plant(_ text: String, age: TimeInterval = 0) throws {
            let path = blobs.path(for: sha256Hex(text))
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
            let date = Date().addingTimeInterval(-age)
            try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: path)
        }

        func remove() async {
            try? FileManager.default.removeItem(atPath: root)
            await database.remove()
        }
    }

    struct BlobRow: Equatable {
        var unreferenced: Bool
        var claimed: Bool
    }

    @Test(arguments: StoreBackend.allCases) func contentTakenBackWithinTheGraceIsKept(backend: StoreBackend) async throws {
        let world = try await World(backend)
        let first = try await world.upload("a.txt", "same bytes")
        try await world.delete(first)
        #expect(world.exists("same bytes"), "kept for the grace period")
        // Used again before the collector came: the mark is cleared, nothing is removed.
        _ = try await world.upload("b.txt", "same bytes")
        world.clock.advance(World.grace + 1)
        #expect(try await world.collector.collectUnreferenced() == 0)
        #expect(world.exists("same bytes"))
        // Unused and past the grace: removed, row and file.
        let lone = try await world.upload("c.txt", "alone")
        try await world.delete(lone)
        #expect(try await world.collector.collectUnreferenced() == 0, "still within the grace")
        world.clock.advance(World.grace + 1)
        #expect(try await world.collector.collectUnreferenced() == 1)
        #expect(!world.exists("alone"))
        #expect(try await world.row("alone") == nil)
        #expect(try await world.rowCount() == "1")
        await world.remove()
    }

    @Test(arguments: StoreBackend.allCases) func oneCollectorAtATime(backend: StoreBackend) async throws {
        let world = try await World(backend)
        #expect(try await world.store.acquireLease("blob-collector", holder: "A", seconds: 60))
        #expect(try await world.store.acquireLease("blob-collector", holder: "A", seconds: 60), "renewed by its holder")
        #expect(try await world.store.acquireLease("blob-collector", holder: "B", seconds: 60) == false)
        #expect(try await world.store.acquireLease("other-job", holder: "B", seconds: 60))
        // A holder that stops renewing loses it once it expires.
        #expect(try await world.store.acquireLease("short", holder: "A", seconds: -1))
        #expect(try await world.store.acquireLease("short", holder: "B", seconds: 60))
        await world.remove()
    }

    @Test(arguments: StoreBackend.allCases) func aCollectorThatLostItsLeaseRemovesNothing(backend: StoreBackend) async throws {
        let world = try await World(backend)
        try await world.delete(try await world.upload("a.txt", "claimed"))
        world.clock.advance(World.grace + 1)
        // Another process holds the lease: this collector's removal step stops before the blob store.
        #expect(try await world.store.acquireLease("blob-collector", holder: "other", seconds: 600))
        #expect(try await world.collector.collectUnreferenced() == 0)
        #expect(world.exists("claimed"))
        // Its claim is left; once older than the lease plus the allowance, the next holder takes it over.
        #expect(try await world.row("claimed")?.claimed == true)
        world.clock.advance(world.collector.leaseSeconds + BlobCollector.removalAllowance + 601)
        #expect(try await world.collector.collectUnreferenced() == 1)
        #expect(!world.exists("claimed"))
        await world.remove()
    }

    @Test(arguments: StoreBackend.allCases) func anUploadThatFoundContentMidRemovalStoresItAgain(backend: StoreBackend) async throws {
        let world = try await World(backend)
        try await world.delete(try await world.upload("a.txt", "contested"))
        world.clock.advance(World.grace + 1)
        // The collector has claimed the content (it is still at its address) when an upload of the
        // same bytes commits: the commit waits for the claim, which ends with the bytes removed.
        let claimed = try await world.store.claimUnreferenced(
            before: world.clock.now.addingTimeInterval(-World.grace), abandonedBefore: .distantPast, limit: 10)
        #expect(claimed == [sha256Hex("contested")])
        let content = try await world.finished("contested")
        async let upload = world.files.createFile(
            ownerId: world.owner, parentId: nil, name: "b.txt", mimeType: "text/plain", content: content, onConflict: .fail)
        try await Task.sleep(for: .milliseconds(150))
        try await world.blobs.remove(claimed)
        try await world.store.forgetRemoved(claimed)
        let node = try await upload.node
        #expect(node.sha256 == sha256Hex("contested"))
        #expect(world.exists("contested"), "the upload wrote its bytes again after the removal")
        #expect(try await world.row("contested") == BlobRow(unreferenced: false, claimed: false), "referenced, not claimed")
        await world.remove()
    }

    @Test(arguments: StoreBackend.allCases) func contentAtItsAddressWithoutARowIsWrittenAgainBeforeItIsRecorded(backend: StoreBackend) async throws {
        let world = try await World(backend)
        try world.plant("found")
        // The store alone refuses to record content the upload did not write since it looked.
        let reference = ContentReference(sha256: sha256Hex("found"), size: 5, written: false)
        await #expect(throws: StoreError.contentNotRecorded) {
            try await world.store.createFile(
                ownerId: world.owner, parentId: nil, name: "x.txt", mimeType: "text/plain", content: reference, onConflict: .fail)
        }
        // Through the service, the upload commits the bytes again and is recorded.
        let node = try await world.upload("found.txt", "found")
        #expect(node.size == 5)
        #expect(try await world.row("found") == BlobRow(unreferenced: false, claimed: false))
        await world.remove()
    }

    @Test(arguments: StoreBackend.allCases) func contentWrittenForARefusedNodeIsLeftToTheCollector(backend: StoreBackend) async throws {
        let world = try await World(backend)
        _ = try await world.upload("taken.txt", "first")
        await #expect(throws: StoreError.nameConflict(name: "taken.txt")) {
            _ = try await world.upload("taken.txt", "refused bytes")
        }
        #expect(world.exists("refused bytes"))
        #expect(try await world.row("refused bytes")?.unreferenced == true, "recorded as unreferenced")
        world.clock.advance(World.grace + 1)
        #expect(try await world.collector.collectUnreferenced() == 1)
        #expect(!world.exists("refused bytes"))
        #expect(world.exists("first"))
        await world.remove()
    }

    @Test(arguments: StoreBackend.allCases) func contentWithoutARowGoesOnceOldEnough(backend: StoreBackend) async throws {
        let world = try await World(backend)
        _ = try await world.upload("kept.txt", "kept")
        try world.plant("young orphan", age: 60)
        try world.plant("old orphan", age: BlobCollector.unrecordedAge + 60)
        #expect(try await world.collector.sweepUnrecorded() == 1)
        #expect(!world.exists("old orphan"))
        #expect(world.exists("young orphan"), "it may be an upload about to commit its node")
        #expect(world.exists("kept"))
        #expect(try await world.row("old orphan") == nil, "the claim is forgotten with the bytes")
        await world.remove()
    }

    @Test(arguments: StoreBackend.allCases) func renamingPicksTheFirstFreeNumberFromOneRead(backend: StoreBackend) async throws {
        let world = try await World(backend)
        var names: [String] = []
        for i in 0..<6 { names.append(try await world.upload("r.txt", "v\(i)", onConflict: .rename).name) }
        #expect(names == ["r.txt", "r (1).txt", "r (2).txt", "r (3).txt", "r (4).txt", "r (5).txt"])
        let two = try #require(try await world.store.child(ownerId: world.owner, parentId: nil, name: "r (2).txt"))
        try await world.delete(two)
        #expect(try await world.upload("r.txt", "again", onConflict: .rename).name == "r (2).txt", "the first free number")
        #expect(try await world.upload("r.txt", "more", onConflict: .rename).name == "r (6).txt")
        // Names that only look alike are not counted: "r (x).txt", "r (7) copy.txt".
        _ = try await world.upload("r (x).txt", "x")
        #expect(try await world.upload("r.txt", "last", onConflict: .rename).name == "r (7).txt")
        #expect(try await world.upload(".profile", "p").name == ".profile")
        #expect(try await world.upload(".profile", "q", onConflict: .rename).name == ".profile (1)")
        await world.remove()
    }
}
