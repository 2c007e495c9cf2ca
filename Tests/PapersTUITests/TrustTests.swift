import Foundation
import PapersClient
import PapersCore
import Testing

@testable import PapersTUI

/// Issue 11: the TUI never replaces a file unasked, acts on the pane the user looks at, and is
/// honest about the network.
@Suite struct ConflictDialogTests {
    init() { DisplayWidth.prepareLocale() }

    static let conflict = Conflict(
        place: .local, path: "/tmp/small.txt",
        existing: Conflict.Version(size: 14, modified: Date(timeIntervalSince1970: 1_700_000_000)),
        incoming: Conflict.Version(size: 16, modified: Date(timeIntervalSince1970: 1_800_000_000)))

    @Test func aConflictIsAskedAndOnlyAnAnswerClosesIt() {
        var state = Fixtures.browsing()
        state.press(.down, .character("d"))
        let id = state.transfers[0].id
        _ = reduce(&state, .conflictFound(id: id, Self.conflict))
        #expect(state.overlay == .conflict(ConflictQuestion(transferId: id, conflict: Self.conflict)))
        // No answer: Enter, other letters, F-keys leave the question up.
        #expect(state.press(.enter, .character("x"), .function(9), .character("q")).isEmpty)
        guard case .conflict = state.overlay else { Issue.record("the question went away"); return }
        state.press(.character("a"))
        guard case .conflict(let question) = state.overlay else { Issue.record("no question"); return }
        #expect(question.applyToAll)
        #expect(state.press(.character("o")) == [.answerConflict(id: id, answer: .overwrite, applyToAll: true)])
        #expect(state.overlay == nil)
    }

    @Test func everyAnswerAndEscape() {
        let answers: [(Key, ConflictAnswer?)] = [
            (.character("o"), .overwrite), (.character("s"), .skip), (.character("b"), .keepBoth), (.character("n"), .overwriteIfNewer),
            (.escape, nil),
        ]
        for (key, answer) in answers {
            var state = Fixtures.browsing()
            _ = reduce(&state, .conflictFound(id: 7, Self.conflict))
            #expect(state.press(key) == [.answerConflict(id: 7, answer: answer, applyToAll: false)], "\(key)")
        }
    }

    @Test func aQuestionWaitsForAnOpenPromptAndGoesWithItsTransfer() {
        var state = Fixtures.browsing()
        state.press(.function(7))
        _ = state.type("new")
        _ = reduce(&state, .conflictFound(id: 3, Self.conflict))
        guard case .prompt(let prompt) = state.overlay else { Issue.record("the prompt was replaced"); return }
        #expect(prompt.editor.text == "new")
        state.press(.enter)
        _ = reduce(&state, .changed(message: "Created /new/", select: "id-new"))
        #expect(state.overlay == .conflict(ConflictQuestion(transferId: 3, conflict: Self.conflict)))

        state.transfers.append(Transfer(id: 3, direction: .download, name: "small.txt", localPaths: [], nodes: [], localFolder: "/tmp"))
        _ = reduce(&state, .transferFinished(id: 3, error: .cancelled))
        #expect(state.overlay == nil)
    }

    @Test func skippedEntriesAreReported() {
        var state = Fixtures.browsing()
        state.press(.down, .character("d"))
        let id = state.transfers[0].id
        _ = reduce(&state, .transferSkipped(id: id, path: "/tmp/report.pdf", reason: "already exists"))
        var nothingMoved = state
        _ = reduce(&nothingMoved, .transferFinished(id: id, error: nil))
        #expect(nothingMoved.status == "Skipped /tmp/report.pdf: already exists.", "nothing arrived: not \"Downloaded\"")
        _ = reduce(&state, .transferFileDone(id: id, key: "n1", bytes: 10))
        _ = reduce(&state, .transferFinished(id: id, error: nil))
        #expect(state.status == "Downloaded report.pdf to /tmp/; skipped /tmp/report.pdf: already exists.")
        #expect(state.transfers[0].skipped == ["/tmp/report.pdf: already exists"])
    }

