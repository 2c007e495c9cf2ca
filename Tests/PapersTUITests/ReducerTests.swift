import Foundation
import PapersClient
import PapersCore
import Testing

@testable import PapersTUI

@Suite struct ReducerNavigationTests {
    @Test func startingLoadsTheRoot() {
        var state = AppState(session: Fixtures.session, server: "", localPath: "/tmp")
        let effects = startEffects(&state)
        #expect(effects == [.loadQueue, .loadFolder(folderId: nil, cursor: nil, sort: .name, reversed: false, generation: 1)])
        #expect(state.remote.isLoading)
    }

    @Test func movingWithArrowsViKeysPagesAndEnds() {
        var state = Fixtures.browsing((0..<100).map { Fixtures.node("f\($0)") })
        state.press(.down, .character("j"))
        #expect(state.remote.cursor == 2)
        state.press(.up, .character("k"), .character("k"))
        #expect(state.remote.cursor == 0)
        state.press(.pageDown)
        #expect(state.remote.cursor == state.listRows)
        state.press(.ctrl("b"))
        #expect(state.remote.cursor == 0)
        state.press(.ctrl("f"))
        #expect(state.remote.cursor == state.listRows)
        state.press(.end)
        #expect(state.remote.cursor == 99)
        #expect(state.remote.scroll == 100 - state.listRows)
        state.press(.home)
        #expect(state.remote.cursor == 0 && state.remote.scroll == 0)
        state.press(.character("G"))
        #expect(state.remote.cursor == 99)
        state.press(.character("g"))
        #expect(state.remote.cursor == 0)
    }

    @Test func openingAFolderAndGoingBackKeepsThePlace() {
        var state = Fixtures.browsing()
        let open = state.press(.enter)
        #expect(state.remote.path == "/drafts")
        #expect(open == [.loadFolder(folderId: "id-drafts", cursor: nil, sort: .name, reversed: false, generation: 2)])
        _ = reduce(&state, .folderLoaded(generation: 2, nodes: [Fixtures.node("inner.txt")], nextCursor: nil))
        #expect(state.remote.isOnParentRow)
        state.press(.down)
        #expect(state.remote.selected?.name == "inner.txt")
        for key in [Key.backspace, .left, .character("h")] {
            var copy = state
            let back = copy.press(key)
            #expect(copy.remote.path == "/", "\(key)")
            #expect(back.count == 1)
            _ = reduce(&copy, .folderLoaded(generation: copy.remote.generation, nodes: Fixtures.browsing().remote.items, nextCursor: nil))
            #expect(copy.remote.selected?.name == "drafts", "the cursor returns to the folder we left")
        }
        // Enter on ".." goes up too; l and → open.
        var viaParentRow = state
        viaParentRow.press(.up, .enter)
        #expect(viaParentRow.remote.path == "/")
        var viaL = Fixtures.browsing()
        viaL.press(.character("l"))
        #expect(viaL.remote.path == "/drafts")
        var viaRight = Fixtures.browsing()
        viaRight.press(.right)
        #expect(viaRight.remote.path == "/drafts")
    }

    @Test func lateResultsOfAnOldListingAreDropped() {
        var state = Fixtures.browsing()
        state.press(.enter)  // generation 2
        _ = reduce(&state, .folderLoaded(generation: 1, nodes: [Fixtures.node("stale")], nextCursor: nil))
        #expect(state.remote.items.isEmpty)
    }

