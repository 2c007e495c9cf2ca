import Foundation
import PapersClient
import PapersCore
import Testing

@testable import PapersTUI

/// The trash overlay (T), a file's versions (V) and search (f) as the reducer drives them.
@Suite struct TrashVersionsSearchReducerTests {
    static func trashed(_ name: String, folder: Bool = false) -> TrashItem {
        TrashItem(node: Fixtures.node(name, folder: folder), deletedAt: "2026-12-03T10:00:00.000Z", originalPath: "/Work/" + name, originalParentId: "w")
    }

    static func version(_ n: Int64, current: Bool = false) -> FileVersionInfo {
        FileVersionInfo(
            version: n, size: 10 * n, sha256: String(repeating: "ab", count: 32), dateModified: "2026-12-03T10:0\(n):00.000Z",
            etag: "\"e-v\(n)\"", current: current)
    }

    @Test func theTrashListsRestoresDeletesForGoodAndEmptiesWithQuestions() {
        var state = Fixtures.browsing()
        #expect(state.press(.character("T")) == [.loadTrash])
        guard case .trash(let loading) = state.overlay else { Issue.record("no trash overlay"); return }
        #expect(loading.isLoading)
        _ = reduce(&state, .trashLoaded([Self.trashed("a.txt"), Self.trashed("Old", folder: true)]))
        state.press(.down)
        guard case .trash(let view) = state.overlay else { Issue.record("closed"); return }
        #expect(view.cursor == 1 && view.selected?.node.name == "Old" && !view.isLoading)
        // Restore where it was; R under a free name.
        #expect(state.press(.character("r")) == [.restoreTrashed(id: "id-Old", rename: false)])
        _ = reduce(&state, .trashChanged(message: "Restored /Work/Old/."))
        #expect(state.status == "Restored /Work/Old/.")
        _ = reduce(&state, .trashLoaded([Self.trashed("a.txt")]))
        #expect(state.press(.character("R")) == [.restoreTrashed(id: "id-a.txt", rename: true)])
        _ = reduce(&state, .trashLoaded([Self.trashed("a.txt")]))
        // For good: asked first; no goes back to the trash; yes deletes.
        #expect(state.press(.character("x")).isEmpty)
        guard case .confirm(let question) = state.overlay else { Issue.record("no question"); return }
        #expect(question.message == "Delete /Work/a.txt for good? This cannot be undone.")
        #expect(state.press(.character("n")).isEmpty)
        guard case .trash = state.overlay else { Issue.record("not back in the trash"); return }
        state.press(.delete)
        #expect(state.press(.character("y")) == [.eraseTrashed(ids: ["id-a.txt"])])
        _ = reduce(&state, .trashLoaded([Self.trashed("b.txt"), Self.trashed("c.txt")]))
        state.press(.character("E"))
        guard case .confirm(let empty) = state.overlay else { Issue.record("no question"); return }
        #expect(empty.message == "Empty the trash: delete its 2 items for good?")
        #expect(state.press(.character("y")) == [.eraseTrashed(ids: nil)])
        _ = reduce(&state, .trashLoaded([]))
        state.press(.character("E"))
        #expect(state.status == "The trash is empty.")
        state.press(.escape)
        #expect(state.overlay == nil)
    }

    @Test func aTrashThatFailsToLoadStopsWaiting() {
        var state = Fixtures.browsing()
        state.press(.character("T"))
        _ = reduce(&state, .failed(.server(status: 503, code: "unavailable", message: "The server's database does not answer.")))
        guard case .trash(let view) = state.overlay else { Issue.record("closed"); return }
        #expect(!view.isLoading && state.statusIsError)
    }