    @Test func theDialogShowsBothSidesAndTheAnswers() {
        var state = Fixtures.browsing()
        _ = reduce(&state, .conflictFound(id: 1, Self.conflict))
        let text = render(state, theme: .fallback).text
        #expect(text.contains("small.txt already exists"))
        #expect(text.contains("Local file  /tmp/small.txt"))
        #expect(text.contains("existing  14 B       2023-11-1"))
        #expect(text.contains("incoming (newer)  16 B       2027-01-1"))
        #expect(text.contains("(16 bytes)"))
        #expect(text.contains("[o] Overwrite   [s] Skip   [b] Keep both (rename)"))
        #expect(text.contains("[n] Overwrite if newer   [a] Apply to all: off"))
    }
}

@Suite struct ActivePaneTests {
    static func listing(_ names: String...) -> Action {
        .localListed(path: "/tmp", entries: names.map { LocalEntry(name: $0, isFolder: !$0.contains("."), size: 3, modified: Date()) })
    }

    static func withLocalPane() -> AppState {
        var state = Fixtures.browsing()
        state.press(.down)  // the server pane's cursor on report.pdf
        _ = state.press(.function(4))
        _ = reduce(&state, listing("dir", "a.txt"))
        state.press(.down, .down)  // ".." "dir/" "a.txt"
        return state
    }

    @Test func editsInTheLocalPaneAreLocal() {
        var rename = Self.withLocalPane()
        rename.press(.function(2), .ctrl("u"))
        _ = rename.type("b.txt")
        #expect(rename.press(.enter) == [.renameLocal(path: "/tmp/a.txt", name: "b.txt")])

        var mkdir = Self.withLocalPane()
        mkdir.press(.function(7))
        _ = mkdir.type("made")
        #expect(mkdir.press(.enter) == [.makeLocalFolder(path: "/tmp/made")])

        var move = Self.withLocalPane()
        move.press(.function(6), .ctrl("u"))
        _ = move.type("/tmp/dir")
        #expect(move.press(.enter) == [.moveLocal(paths: ["/tmp/a.txt"], into: "/tmp/dir")])

        var delete = Self.withLocalPane()
        delete.press(.function(8))
        guard case .confirm(let confirmation) = delete.overlay else { Issue.record("no confirmation"); return }
        #expect(confirmation.message.hasPrefix("Delete 1 local item from disk: a.txt"))
        #expect(delete.press(.character("y")) == [.deleteLocal(paths: ["/tmp/a.txt"])])

        var download = Self.withLocalPane()
        #expect(download.press(.function(9)).isEmpty)
        #expect(download.status?.hasPrefix("F9 downloads from the server pane") == true)
        #expect(download.transfers.isEmpty)
    }

    @Test func theServerPaneNeverTakesTheHiddenLocalSelection() {
        var state = Self.withLocalPane()
        state.press(.tab)
        #expect(state.press(.function(5)).isEmpty)
        guard case .prompt(let prompt) = state.overlay else { Issue.record("no prompt"); return }
        #expect(prompt.purpose == .uploadPath)
        #expect(state.transfers.isEmpty)
    }

    @Test func aLocalEditPutsTheCursorOnItsResult() {
        var state = Self.withLocalPane()
        #expect(reduce(&state, .localChanged(message: "Created /tmp/zz/", select: "zz")) == [.listLocal(path: "/tmp")])
        _ = reduce(&state, Self.listing("dir", "zz", "a.txt"))
        #expect(state.local.selected?.name == "zz")
        #expect(state.status == "Created /tmp/zz/")
    }

    @Test func nothingToActOnIsSaid() {
        var state = Self.withLocalPane()
        state.press(.home)  // ".."
        #expect(state.press(.function(8)).isEmpty)
        #expect(state.status?.hasPrefix("Nothing to delete") == true)
        #expect(state.statusIsError)
    }
}

