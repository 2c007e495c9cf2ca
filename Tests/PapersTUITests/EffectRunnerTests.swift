import Foundation
import PapersClient
import PapersCore
import PapersTestSupport
import Synchronization
import Testing

@testable import PapersTUI

/// The runtime's effect runner against the real server: each effect's result comes back as the
/// action the reducer expects, transfers run one after another and can be cancelled.
@Suite(.serialized) struct EffectRunnerTests {
    /// Collects what the runner sends.
    final class Inbox: Sendable {
        private let actions = Mutex<[Action]>([])

        func send(_ action: Action) { actions.withLock { $0.append(action) } }

        /// Waits (up to 30 s) until an action matches, and returns it.
        func wait(for predicate: (Action) -> Bool) async throws -> Action {
            for _ in 0..<600 {
                if let found = actions.withLock({ $0.first(where: predicate) }) { return found }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw ClientError.network(message: "no such action arrived: \(actions.withLock { $0 })")
        }

        var all: [Action] { actions.withLock { $0 } }
    }

    /// A server, a user logged in on it, and a scratch folder; the caller stops and removes them.
    static func world() async throws -> (ServerProcess, APIClient, Scratch) {
        let server = try ServerProcess()
        do {
            return (server, try await server.loggedInClient(), try Scratch())
        } catch {
            server.stop()
            throw error
        }
    }

    static func runner(_ server: ServerProcess, client: APIClient, inbox: Inbox, scratch: Scratch) -> EffectRunner {
        let session = Session(
            server: server.url, email: "ada@example.com", token: client.credentials!.token, userId: client.credentials!.userId,
            expiresAt: "2099-01-01T00:00:00.000Z")
        return EffectRunner(session: session, sessionStore: SessionStore(path: scratch.path + "/session.json")) { inbox.send($0) }
    }

    @Test func editsAndListingsComeBackAsActions() async throws {
        let (server, client, scratch) = try await Self.world()
        defer { server.stop(); scratch.remove() }
        let inbox = Inbox()
        let runner = Self.runner(server, client: client, inbox: inbox, scratch: scratch)

        runner.run(.makeFolder(name: "Work", parentId: nil))
        _ = try await inbox.wait { if case .changed("Created /Work/", let select) = $0 { select != nil } else { false } }
        let work = try #require(try await client.resolve(RemotePath("/Work")))
        let note = try await client.upload(file: try scratch.file("note.txt", Array("hi".utf8)), into: nil)

        runner.run(.move(nodeIds: [note.id], destination: "/Work"))
        _ = try await inbox.wait { $0 == .changed(message: "Moved 1 item to /Work.") }
        runner.run(.rename(nodeId: note.id, name: "renamed.txt"))
        _ = try await inbox.wait { $0 == .changed(message: "Renamed to renamed.txt.") }

        runner.run(.loadFolder(folderId: work.id, cursor: nil, sort: .name, reversed: false, generation: 7))
        let loaded = try await inbox.wait {
            if case .folderLoaded(generation: 7, _, _) = $0 { return true }
            return false
        }
        guard case .folderLoaded(_, let nodes, let next) = loaded else { return }
        #expect(nodes.map(\.name) == ["renamed.txt"] && next == nil)

        // A move into a folder that does not exist fails with the client's message, nothing moves.
        runner.run(.move(nodeIds: [note.id], destination: "/Nowhere"))
        _ = try await inbox.wait {
            if case .failed(let error) = $0 { return error.status == 404 }
            return false
        }
        #expect(try await client.node(id: note.id).path == "/Work/renamed.txt")

        // Search finds it anywhere; reveal finds the folders down to it.
        runner.run(.loadSearch(text: "RENAMED", cursor: nil, generation: 8))
        _ = try await inbox.wait {
            if case .folderLoaded(8, let nodes, nil) = $0 { return nodes.map(\.path) == ["/Work/renamed.txt"] }
            return false
        }
        runner.run(.reveal(try await client.node(id: note.id)))
        _ = try await inbox.wait {
            $0 == .revealed(trail: [FolderRef(id: nil, name: ""), FolderRef(id: work.id, name: "Work")], select: note.id)
        }

        // To the trash, listed there, back, and out for good.
        runner.run(.delete(nodeIds: [work.id], permanent: false))
        _ = try await inbox.wait { $0 == .changed(message: "Moved 1 item to the trash (T shows it).") }
        runner.run(.loadTrash)
        _ = try await inbox.wait {
            if case .trashLoaded(let items) = $0 { return items.map(\.originalPath) == ["/Work"] }
            return false
        }
        runner.run(.restoreTrashed(id: work.id, rename: false))
        _ = try await inbox.wait { $0 == .trashChanged(message: "Restored /Work/.") }
        #expect(try await client.node(id: note.id).path == "/Work/renamed.txt")
        runner.run(.delete(nodeIds: [work.id], permanent: false))
        for _ in 0..<200 where try await client.trash().isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        runner.run(.eraseTrashed(ids: nil))
        _ = try await inbox.wait { $0 == .trashChanged(message: "The trash is empty.") }
        #expect(try await client.trash().isEmpty)
        await #expect(throws: ClientError.self) { _ = try await client.node(id: note.id) }
    }

