import Foundation
import PapersTestSupport
import Testing

@testable import PapersClient
@testable import PapersCore

/// The libcurl client against the real server binary over loopback.
@Suite(.serialized) struct APIClientTests {
    /// `move(_:to:)` is `mv`'s rule for both faces: into an existing folder, or to a new path and name.
    @Test func moveFollowsMvRules() async throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let client = try await server.loggedInClient()
        let docs = try await client.createFolder(name: "Docs", in: nil)
        let archive = try await client.createFolder(name: "Archive", in: nil)
        let a = try await client.createFolder(name: "a", in: docs.id)
        let b = try await client.createFolder(name: "b", in: docs.id)

        // Into an existing folder, with or without the trailing slash: the name stays.
        var moved = try await client.move(a, to: RemotePath("/Archive"))
        #expect(moved.path == "/Archive/a")
        moved = try await client.move(moved, to: RemotePath("/Docs/"))
        #expect(moved.path == "/Docs/a")
        // To a path that does not exist: the last component is the new name, in its parent.
        moved = try await client.move(moved, to: RemotePath("/Archive/renamed"))
        #expect(moved.path == "/Archive/renamed" && moved.parentId == archive.id)
        moved = try await client.move(moved, to: RemotePath("/top"))
        #expect(moved.path == "/top" && moved.parentId == nil)
        // Onto an existing file name: 409; into a folder that is missing: 404.
        let scratch = try Scratch()
        defer { scratch.remove() }
        _ = try await client.upload(file: try scratch.file("taken", Array("x".utf8)), into: docs.id)
        await #expect(throws: ClientError.server(status: 409, code: "name_conflict", message: "/Docs/taken exists")) {
            try await client.move(b, to: RemotePath("/Docs/taken"))
        }
        do {
            _ = try await client.move(b, to: RemotePath("/Nowhere/"))
            Issue.record("expected 404")
        } catch {
            #expect(error.status == 404)
        }

        // Several ids into one folder, resolved once; the root too.
        let folder = try await client.move(ids: [b.id, moved.id], into: RemotePath("/Archive"))
        #expect(folder?.id == archive.id)
        #expect(try await client.listPage(parentId: archive.id).items.map(\.name).sorted() == ["b", "top"])
        #expect(try await client.move(ids: [b.id], into: RemotePath("/")) == nil)
        #expect(try await client.node(id: b.id).parentId == nil)
    }

    @Test func everyCall() async throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        #expect(try await APIClient(server: server.url).health().status == "ok")
        let client = try await server.loggedInClient()
        let account = try await client.me()
        #expect(account.id == client.credentials?.userId)

        let work = try await client.createFolder(name: "Work", in: nil)
        let year = try await client.createFolder(name: "2026", in: work.id)
        let local = try scratch.file("日本語 notes.txt", Array("hello, papers".utf8))
        let uploaded = try await client.upload(file: local, into: year.id)
        #expect(uploaded.path == "/Work/2026/日本語 notes.txt")
        #expect(uploaded.sha256 == (try sha256File(local)))
        #expect(try await client.child(named: "2026", in: work.id)?.id == year.id)
        #expect(try await client.child(named: "missing", in: work.id) == nil)
        #expect(try await client.resolve(RemotePath("/Work/2026/日本語 notes.txt"))?.id == uploaded.id)
        #expect(try await client.node(id: uploaded.id) == uploaded)

        let page = try await client.listPage(parentId: year.id)
        #expect(page.items.map(\.id) == [uploaded.id])

        let renamed = try await client.edit(id: uploaded.id, name: "notes.md")
        #expect(renamed.mimeType == "text/markdown")
        let moved = try await client.edit(id: uploaded.id, destination: .root)
        #expect(moved.path == "/notes.md")

        let replacement = try scratch.file("v2", Array("second version".utf8))
        let replaced = try await client.replaceContent(of: uploaded.id, with: replacement)
        #expect(replaced.sha256 == (try sha256File(replacement)))

        let target = scratch.path + "/downloaded.md"
        try await client.download(replaced, to: target)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "second version")
        #expect(scratch.entries().filter { $0.hasSuffix(".part") }.isEmpty)

        try await client.delete(id: work.id)
        await #expect(throws: ClientError.self) { try await client.node(id: year.id) }
        do {
            _ = try await client.createFolder(name: "notes.md", in: nil)
            Issue.record("expected a conflict")
        } catch {
            #expect(error.status == 409)
            if case .server(_, let code, let message) = error {
                #expect(code == "name_conflict")
                #expect(message.contains("notes.md"))
            }
        }

        try await client.logout()
        do {
            _ = try await client.me()
            Issue.record("expected the session to be gone")
        } catch {
            #expect(error == .sessionExpired(message: "You have logged out with this token. Please log in again."))
        }
    }

    @Test func uploadOfAMissingFileSendsNothing() async throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let client = try await server.loggedInClient()
        await #expect(throws: ClientError.self) { try await client.upload(file: "/nonexistent/file", into: nil) }
        #expect(try await client.listPage(parentId: nil).items.isEmpty)
    }

    @Test func aStoppedServerIsANetworkError() async throws {
        let server = try ServerProcess()
        let client = try await server.loggedInClient()
        server.stop()
        do {
            _ = try await client.me()
            Issue.record("expected a network error")
        } catch {
            guard case .network = error else { Issue.record("got \(error)"); return }
        }
    }

    @Test func cancelMidUploadLeavesNoNode() async throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let client = try await server.loggedInClient()
        let big = try scratch.bigFile("big.bin", size: 256 << 20)
        let control = TransferControl { progress in
            if progress.bytes > 8 << 20 { /* cancelled below */ }
        }
        let task = Task { try await client.upload(file: big, into: nil, control: control) }
        try await Task.sleep(for: .milliseconds(300))
        control.cancel()
        let result = await task.result
        #expect(throws: ClientError.cancelled) { try result.get() }
        // The server drops the partial upload; poll briefly for its clean-up.
        var leftovers: [String] = ["?"]
        for _ in 0..<50 {
            leftovers = server.stagedFiles
            if leftovers.isEmpty { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(leftovers.isEmpty)
        #expect(try await client.listPage(parentId: nil).items.isEmpty)
    }

    @Test func aCancelledBigDownloadKeepsItsPartAndTheNextOneGoesOn() async throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let client = try await server.loggedInClient()
        let node = try await client.upload(file: try scratch.bigFile("big.bin", size: 128 << 20), into: nil)
        let downloads = try Scratch()
        defer { downloads.remove() }
        let target = downloads.path + "/big.bin"
        let control = TransferControl()
        let task = Task { try await client.download(node, to: target, control: control) }
        while (try? FileManager.default.attributesOfItem(atPath: target + ".part")[.size] as? Int ?? 0) ?? 0 < 1 << 20 {
            try await Task.sleep(for: .milliseconds(5))
        }
        control.cancel()
        let result = await task.result
        guard case .failure = result else { return }  // it beat the cancel: nothing more to check
        #expect(downloads.entries() == ["big.bin.part"], "nothing under the final name, the part kept")
        let kept = try #require(FileManager.default.attributesOfItem(atPath: target + ".part")[.size] as? Int)
        #expect(kept > 0 && kept < 128 << 20)
        #expect(client.resumable?.records?.all().downloads.map(\.nodeId) == [node.id])
        try await client.download(node, to: target)
        #expect(try sha256File(target) == node.sha256)
        #expect(downloads.entries() == ["big.bin"])
        #expect(client.resumable?.records?.all().downloads.isEmpty == true)
    }

    @Test func aCancelledSmallDownloadLeavesNothing() async throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        var client = try await server.loggedInClient()
        client.resumable?.threshold = 1 << 40  // every file is "small": nothing recorded
        let node = try await client.upload(file: try scratch.bigFile("big.bin", size: 128 << 20), into: nil)
        let downloads = try Scratch()
        defer { downloads.remove() }
        let control = TransferControl()
        let task = Task { try await client.download(node, to: downloads.path + "/big.bin", control: control) }
        try await Task.sleep(for: .milliseconds(100))
        control.cancel()
        let result = await task.result
        #expect(throws: ClientError.self) { try result.get() }
        #expect(downloads.entries().isEmpty)
    }

    @Test func aServerThatDiesMidDownloadLeavesNoFileUnderItsName() async throws {
        let server = try ServerProcess()
        let scratch = try Scratch()
        defer { scratch.remove() }
        var client = try await server.loggedInClient()
        client.resumable?.attempts = 1  // no retries: the server is not coming back
        let node = try await client.upload(file: try scratch.bigFile("big.bin", size: 256 << 20), into: nil)
        let downloads = try Scratch()
        defer { downloads.remove() }
        // Slow the download down by reading through a progress callback that kills the server early.
        let killed = KillOnce(server: server)
        let control = TransferControl { progress in
            if progress.bytes > 1 << 20 { killed.fire() }
        }
        let result = await Task { try await client.download(node, to: downloads.path + "/big.bin", control: control) }.result
        killed.fire()
        if case .success = result {
            // The transfer beat the kill: nothing to check but the file's integrity.
            #expect(try sha256File(downloads.path + "/big.bin") == node.sha256)
        } else {
            #expect(downloads.entries() == ["big.bin.part"], "the part is kept for the next run; nothing under the final name")
        }
        server.stop()
    }

    @Test func aGigabyteBothWaysWithFlatMemory() async throws {
        let server = try ServerProcess()
        defer { server.stop() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let client = try await server.loggedInClient()
        let size: Int64 = 1 << 30
        let big = try scratch.bigFile("gig.bin", size: size)
        let expected = try sha256File(big)
        let clientBefore = ServerProcess.status(pid: getpid(), field: "VmHWM")
        let serverBefore = server.peakMemoryKiB
        let node = try await client.upload(file: big, into: nil)
        #expect(node.size == size)
        #expect(node.sha256 == expected)
        try FileManager.default.removeItem(atPath: big)
        try await client.download(node, to: scratch.path + "/back.bin")
        #expect(try sha256File(scratch.path + "/back.bin") == expected)
        let clientGrowth = ServerProcess.status(pid: getpid(), field: "VmHWM") - clientBefore
        let serverGrowth = server.peakMemoryKiB - serverBefore
        #expect(clientGrowth < 64 * 1024, "client peak grew by \(clientGrowth) KiB")
        #expect(serverGrowth < 64 * 1024, "server peak grew by \(serverGrowth) KiB")
    }
}

/// Kills the server the first time it fires.
final class KillOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    let server: ServerProcess

    init(server: ServerProcess) { self.server = server }

    func fire() {
        let first = lock.withLock { () -> Bool in
            defer { done = true }
            return !done
        }
        if first { server.kill() }
    }
}