    @Test func bigFoldersLoadPageByPageWithTheFirstShownAtOnce() {
        var state = AppState(session: Fixtures.session, server: "", localPath: "/tmp")
        _ = startEffects(&state)
        let first = (0..<1000).map { Fixtures.node(String(format: "n%06d", $0)) }
        let next = reduce(&state, .folderLoaded(generation: 1, nodes: first, nextCursor: "c1"))
        #expect(next == [.loadFolder(folderId: nil, cursor: "c1", sort: .name, reversed: false, generation: 1)])
        #expect(state.remote.rowCount == 1000)
        #expect(state.remote.isLoading)
        state.press(.down, .down)
        let last = reduce(&state, .folderLoaded(generation: 1, nodes: [Fixtures.node("zz")], nextCursor: nil))
        // No further page; the place is remembered for the next start (issue 11).
        #expect(last == [.rememberPlace(Place(trail: [FolderRef(id: nil, name: "")], selected: "id-n000002"))])
        #expect(!state.remote.isLoading)
        #expect(state.remote.cursor == 2, "a page arriving does not move the cursor")
    }

    @Test func markingAndMarkAllAndInvert() {
        var state = Fixtures.browsing()
        state.press(.character(" "))
        #expect(state.remote.marked == ["id-drafts"])
        #expect(state.remote.cursor == 1)
        state.press(.insert)
        #expect(state.remote.marked == ["id-drafts", "id-report.pdf"])
        state.press(.character("*"))
        #expect(state.remote.marked == ["id-日本語のメモ.txt"])
        state.press(.ctrl("a"))
        #expect(state.remote.marked.count == 3)
        #expect(state.remote.targets.count == 3)
    }

    @Test func filterAsYouTypeAndClear() {
        var state = Fixtures.browsing()
        state.press(.character("/"))
        _ = state.type("rep")
        #expect(state.remote.visible.count == 1)
        #expect(state.remote.selected?.name == "report.pdf")
        state.press(.enter)
        #expect(state.overlay == nil)
        #expect(state.remote.filter == "rep")
        state.press(.escape)
        #expect(state.remote.filter.isEmpty)
        #expect(state.remote.visible.count == 3)
        state.press(.character("/"))
        _ = state.type("zzz")
        #expect(state.remote.rowCount == 0)
        state.press(.escape)
        #expect(state.remote.visible.count == 3)
    }

    @Test func sortingCyclesAndReversesThroughTheServer() {
        var state = Fixtures.browsing()
        let bySize = state.press(.character("s"))
        #expect(bySize == [.loadFolder(folderId: nil, cursor: nil, sort: .size, reversed: false, generation: 2)])
        state.press(.character("s"))
        #expect(state.remote.sort == .modified)
        state.press(.character("s"))
        #expect(state.remote.sort == .name)
        let reversed = state.press(.character("S"))
        #expect(reversed == [.loadFolder(folderId: nil, cursor: nil, sort: .name, reversed: true, generation: 5)])
    }

    @Test func hiddenFilesShowWithDot() {
        var state = Fixtures.browsing([Fixtures.node(".profile"), Fixtures.node("visible")])
        #expect(state.remote.visible.count == 1)
        state.press(.character("."))
        #expect(state.remote.visible.count == 2)
    }

    @Test func refreshReloadsKeepingTheCursor() {
        var state = Fixtures.browsing()
        state.press(.down)
        for key in [Key.ctrl("r"), .character("R")] {
            var copy = state
            let effects = copy.press(key)
            #expect(effects.count == 1)
            _ = reduce(&copy, .folderLoaded(generation: copy.remote.generation, nodes: state.remote.items, nextCursor: nil))
            #expect(copy.remote.selected?.name == "report.pdf")
        }
    }

    @Test func resizeKeepsTheCursorVisible() {
        var state = Fixtures.browsing((0..<100).map { Fixtures.node("f\($0)") })
        state.press(.end)
        _ = reduce(&state, .resized(width: 60, height: 16))
        #expect(state.remote.cursor == 99)
        #expect(state.remote.scroll == 100 - state.listRows)
        _ = reduce(&state, .resized(width: 200, height: 60))
        #expect(state.remote.scroll == max(0, 100 - state.listRows))
    }
}

