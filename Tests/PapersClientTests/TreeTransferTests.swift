import Foundation
import PapersCore
import Synchronization
import PapersTestSupport
import Testing

@testable import PapersClient

/// The one tree walker of `papers put/get -r` and the TUI, against the real server.
@Suite(.serialized) struct TreeTransferTests {
    final class Record: Sendable {
        let started = Mutex<[String]>([])
        let done = Mutex<[TreeTransfer.Done]>([])
        let skipped = Mutex<[String]>([])

        var events: TreeTransfer.Events {
            TreeTransfer.Events(
                fileStarting: { file in self.started.withLock { $0.append(file.name) }; return nil },
                fileDone: { done in self.done.withLock { $0.append(done) } },
                skipped: { path, _ in self.skipped.withLock { $0.append(path) } })
        }
    }

    @Test func severalFilesAtOnceInWalkOrderAndAResumedTransferPassesOverWhatArrived() async throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let client = try await server.loggedInClient()
        let scratch = try Scratch()
        defer { scratch.remove() }
        let names = (0..<12).map { String(format: "f%02d.bin", $0) }
        try FileManager.default.createDirectory(atPath: scratch.path + "/many", withIntermediateDirectories: false)
        for name in names { _ = try scratch.file("many/\(name)", [UInt8](repeating: 1, count: 2 << 20)) }
        let running = Mutex((now: 0, most: 0))
        let events = TreeTransfer.Events(
            fileStarting: { _ in
                running.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
                return nil
            },
            fileEnded: { _ in running.withLock { $0.now -= 1 } })
        let nodes = try await TreeTransfer(client: client, events: events, parallelism: 4).upload(scratch.path + "/many", into: nil)
        #expect(nodes.map(\.name) == names, "the answers come back in the walk's order")
        #expect(running.withLock { $0.most } > 1 && running.withLock { $0.most } <= 4)
        #expect(running.withLock { $0.now } == 0, "every started file ended")

        // Down, four at once, passing over the files a paused run already had.
        let folder = try #require(try await client.resolve(RemotePath("/many")))
        let had = Set(nodes.prefix(5).map(\.id))
        let files = try await TreeTransfer(client: client, parallelism: 4, done: had).download(folder, to: scratch.path + "/back")
        #expect(files.map(\.node.name) == Array(names.dropFirst(5)))
        let back = try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/back").sorted()
        #expect(back == Array(names.dropFirst(5)))

