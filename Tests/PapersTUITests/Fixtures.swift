import Foundation
import PapersClient
import PapersCore

@testable import PapersTUI

/// Nodes and states for tests, with awkward names (nnn's fixtures: wide, combining, long).
enum Fixtures {
    static let session = Session(
        server: "http://127.0.0.1:8080", email: "ada@example.com", token: "t", userId: "u1", expiresAt: "2026-11-27T00:00:00.000Z")

    static func node(_ name: String, folder: Bool = false, size: Int64 = 48_213, id: String? = nil, parent: String? = nil) -> Node {
        Node(
            id: id ?? "id-\(name)", name: name, isFolder: folder, parentId: parent, path: "/" + name, size: size,
            mimeType: folder ? "inode/directory" : "text/plain", sha256: folder ? nil : String(repeating: "9f86d081", count: 8),
            creator: "u1", dateCreated: "2026-11-25T22:40:00.123Z", dateModified: "2026-11-25T22:41:00.456Z", etag: "\"e-1\"")
    }

    static let names = ["drafts", "report.pdf", "日本語のメモ.txt", "cafe\u{301}.txt", "🎉 party.png"]

    /// A logged-in state at the root with a listing loaded.
    static func browsing(_ nodes: [Node] = [node("drafts", folder: true), node("report.pdf"), node("日本語のメモ.txt", size: 12)],
                         width: Int = 80, height: Int = 24) -> AppState {
        var state = AppState(session: session, server: session.server, localPath: "/tmp")
        _ = reduce(&state, .resized(width: width, height: height))
        _ = startEffects(&state)
        _ = reduce(&state, .folderLoaded(generation: state.remote.generation, nodes: nodes, nextCursor: nil))
        return state
    }
}

extension AppState {
    /// Presses keys, returning every effect asked for.
    @discardableResult
    mutating func press(_ keys: Key...) -> [Effect] {
        keys.flatMap { reduce(&self, .key($0)) }
    }

    mutating func type(_ text: String) -> [Effect] {
        text.flatMap { reduce(&self, .key(.character($0))) }
    }
}