@Suite struct ReducerOperationTests {
    @Test func renameStartsWithTheNameAndChecksIt() {
        var state = Fixtures.browsing()
        state.press(.down, .function(2))
        guard case .prompt(let prompt) = state.overlay else { Issue.record("no prompt"); return }
        #expect(prompt.editor.text == "report.pdf")
        state.press(.ctrl("u"))
        _ = state.type("bad/name")
        let result1 = state.press(.enter)
        #expect(result1.isEmpty)
        guard case .prompt(let refused) = state.overlay else { Issue.record("prompt closed"); return }
        #expect(refused.error?.contains("/") == true)
        state.press(.ctrl("u"))
        _ = state.type("final.pdf")
        let result2 = state.press(.enter)
        #expect(result2 == [.rename(nodeId: "id-report.pdf", name: "final.pdf")])
        // The prompt waits for the server's answer (a refusal keeps it open, issue 11); done, it closes.
        _ = reduce(&state, .changed(message: "Renamed to final.pdf."))
        #expect(state.overlay == nil)
        // The r key opens the same prompt; Esc cancels.
        state.press(.character("r"), .escape)
        #expect(state.overlay == nil)
    }

    @Test func renameToAnExistingNameShowsTheServersRefusal() {
        var state = Fixtures.browsing()
        state.press(.down, .function(2), .ctrl("u"))
        _ = state.type("drafts")
        _ = state.press(.enter)
        let effects = reduce(&state, .failed(.server(status: 409, code: "name_conflict", message: "Something named \"drafts\" already exists in that folder.")))
        #expect(effects.isEmpty)
        #expect(state.statusIsError)
        #expect(state.status?.contains("already exists") == true)
        #expect(state.remote.items.map(\.name) == ["drafts", "report.pdf", "日本語のメモ.txt"])
    }

    @Test func newFolderWithF7OrN() {
        for key in [Key.function(7), .character("n")] {
            var state = Fixtures.browsing()
            state.press(key)
            _ = state.type("Inbox")
            let result3 = state.press(.enter)
            #expect(result3 == [.makeFolder(name: "Inbox", parentId: nil)])
            let reload = reduce(&state, .changed(message: "Created /Inbox/"))
            #expect(reload.count == 1)
            #expect(state.status == "Created /Inbox/")
        }
    }

    @Test func deleteAsksFirstAndDefaultsToNo() {
        var state = Fixtures.browsing()
        state.press(.down, .function(8))
        guard case .confirm(let question) = state.overlay else { Issue.record("no confirmation"); return }
        #expect(question.message == "Move to the trash: 1 item: report.pdf?")
        let result4 = state.press(.character("n"))
        #expect(result4.isEmpty)
        #expect(state.overlay == nil)
        state.press(.delete)
        let result5 = state.press(.enter)
        #expect(result5.isEmpty, "Enter is No")
        state.press(.character("D"))
        let result6 = state.press(.character("y"))
        #expect(result6 == [.delete(nodeIds: ["id-report.pdf"], permanent: false)])
        #expect(state.status == "Moving 1 item to the trash…")
    }

    @Test func deleteOffersDeletingForGoodAndXAsksThatAtOnce() {
        var state = Fixtures.browsing()
        state.press(.down, .function(8))
        // In the trash question, X deletes for good instead.
        #expect(state.press(.character("X")) == [.delete(nodeIds: ["id-report.pdf"], permanent: true)])
        #expect(state.overlay == nil && state.status == "Deleting 1 item for good…")
        // X in the browser asks about deleting for good; only y does it.
        state.press(.character("X"))
        guard case .confirm(let question) = state.overlay else { Issue.record("no confirmation"); return }
        #expect(question.message == "Delete for good: 1 item: report.pdf? This cannot be undone.")
        #expect(state.press(.character("X")).isEmpty, "X is not yes here")
        state.press(.character("X"))
        #expect(state.press(.character("y")) == [.delete(nodeIds: ["id-report.pdf"], permanent: true)])
    }