@Suite struct OfflineTests {
    @Test func aRefreshThatFailsKeepsTheListingMarkedOffline() {
        var state = Fixtures.browsing()
        state.press(.down)
        let refresh = state.press(.ctrl("r"))
        #expect(refresh.count == 1)
        #expect(state.remote.items.count == 3, "the rows stay until replaced")
        _ = reduce(&state, .folderFailed(generation: state.remote.generation, .network(message: "Couldn't connect to server")))
        #expect(state.unreachable)
        #expect(state.remote.items.count == 3)
        #expect(render(state, theme: .fallback).text.contains("/  [offline]"))

        // Server actions are refused with a message, not dropped.
        #expect(state.press(.function(7)).isEmpty)
        #expect(state.overlay == nil)
        #expect(state.status?.hasPrefix("Offline: http://127.0.0.1:8080 does not answer") == true)
        #expect(state.press(.function(8)).isEmpty)
        #expect(state.overlay == nil)

        // Back: the first page replaces the rows, and it is said.
        _ = reduce(&state, .retry)
        _ = reduce(
            &state,
            .folderLoaded(generation: state.remote.generation, nodes: [Fixtures.node("drafts", folder: true), Fixtures.node("new.txt")], nextCursor: nil))
        #expect(!state.unreachable)
        #expect(state.remote.items.map(\.name) == ["drafts", "new.txt"])
        #expect(state.status == "Reconnected to http://127.0.0.1:8080.")
    }

    @Test func aSessionMadeWithTheBundledServerSaysSo() {
        var state = AppState(session: nil, server: "http://127.0.0.1:40000", localPath: "/tmp", bundledData: "/home/ada/.local/share/papers")
        let effects = reduce(&state, .loggedIn(Fixtures.session))
        guard case .saveSession(let saved) = effects.first else { Issue.record("not saved"); return }
        #expect(saved.bundledData == "/home/ada/.local/share/papers")
        _ = reduce(&state, .resized(width: 120, height: 24))
        #expect(render(state, theme: .fallback).text.contains("(bundled server, data in /home/ada/.local/share/papers)"))

        var remote = AppState(session: nil, server: "http://files.example.com", localPath: "/tmp")
        guard case .saveSession(let plain) = reduce(&remote, .loggedIn(Fixtures.session)).first else { Issue.record("not saved"); return }
        #expect(plain.bundledData == nil)
    }

    @Test func theLastPlaceIsWhereTheNextStartOpens() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("places-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let store = PlaceStore(besides: SessionStore(path: scratch + "/session.json"))
        let place = Place(trail: [FolderRef(id: nil, name: ""), FolderRef(id: "id-w", name: "Work")], selected: "id-r")
        store.save(place, for: Fixtures.session)
        #expect(store.load(for: Fixtures.session) == place)
        var other = Fixtures.session
        other.email = "bob@example.com"
        #expect(store.load(for: other) == nil, "per account")
        let attributes = try FileManager.default.attributesOfItem(atPath: store.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        var state = AppState(session: Fixtures.session, server: Fixtures.session.server, localPath: "/tmp", place: place)
        #expect(startEffects(&state) == [.loadQueue, .loadFolder(folderId: "id-w", cursor: nil, sort: .name, reversed: false, generation: 1)])
        _ = reduce(&state, .folderLoaded(generation: 1, nodes: [Fixtures.node("a"), Fixtures.node("r", id: "id-r")], nextCursor: nil))
        #expect(state.remote.path == "/Work")
        #expect(state.remote.selected?.id == "id-r")
    }

    @Test func aFilterWithNoMatchesSaysSo() {
        var state = Fixtures.browsing()
        state.remote.trail.append(FolderRef(id: "x", name: "x"))
        state.press(.character("/"))
        _ = state.type("zzz")
        #expect(render(state, theme: .fallback).text.contains("(nothing matches)"))
    }

    @Test func togglesSayWhatTheyDid() {
        var state = Fixtures.browsing()
        state.press(.character("."))
        #expect(state.status == "Hidden (dot) files shown")
        #expect(render(state, theme: .fallback).row(1).contains("[+hidden]"))
        state.press(.character("S"))
        #expect(state.status == "Sorted by name, descending")
        #expect(render(state, theme: .fallback).row(1).contains("[name ↓]"))
    }
}

@Suite struct FeedbackTests {
    init() { DisplayWidth.prepareLocale() }