    @Test func versionsViewDownloadAndRestoreWithAQuestion() {
        var state = Fixtures.browsing()
        state.press(.down)  // report.pdf
        #expect(state.press(.character("V")) == [.loadVersions(fileId: "id-report.pdf")])
        _ = reduce(&state, .versionsLoaded(fileId: "other", [Self.version(9)]))
        guard case .versions(let waiting) = state.overlay else { Issue.record("no versions"); return }
        #expect(waiting.items.isEmpty, "another file's versions are dropped")
        _ = reduce(&state, .versionsLoaded(fileId: "id-report.pdf", [Self.version(3, current: true), Self.version(2), Self.version(1)]))
        let file = Fixtures.node("report.pdf")
        #expect(state.press(.character("r")).isEmpty)
        #expect(state.status == "Version 3 is the current one.")
        state.press(.down)
        #expect(state.press(.enter) == [.previewVersion(file, Self.version(2))])
        _ = reduce(&state, .versionsLoaded(fileId: "id-report.pdf", [Self.version(3, current: true), Self.version(2), Self.version(1)]))
        state.press(.character("V"))
        state.press(.character("V"))
        _ = reduce(&state, .versionsLoaded(fileId: "id-report.pdf", [Self.version(3, current: true), Self.version(2), Self.version(1)]))
        state.press(.down, .down)
        #expect(state.press(.character("d")) == [.downloadVersion(file, Self.version(1), localFolder: "/tmp")])
        state.press(.character("r"))
        guard case .confirm(let question) = state.overlay else { Issue.record("no question"); return }
        #expect(question.message.hasPrefix("Make version 1 of report.pdf (10 B) current?"))
        #expect(state.press(.character("y")) == [.restoreVersion(fileId: "id-report.pdf", version: 1)])
        guard case .versions(let after) = state.overlay else { Issue.record("not back in versions"); return }
        #expect(after.isLoading)
        // A folder has no versions.
        var folders = Fixtures.browsing()
        #expect(folders.press(.character("V")).isEmpty)
        #expect(folders.overlay == nil && folders.statusIsError)
    }

    @Test func searchResultsAreAFolderOfTheirOwnAndEnterJumpsToTheItem() {
        var state = Fixtures.browsing()
        state.press(.enter)  // into drafts
        state.press(.character("f"))
        guard case .prompt(let prompt) = state.overlay, prompt.purpose == .search else { Issue.record("no search prompt"); return }
        #expect(state.press(.enter).isEmpty, "an empty query is refused in the prompt")
        let effects = state.type("Rep") + state.press(.enter)
        #expect(effects == [.loadSearch(text: "Rep", cursor: nil, generation: state.remote.generation)])
        #expect(state.remote.searchText == "Rep" && state.remote.path == "Search: Rep")
        var found = Fixtures.node("report.pdf", parent: "p")
        found.path = "/Work/2026/report.pdf"
        let more = reduce(&state, .folderLoaded(generation: state.remote.generation, nodes: [found], nextCursor: "c2"))
        #expect(more == [.loadSearch(text: "Rep", cursor: "c2", generation: state.remote.generation)])
        _ = reduce(&state, .folderLoaded(generation: state.remote.generation, nodes: [], nextCursor: nil))
        // Where the user was is what is remembered, not the search.
        #expect(state.place.trail.map(\.name) == ["", "drafts"])
        // Nothing is made or uploaded into the results; a move starts from the root's path.
        #expect(state.press(.character("n")).isEmpty && state.overlay == nil && state.statusIsError)
        #expect(state.press(.character("u")).isEmpty && state.overlay == nil)
        state.press(.down)
        state.press(.character("m"))
        guard case .prompt(let move) = state.overlay else { Issue.record("no move prompt"); return }
        #expect(move.editor.text == "/")
        state.press(.escape)
        #expect(state.press(.enter) == [.reveal(found)])
        let trail = [FolderRef(id: nil, name: ""), FolderRef(id: "w", name: "Work"), FolderRef(id: "p", name: "2026")]
        let reload = reduce(&state, .revealed(trail: trail, select: found.id))
        #expect(state.remote.path == "/Work/2026" && state.remote.reselect == found.id)
        #expect(reload.contains(.loadFolder(folderId: "p", cursor: nil, sort: .name, reversed: false, generation: state.remote.generation)))
        // Backspace from results goes back to the folder the search started in.
        var back = Fixtures.browsing()
        back.press(.character("f"))
        _ = back.type("x")
        back.press(.enter)
        let up = back.press(.backspace)
        #expect(back.remote.searchText == nil && back.remote.path == "/")
        #expect(up.contains(.loadFolder(folderId: nil, cursor: nil, sort: .name, reversed: false, generation: back.remote.generation)))
    }
}