    @Test func deletingMarkedItemsNamesHowMany() {
        var state = Fixtures.browsing()
        state.press(.ctrl("a"), .function(8))
        guard case .confirm(let question) = state.overlay else { Issue.record("no confirmation"); return }
        #expect(question.message.hasPrefix("Move to the trash: 3 items"))
        #expect(question.message.contains("folders"))
    }

    @Test func deleteRefusedByTheServer() {
        var state = Fixtures.browsing()
        state.press(.down, .function(8), .character("y"))
        _ = reduce(&state, .failed(.server(status: 404, code: "not_found", message: "No such file or folder.")))
        #expect(state.statusIsError)
        #expect(state.status == "No such file or folder.")
    }

    @Test func moveAsksForAFolderPath() {
        var state = Fixtures.browsing()
        state.press(.down, .character("m"))
        guard case .prompt(let prompt) = state.overlay else { Issue.record("no prompt"); return }
        #expect(prompt.editor.text == "/")
        let result7 = state.press(.tab)
        #expect(result7 == [.complete(text: "/", local: false)])
        _ = reduce(&state, .completions(["/drafts/"]))
        guard case .prompt(let completed) = state.overlay else { Issue.record("prompt closed"); return }
        #expect(completed.editor.text == "/drafts/")
        let result8 = state.press(.enter)
        #expect(result8 == [.move(nodeIds: ["id-report.pdf"], destination: "/drafts/")])
        var f6 = Fixtures.browsing()
        f6.press(.down, .function(6), .ctrl("u"))
        let result9 = f6.press(.enter)
        #expect(result9.isEmpty, "an empty path is refused")
    }

    @Test func uploadOfAMissingLocalFileIsRefusedInTheDialog() {
        var state = Fixtures.browsing()
        state.press(.character("u"))
        guard case .prompt = state.overlay else { Issue.record("no prompt"); return }
        state.press(.ctrl("u"))
        _ = state.type("/no/such/file")
        #expect(state.press(.enter) == [.checkLocalPath("/no/such/file")])
        // Missing: the dialog stays with the reason and the text (issue 11); nothing is queued.
        _ = reduce(&state, .localPathChecked(path: "/no/such/file", problem: "/no/such/file: no such file or folder"))
        guard case .prompt(let refused) = state.overlay else { Issue.record("the dialog closed"); return }
        #expect(refused.error == "/no/such/file: no such file or folder")
        #expect(refused.editor.text == "/no/such/file")
        #expect(state.transfers.isEmpty)
        // There: queued.
        state.press(.enter)
        let effects = reduce(&state, .localPathChecked(path: "/no/such/file", problem: nil))
        guard case .startTransfer(let transfer) = effects.first else { Issue.record("no transfer"); return }
        #expect(transfer.localPaths == ["/no/such/file"])
        #expect(state.overlay == nil)
    }

    @Test func tabThenEnterSubmitsTheCompletedText() {
        var state = Fixtures.browsing()
        state.press(.character("u"), .ctrl("u"))
        _ = state.type("/tmp/bi")
        #expect(state.press(.tab) == [.complete(text: "/tmp/bi", local: true)])
        #expect(state.press(.enter).isEmpty, "Enter waits for the completion")
        #expect(reduce(&state, .completions(["/tmp/big.bin"])) == [.checkLocalPath("/tmp/big.bin")])
    }