    @Test func progressShowsBytesAndVerifyingAtTheEnd() {
        var state = Fixtures.browsing(width: 100, height: 24)
        state.press(.down, .character("d"))
        let id = state.transfers[0].id
        _ = reduce(&state, .transferProgress(id: id, TransferProgress(bytes: 100 << 20, total: 200 << 20, bytesPerSecond: 52_428_800)))
        let status = render(state, theme: .fallback).row(22)
        #expect(status.contains("50%  100.0 MiB/200.0 MiB  50.0 MiB/s  ETA 0:02"))
        _ = reduce(&state, .transferProgress(id: id, TransferProgress(bytes: 200 << 20, total: 200 << 20, bytesPerSecond: 52_428_800)))
        #expect(render(state, theme: .fallback).row(22).contains("100%  200.0 MiB/200.0 MiB  verifying…"))
    }

    @Test func theQueueShowsSizesDestinationsAndOpensOnWhatRuns() {
        var state = Fixtures.browsing(width: 100, height: 24)
        state.press(.down, .character("d"))
        _ = reduce(&state, .transferFinished(id: 1, error: .server(status: 500, code: "x", message: String(repeating: "a long reason ", count: 10))))
        state.press(.down, .character("d"))
        state.press(.character("t"))
        #expect(state.overlay == .queue(cursor: 1), "the cursor starts on the running transfer, not the finished one")
        let text = render(state, theme: .fallback).text
        #expect(text.contains("↓ report.pdf         47.1 KiB  → /tmp"))
        #expect(text.contains("failed: a long…"), "cut with an ellipsis")
        // The selected row's whole error and skipped entries show below the list.
        var failed = state
        failed.press(.up)
        #expect(render(failed, theme: .fallback).text.contains("Failed: a long reason a long reason"))
        var skipping = Fixtures.browsing(width: 100, height: 24)
        skipping.press(.down, .character("d"))
        _ = reduce(&skipping, .transferSkipped(id: 1, path: "/tmp/report.pdf", reason: "already exists"))
        _ = reduce(&skipping, .transferFinished(id: 1, error: nil))
        skipping.press(.character("t"))
        let queue = render(skipping, theme: .fallback).text
        #expect(queue.contains("Skipped:"))
        #expect(queue.contains("  /tmp/report.pdf: already exists"))
    }

    @Test func deletingSaysSoUntilItIsDone() {
        var state = Fixtures.browsing()
        state.press(.down, .function(8), .character("y"))
        #expect(state.status == "Moving 1 item to the trash…")
    }

    @Test func nothingToActOnInTheServerPane() {
        var state = Fixtures.browsing()
        state.remote.trail.append(FolderRef(id: "x", name: "x"))
        for key in [Key.function(8), .function(2), .function(6), .function(9)] {
            state.status = nil
            state.press(key)
            #expect(state.status?.hasPrefix("Nothing to") == true, "\(key)")
            #expect(state.overlay == nil)
        }
    }

    @Test func aFolderDownloadSaysWhereItGoes() {
        var state = Fixtures.browsing()
        #expect(state.press(.function(9)).isEmpty)  // drafts/ is a folder
        guard case .confirm(let question) = state.overlay else { Issue.record("no confirmation"); return }
        #expect(question.message == "Download /drafts (47.1 KiB) → /tmp/ ?")
        guard case .startTransfer(let transfer) = state.press(.character("y")).first else { Issue.record("no transfer"); return }
        #expect(transfer.localFolder == "/tmp")
        #expect(state.status == "Downloading drafts → /tmp/")
    }

    @Test func theCursorGoesToTheNewFolderAndDialogsKeepTheirText() {
        var state = Fixtures.browsing()
        state.press(.function(7))
        _ = state.type("Photos/2026/Summer")
        #expect(state.press(.enter) == [.makeFolder(name: "Photos/2026/Summer", parentId: nil)])
        _ = reduce(&state, .changed(message: "Created /Photos/2026/Summer/", select: "id-Photos"))
        _ = reduce(&state, .folderLoaded(generation: state.remote.generation, nodes: [Fixtures.node("drafts", folder: true), Fixtures.node("Photos", folder: true)], nextCursor: nil))
        #expect(state.remote.selected?.name == "Photos")

        state.press(.function(2), .ctrl("u"))
        _ = state.type("drafts")
        state.press(.enter)
        _ = reduce(&state, .failed(.server(status: 409, code: "name_conflict", message: "Something named \"drafts\" already exists in that folder.")))
        guard case .prompt(let prompt) = state.overlay else { Issue.record("the rename dialog closed"); return }
        #expect(prompt.error == "Something named \"drafts\" already exists in that folder.")
        #expect(prompt.editor.text == "drafts")
        #expect(!prompt.isBusy)

        var bad = Fixtures.browsing()
        bad.press(.function(7))
        _ = bad.type("a/../b")
        #expect(bad.press(.enter).isEmpty)
        guard case .prompt(let refused) = bad.overlay else { Issue.record("closed"); return }
        #expect(refused.error != nil)
    }