    @Test func versionsListPreviewDownloadAndRestore() async throws {
        let (server, client, scratch) = try await Self.world()
        defer { server.stop(); scratch.remove() }
        let inbox = Inbox()
        let runner = Self.runner(server, client: client, inbox: inbox, scratch: scratch)
        let first = try await client.upload(file: try scratch.file("notes.txt", Array("first".utf8)), into: nil)
        let now = try await client.upload(file: try scratch.file("notes.txt", Array("second!".utf8)), into: nil, onConflict: .overwrite)
        runner.run(.loadVersions(fileId: first.id))
        let loaded = try await inbox.wait { if case .versionsLoaded = $0 { true } else { false } }
        guard case .versionsLoaded(_, let versions) = loaded else { return }
        #expect(versions.map(\.version) == [2, 1])
        runner.run(.previewVersion(now, versions[1]))
        _ = try await inbox.wait { $0 == .previewLoaded(title: "notes.txt, version 1", text: "first") }
        let downloads = scratch.path + "/downloads"
        try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: true)
        runner.run(.downloadVersion(now, versions[1], localFolder: downloads))
        _ = try await inbox.wait { if case .localChanged(_, "notes (version 1).txt") = $0 { true } else { false } }
        #expect(try String(contentsOfFile: downloads + "/notes (version 1).txt", encoding: .utf8) == "first")
        runner.run(.restoreVersion(fileId: first.id, version: 1))
        _ = try await inbox.wait { $0 == .changed(message: "Version 1 of notes.txt is current again.", select: first.id) }
        _ = try await inbox.wait { if case .versionsLoaded(_, let items) = $0 { items.map(\.version) == [3, 2, 1] } else { false } }
    }

    @Test func transfersRunInOrderAndCanBeCancelled() async throws {
        let (server, client, scratch) = try await Self.world()
        defer { server.stop(); scratch.remove() }
        let inbox = Inbox()
        let runner = Self.runner(server, client: client, inbox: inbox, scratch: scratch)
        let tree = scratch.path + "/tree"
        try FileManager.default.createDirectory(atPath: tree + "/sub", withIntermediateDirectories: true)
        _ = try scratch.file("tree/a.txt", Array("aaaa".utf8))
        _ = try scratch.file("tree/sub/b.txt", Array("bb".utf8))

        func transfer(_ id: Int, _ direction: Transfer.Direction, paths: [String] = [], nodes: [Node] = [], local: String = "")
            -> Transfer
        {
            Transfer(id: id, direction: direction, name: "t\(id)", localPaths: paths, nodes: nodes, remoteFolderId: nil, localFolder: local)
        }
        // Cancelled while queued: it never starts.
        runner.run(.cancelTransfer(id: 1))
        runner.run(.startTransfer(transfer(1, .upload, paths: [tree])))
        runner.run(.startTransfer(transfer(2, .upload, paths: [tree])))
        _ = try await inbox.wait { $0 == .transferFinished(id: 2, error: nil) }
        #expect(inbox.all.contains(.transferFinished(id: 1, error: .cancelled)))
        let finishes = inbox.all.compactMap { action -> Int? in
            if case .transferFinished(let id, _) = action { return id }
            return nil
        }
        #expect(finishes == [1, 2])
        // Progress is of the whole tree: its total is every byte that goes, and it never passes it.
        let progress = inbox.all.compactMap { action -> TransferProgress? in
            if case .transferProgress(id: 2, let progress) = action { return progress }
            return nil
        }
        #expect(!progress.isEmpty)
        #expect(progress.dropFirst().allSatisfy { $0.total == 6 && $0.bytes <= 6 })

        // And back down, into a local folder.
        let folder = try #require(try await client.resolve(RemotePath("/tree")))
        let back = scratch.path + "/back"
        try FileManager.default.createDirectory(atPath: back, withIntermediateDirectories: false)
        runner.run(.startTransfer(transfer(3, .download, nodes: [folder], local: back)))
        _ = try await inbox.wait { $0 == .transferFinished(id: 3, error: nil) }
        #expect(try String(contentsOfFile: back + "/tree/sub/b.txt", encoding: .utf8) == "bb")
    }
}