    @Test func uploadTakesTheLocalSelectionAndDownloadLandsInTheLocalFolder() {
        var state = Fixtures.browsing()
        let result10 = state.press(.function(4))
        #expect(result10 == [.listLocal(path: "/tmp")])
        _ = reduce(&state, .localListed(path: "/tmp", entries: [LocalEntry(name: "a.txt", isFolder: false, size: 3, modified: Date())]))
        state.press(.down)  // ".." then a.txt
        let upload = state.press(.function(5))
        guard case .startTransfer(let up) = upload.first else { Issue.record("no upload"); return }
        #expect(up.direction == .upload && up.localPaths == ["/tmp/a.txt"] && up.remoteFolderId == nil)
        state.press(.tab)
        #expect(state.focus == .remote)
        state.press(.down)
        let download = state.press(.function(9))
        guard case .startTransfer(let down) = download.first else { Issue.record("no download"); return }
        #expect(down.direction == .download && down.nodes.map(\.name) == ["report.pdf"] && down.localFolder == "/tmp")
        let result11 = state.press(.character("d"))
        #expect(result11.count == 1)
    }

    @Test func cancelMidTransfer() {
        var state = Fixtures.browsing()
        state.press(.down)
        guard case .startTransfer(let transfer) = state.press(.character("d")).first else { Issue.record("no transfer"); return }
        _ = reduce(&state, .transferProgress(id: transfer.id, TransferProgress(bytes: 100, total: 1000, bytesPerSecond: 50)))
        #expect(state.transfers[0].phase == .running)
        let result12 = state.press(.escape)
        #expect(result12 == [.cancelTransfer(id: transfer.id)])
        state.press(.character("t"))
        let result13 = state.press(.character("x"))
        #expect(result13 == [.cancelTransfer(id: transfer.id)])
        _ = reduce(&state, .transferFinished(id: transfer.id, error: .cancelled))
        #expect(state.transfers[0].phase == .cancelled)
        // A cancelled transfer can be retried from the queue.
        let retry = state.press(.character("r"))
        guard case .startTransfer(let again) = retry.first else { Issue.record("no retry"); return }
        #expect(again.id != transfer.id && again.nodes == transfer.nodes)
    }

    @Test func pauseAndResumeGoOnFromWhereTheTransferStopped() {
        var state = Fixtures.browsing()
        state.press(.down)
        guard case .startTransfer(let transfer) = state.press(.character("d")).first else { Issue.record("no transfer"); return }
        #expect(transfer.parallelism == 4)
        _ = reduce(&state, .transferFileProgress(id: transfer.id, number: 1, name: "a.bin", TransferProgress(bytes: 10, total: 100, bytesPerSecond: 1)))
        _ = reduce(&state, .transferFileProgress(id: transfer.id, number: 2, name: "b.bin", TransferProgress(bytes: 5, total: 50, bytesPerSecond: 1)))
        #expect(state.transfers[0].files.map(\.name) == ["a.bin", "b.bin"])
        _ = reduce(&state, .transferFileDone(id: transfer.id, key: "node-a", bytes: 100))
        _ = reduce(&state, .transferFileEnded(id: transfer.id, number: 1))
        #expect(state.transfers[0].files.map(\.name) == ["b.bin"])
        #expect(state.transfers[0].done == ["node-a"] && state.transfers[0].bytesDone == 100 && state.transfers[0].filesDone == 1)
        var shown = state
        shown.overlay = .queue(cursor: 0)
        let rows = render(shown, theme: .fallback).text
        #expect(rows.contains("· b.bin"), "a row per file being sent, under its transfer")

        // p pauses: the run is stopped, the queue is kept, and its end does not say "cancelled".
        state.press(.character("t"))
        let pause = state.press(.character("p"))
        #expect(pause == [.cancelTransfer(id: transfer.id), .saveQueue(state.transfers)])
        #expect(state.transfers[0].phase == .paused && state.transfers[0].files.isEmpty)
        _ = reduce(&state, .transferProgress(id: transfer.id, TransferProgress(bytes: 120, total: 150, bytesPerSecond: 1)))
        #expect(state.transfers[0].phase == .paused, "a late report does not make it run again")
        let ended = reduce(&state, .transferFinished(id: transfer.id, error: .cancelled))
        #expect(state.transfers[0].phase == .paused && state.status?.hasPrefix("Paused report.pdf") == true)
        #expect(ended.contains(.saveQueue(state.transfers)))
        #expect(state.press(.character("p")).isEmpty, "a paused transfer is not paused again")

        // r goes on in the same row, under a new id, passing over what arrived.
        guard case .startTransfer(let resumed) = state.press(.character("r")).first else { Issue.record("no resume"); return }
        #expect(resumed.id != transfer.id && resumed.done == ["node-a"] && resumed.bytesDone == 100 && state.transfers.count == 1)
        #expect(state.transfers[0].phase == .queued)
        #expect(state.press(.character("r")).isEmpty, "a queued transfer is not started twice")
        // The stopped run's last words are ignored.
        _ = reduce(&state, .transferFinished(id: transfer.id, error: .cancelled))
        #expect(state.transfers[0].phase == .queued)
        _ = reduce(&state, .transferFinished(id: resumed.id, error: nil))
        #expect(state.transfers[0].phase == .done)
        #expect(state.press(.character("r")).isEmpty, "a finished transfer is not resumed")
    }