    @Test func theLoginFormKeepsThePasswordWhenTheServerDidNotAnswer() {
        var state = AppState(session: nil, server: "http://127.0.0.1:9", localPath: "/tmp")
        _ = reduce(&state, .resized(width: 80, height: 24))
        _ = state.type("ada@example.com")
        state.press(.tab)
        _ = state.type("secret words")
        state.press(.enter)
        _ = reduce(&state, .loginFailed(EffectRunner.unreachablePrefix + "Couldn't connect to server, and a long explanation of why that might be the case here"))
        guard case .login(let form) = state.screen else { Issue.record("no form"); return }
        #expect(form.password.text == "secret words")
        let text = render(state, theme: .fallback).text
        #expect(text.contains("Cannot reach the server: Couldn't connect to server, and a"))
        #expect(text.contains("long explanation of why that might be the case here"), "wrapped, not cut")
        _ = reduce(&state, .loginFailed("Wrong e-mail address or password."))
        guard case .login(let refused) = state.screen else { Issue.record("no form"); return }
        #expect(refused.password.text.isEmpty && refused.confirmation.text.isEmpty)
    }

    @Test func logoutAsksThenReturnsToTheForm() {
        var state = Fixtures.browsing()
        state.press(.ctrl("x"))
        guard case .confirm(let question) = state.overlay else { Issue.record("no confirmation"); return }
        #expect(question.message == "Log out of ada@example.com @ http://127.0.0.1:8080?")
        #expect(state.press(.character("y")) == [.logout])
        _ = reduce(&state, .loggedOut)
        guard case .login(let form) = state.screen else { Issue.record("no form"); return }
        #expect(form.server.text == "http://127.0.0.1:8080" && form.email.text == "ada@example.com")
        #expect(state.session == nil)
    }

    @Test func layoutAtTheEdges() {
        // The local pane title keeps the end of a long path.
        var local = Fixtures.browsing()
        local.local.path = "/home/ada/projects/papers/very/deep/folder/structure/here"
        local.showLocal = true
        #expect(render(local, theme: .fallback).row(1).contains("Local: …"))
        #expect(render(local, theme: .fallback).row(1).contains("structure/here"))
        // Dialogs stop above the status line.
        var help = Fixtures.browsing()
        help.status = "still visible"
        help.press(.function(1))
        #expect(render(help, theme: .fallback).row(22).contains("still visible"))
        // A wide pane has a modified column next to the size.
        let wide = Fixtures.browsing(width: 200, height: 24)
        #expect(render(wide, theme: .fallback).row(3).contains("47.1 KiB  2026-11-25 22:41"))
        // Too small: only quit is taken.
        var small = Fixtures.browsing(width: 50, height: 12)
        #expect(small.press(.function(7), .function(8)).isEmpty)
        #expect(small.overlay == nil)
        #expect(small.press(.character("q")).contains(.quit))
    }

    @Test func unitsAndTheCounter() {
        #expect(ByteCount.human(209_715_200) == "200.0 MiB")
        #expect(ByteCount.human(48_213) == "47.1 KiB")
        #expect(ByteCount.human(1023) == "1023 B")
        var state = Fixtures.browsing()
        state.remote.trail.append(FolderRef(id: "x", name: "x"))
        state.remote.refilter()
        state.remote.cursor = 0  // on ".."
        #expect(render(state, theme: .fallback).row(21).contains(" 3 items ┘"))
        state.remote.cursor = 1
        #expect(render(state, theme: .fallback).row(21).contains(" 1/3 ┘"))
    }
}