        // A failure stops the rest: a name taken on the server under `.fail`.
        let again = try await TreeTransfer(client: client, conflicts: .always(.skip), parallelism: 4).upload(scratch.path + "/many", into: nil)
        #expect(again.isEmpty)
        await #expect(throws: ClientError.self) {
            try await TreeTransfer(client: client, parallelism: 4).upload(scratch.path + "/many", into: nil)
        }
    }

    @Test func upAndDownWithTheSameRules() async throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let client = try await server.loggedInClient()
        let scratch = try Scratch()
        defer { scratch.remove() }
        let tree = scratch.path + "/tree"
        try FileManager.default.createDirectory(atPath: tree + "/sub/深い", withIntermediateDirectories: true)
        _ = try scratch.file("tree/b.txt", Array("b".utf8))
        _ = try scratch.file("tree/a.txt", Array("a".utf8))
        _ = try scratch.file("tree/sub/深い/c.bin", [UInt8](repeating: 7, count: 5000))
        #expect(mkfifo(tree + "/pipe", 0o600) == 0)
        #expect(symlink(tree + "/nowhere", tree + "/dangling") == 0)

        #expect(try TreeTransfer.localSize(of: [tree]) == 5002)
        let up = Record()
        let nodes = try await TreeTransfer(client: client, events: up.events).upload(tree, into: nil)
        #expect(nodes.map(\.path) == ["/tree/a.txt", "/tree/b.txt", "/tree/sub/深い/c.bin"])  // name order
        #expect(up.started.withLock { $0 } == ["a.txt", "b.txt", "c.bin"])
        #expect(up.done.withLock { $0.count } == 3)
        #expect(up.skipped.withLock { $0 } == [tree + "/dangling", tree + "/pipe"])

        // Again into the same place: the folders are reused, the files conflict unless told.
        await #expect(throws: ClientError.self) { try await TreeTransfer(client: client).upload(tree, into: nil) }
        let again = try await TreeTransfer(client: client, conflicts: .always(.keepBoth)).upload(tree, into: nil)
        #expect(again.map(\.name) == ["a (1).txt", "b (1).txt", "c (1).bin"])

        // Down into a folder that exists: filled, with every file's SHA-256 checked by the client.
        let folder = try #require(try await client.resolve(RemotePath("/tree")))
        let down = Record()
        let target = scratch.path + "/back"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        let files = try await TreeTransfer(client: client, events: down.events).download(folder, to: target)
        #expect(files.count == 6)
        #expect(try sha256File(target + "/sub/深い/c.bin") == nodes[2].sha256)
        #expect(FileManager.default.fileExists(atPath: target + "/a (1).txt"))
        #expect(down.done.withLock { $0.count } == 6)

        // A file where a folder should go is refused, not overwritten.
        _ = try scratch.file("clash", Array("x".utf8))
        await #expect(throws: ClientError.localIO(message: scratch.path + "/clash exists and is not a folder")) {
            try await TreeTransfer(client: client).download(folder, to: scratch.path + "/clash")
        }
    }

    @Test func takenNamesAreSettledByTheRuleOnBothSides() async throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let client = try await server.loggedInClient()
        let scratch = try Scratch()
        defer { scratch.remove() }
        let local = try scratch.file("a.txt", Array("first".utf8))
        let original = try await TreeTransfer(client: client).upload(local, into: nil)[0]

        // Up: fail is the server's 409; skip sends nothing and says so; overwrite keeps the node id.
        await #expect(throws: ClientError.server(status: 409, code: "name_conflict", message: "Something named \"a.txt\" already exists in that folder.")) {
            try await TreeTransfer(client: client).upload(local, into: nil)
        }
        let up = Record()
        #expect(try await TreeTransfer(client: client, conflicts: .always(.skip), events: up.events).upload(local, into: nil).isEmpty)
        #expect(up.skipped.withLock { $0 } == [local])
        _ = try scratch.file("a.txt", Array("second, longer".utf8))
        let replaced = try await TreeTransfer(client: client, conflicts: .always(.overwrite)).upload(local, into: nil)[0]
        #expect(replaced.id == original.id)
        #expect(replaced.size == 14)

        // Asking: the question names what is there and what would replace it.
        let asked = Mutex<[Conflict]>([])
        func asking(_ answer: ConflictAnswer) -> ConflictRule {
            .ask { conflict in
                asked.withLock { $0.append(conflict) }
                return answer
            }
        }
        let both = try await TreeTransfer(client: client, conflicts: asking(.keepBoth)).upload(local, into: nil)[0]
        #expect(both.name == "a (1).txt")
        let question = try #require(asked.withLock { $0.first })
        #expect(question.place == .remote)
        #expect(question.path == "/a.txt")
        #expect(question.existing.size == 14 && question.incoming.size == 14)

        // Overwrite if newer: an older local file is skipped, a newer one replaces.
        var old = [timespec(tv_sec: 946_684_800, tv_nsec: 0), timespec(tv_sec: 946_684_800, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, local, &old, 0) == 0)
        #expect(try await TreeTransfer(client: client, conflicts: .always(.overwriteIfNewer)).upload(local, into: nil).isEmpty)
        let future = Int(Date().timeIntervalSince1970) + 3600
        var new = [timespec(tv_sec: future, tv_nsec: 0), timespec(tv_sec: future, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, local, &new, 0) == 0)
        #expect(try await TreeTransfer(client: client, conflicts: .always(.overwriteIfNewer)).upload(local, into: nil)[0].id == original.id)

        // Down: a local file is never replaced unless the rule says so.
        let node = try await client.node(id: original.id)
        let existing = try scratch.file("down.txt", Array("mine".utf8))
        await #expect(throws: ClientError.localConflict(path: existing)) {
            try await TreeTransfer(client: client).download(node, to: existing)
        }
        let down = Record()
        #expect(try await TreeTransfer(client: client, conflicts: .always(.skip), events: down.events).download(node, to: existing).isEmpty)
        #expect(down.skipped.withLock { $0 } == [existing])
        #expect(try String(contentsOfFile: existing, encoding: .utf8) == "mine")
        let beside = try await TreeTransfer(client: client, conflicts: asking(.keepBoth)).download(node, to: existing)
        #expect(beside.map(\.local) == [scratch.path + "/down (1).txt"])
        #expect(asked.withLock { $0.last?.place } == .local)
        #expect(asked.withLock { $0.last?.existing.size } == 4)
        #expect(try String(contentsOfFile: existing, encoding: .utf8) == "mine")
        _ = try await TreeTransfer(client: client, conflicts: .always(.overwrite)).download(node, to: existing)
        #expect(try String(contentsOfFile: existing, encoding: .utf8) == "second, longer")

        // Asking can stop the transfer.
        await #expect(throws: ClientError.cancelled) {
            try await TreeTransfer(client: client, conflicts: .ask { _ throws(ClientError) in throw .cancelled }).download(node, to: existing)
        }
    }

    @Test func aCancelledFileStopsTheWholeTransfer() async throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let client = try await server.loggedInClient()
        let scratch = try Scratch()
        defer { scratch.remove() }
        try FileManager.default.createDirectory(atPath: scratch.path + "/t", withIntermediateDirectories: false)
        for name in ["1", "2", "3"] { _ = try scratch.file("t/\(name)", Array(name.utf8)) }
        let count = Mutex(0)
        let events = TreeTransfer.Events(fileStarting: { _ throws(ClientError) in
            let n = count.withLock { value in
                value += 1
                return value
            }
            if n == 2 { throw .cancelled }
            return nil
        })
        await #expect(throws: ClientError.cancelled) {
            try await TreeTransfer(client: client, events: events).upload(scratch.path + "/t", into: nil)
        }
        let folder = try #require(try await client.resolve(RemotePath("/t")))
        #expect(try await client.listPage(parentId: folder.id).items.map(\.name) == ["1"])
    }

    @Test func foldersArePagedOnDemand() async throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let client = try await server.loggedInClient()
        for i in 0..<5 { _ = try await client.createFolder(name: "f\(i)", in: nil) }
        var pages: [[String]] = []
        for try await page in client.children(of: nil, pageSize: 2) { pages.append(page.map(\.name)) }
        #expect(pages == [["f0", "f1"], ["f2", "f3"], ["f4"]])
    }
}