    @Test func transfersUnfinishedLastTimeAreOfferedPaused() {
        var state = Fixtures.browsing()
        #expect(startEffects(&state).first == .loadQueue)
        state.nextTransferId = 7
        var left = Transfer(id: 0, direction: .upload, name: "Photos", localPaths: ["/tmp/Photos"], nodes: [], localFolder: "/tmp")
        left.phase = .paused
        left.done = ["/tmp/Photos/1.jpg"]
        _ = reduce(&state, .queueLoaded([left, left]))
        #expect(state.transfers.map(\.id) == [7, 8] && state.transfers.allSatisfy { $0.phase == .paused })
        #expect(state.status == "2 transfers unfinished when Papers last quit: t shows the queue, r goes on.")
        state.press(.character("t"))
        guard case .startTransfer(let resumed) = state.press(.character("r")).first else { Issue.record("no resume"); return }
        #expect(resumed.localPaths == ["/tmp/Photos"] && resumed.done == ["/tmp/Photos/1.jpg"])
    }

    @Test func quitAsksWhileTransfersRun() {
        var state = Fixtures.browsing()
        let result14 = state.press(.character("q"))
        #expect(result14 == [.rememberPlace(state.place), .quit])
        #expect(state.shouldQuit)
        var busy = Fixtures.browsing()
        busy.press(.down, .character("d"))
        let result15 = busy.press(.function(10))
        #expect(result15.isEmpty)
        #expect(!busy.shouldQuit)
        let effects = busy.press(.character("y"))
        #expect(effects == [.cancelTransfer(id: 1), .rememberPlace(busy.place), .quit])
        #expect(busy.shouldQuit)
    }

    @Test func helpAndViewAndTransfersOverlays() {
        var state = Fixtures.browsing()
        state.press(.function(1))
        #expect(state.overlay == .help(scroll: 0))
        state.press(.down)
        #expect(state.overlay == .help(scroll: 1))
        state.press(.escape)
        #expect(state.overlay == nil)
        state.press(.character("?"))
        #expect(state.overlay == .help(scroll: 0))
        state.press(.character("q"))
        #expect(state.overlay == nil && !state.shouldQuit)
        state.press(.down)
        let result16 = state.press(.function(3))
        #expect(result16 == [.preview(state.remote.selected!)])
        let result17 = state.press(.character("v"))
        #expect(result17.count == 1)
        _ = reduce(&state, .previewLoaded(title: "report.pdf", text: "line 1\nline\t2"))
        #expect(state.overlay == .preview(title: "report.pdf", lines: ["line 1", "line    2"]))
        state.press(.character("x"))
        #expect(state.overlay == nil)
        state.press(.character("t"))
        #expect(state.overlay == .queue(cursor: 0))
        state.press(.escape)
        #expect(state.overlay == nil)
    }
}

@Suite struct ReducerSessionTests {
    @Test func loginFormStartsInTheFirstEmptyFieldAndSubmits() {
        var state = AppState(session: nil, server: "http://127.0.0.1:8080", localPath: "/tmp")
        guard case .login(let form) = state.screen else { Issue.record("no form"); return }
        #expect(form.focus == .email)
        _ = state.type("ada@example.com")
        state.press(.tab)
        _ = state.type("secret123")
        let result18 = state.press(.enter)
        #expect(result18 == [.login(server: "http://127.0.0.1:8080", email: "ada@example.com", password: "secret123")])
        _ = reduce(&state, .loginFailed("The e-mail address or password is incorrect."))
        guard case .login(let failed) = state.screen else { Issue.record("form gone"); return }
        #expect(failed.error == "The e-mail address or password is incorrect.")
        #expect(failed.password.text.isEmpty)
        let effects = reduce(&state, .loggedIn(Fixtures.session))
        #expect(state.screen == .browser)
        #expect(effects.first == .saveSession(Fixtures.session))
    }

    @Test func emptyFieldsAreRefusedWithoutAskingTheServer() {
        var state = AppState(session: nil, server: "", localPath: "/tmp")
        let result19 = state.press(.enter)
        #expect(result19.isEmpty)
        guard case .login(let form) = state.screen else { return }
        #expect(form.error != nil)
        #expect(form.focus == .server)
    }

    @Test func ctrlNSwitchesToRegistration() {
        var state = AppState(session: nil, server: "http://s", localPath: "/tmp")
        state.press(.ctrl("n"))
        guard case .login(let form) = state.screen else { return }
        #expect(form.isRegistration)
        #expect(form.focus == .fullname)
        _ = state.type("Ada")
        state.press(.tab)
        _ = state.type("ada@example.com")
        state.press(.tab)
        _ = state.type("secret123")
        state.press(.tab)
        _ = state.type("secret123")
        let effects = state.press(.enter)
        #expect(effects == [.register(server: "http://s", fullname: "Ada", email: "ada@example.com", password: "secret123", confirmation: "secret123")])
        let result20 = reduce(&state, .registered(email: "ada@example.com"))
        #expect(result20 == [.login(server: "http://s", email: "ada@example.com", password: "secret123")])
    }

    @Test func a401BringsTheFormBackWithThePlaceKept() {
        var state = Fixtures.browsing()
        state.press(.enter)  // into /drafts
        _ = reduce(&state, .folderLoaded(generation: 2, nodes: [Fixtures.node("inner.txt")], nextCursor: nil))
        state.press(.down)
        _ = reduce(&state, .failed(.sessionExpired(message: "Your session has expired. Please log in again.")))
        guard case .login(let form) = state.screen else { Issue.record("no form"); return }
        #expect(form.email.text == "ada@example.com")
        #expect(form.focus == .password)
        #expect(form.error?.contains("expired") == true)
        let effects = reduce(&state, .loggedIn(Fixtures.session))
        #expect(state.remote.path == "/drafts")
        #expect(effects.contains(.loadFolder(folderId: "id-drafts", cursor: nil, sort: .name, reversed: false, generation: 3)))
        _ = reduce(&state, .folderLoaded(generation: 3, nodes: [Fixtures.node("inner.txt")], nextCursor: nil))
        #expect(state.remote.selected?.name == "inner.txt")
    }

    @Test func losingTheServerRetries() {
        var state = Fixtures.browsing()
        let effects = reduce(&state, .folderFailed(generation: state.remote.generation, .network(message: "Couldn't connect to server")))
        #expect(effects == [.retryAfter(seconds: 2)])
        #expect(state.unreachable)
        #expect(state.status?.contains("unreachable") == true)
        let retry = reduce(&state, .retry)
        #expect(retry.count == 1)
        _ = reduce(&state, .folderLoaded(generation: state.remote.generation, nodes: [Fixtures.node("back")], nextCursor: nil))
        #expect(!state.unreachable)
    }
}
