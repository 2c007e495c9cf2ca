import Foundation
import PapersClient
import PapersCore

/// Keys while a prompt, confirmation, help, preview or the transfer queue is open.
func reduceOverlayKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    switch state.overlay {
    case .help(let scroll):
        switch key {
        case .down, .character("j"): state.overlay = .help(scroll: scroll + 1)
        case .up, .character("k"): state.overlay = .help(scroll: max(0, scroll - 1))
        case .pageDown: state.overlay = .help(scroll: scroll + state.listRows)
        case .pageUp: state.overlay = .help(scroll: max(0, scroll - state.listRows))
        default: state.overlay = nil
        }
    case .preview:
        state.overlay = nil
    case .confirm(let confirmation):
        state.overlay = nil
        // The trash's question also offers deleting for good instead.
        if case .delete(let ids, false) = confirmation.purpose, key == .character("X") {
            return confirmedDelete(&state, ids, permanent: true)
        }
        guard key == .character("y") || key == .character("Y") else {
            state.status = "Cancelled."
            state.statusIsError = false
            return reopenBehind(&state, confirmation)
        }
        switch confirmation.purpose {
        case .delete(let ids, let permanent):
            return confirmedDelete(&state, ids, permanent: permanent)
        case .eraseTrashed(let ids):
            state.overlay = .trash(TrashView())
            setStatus(&state, ids == nil ? "Emptying the trash…" : "Deleting for good…")
            return [.eraseTrashed(ids: ids)]
        case .restoreVersion(let fileId, let version):
            if case .versions(var view) = confirmation.behind ?? .none {
                view.isLoading = true
                state.overlay = .versions(view)
            }
            setStatus(&state, "Making version \(version) current…")
            return [.restoreVersion(fileId: fileId, version: version)]
        case .download(let nodes):
            return startDownload(&state, nodes: nodes)
        case .logout:
            return state.transfers.filter(\.isActive).map { .cancelTransfer(id: $0.id) } + [.logout]
        case .revokeAppPassword(let id, let name):
            var view = AppPasswordsView()
            if case .appPasswords(let behind) = confirmation.behind ?? .none { view = behind }
            view.isLoading = true
            state.overlay = .appPasswords(view)
            setStatus(&state, "Revoking \"\(name)\"…")
            return [.revokeAppPassword(id: id)]
        case .revokeShare(let id, let name):
            var view = SharesView()
            if case .shares(let behind) = confirmation.behind ?? .none { view = behind }
            if view.created?.share.id == id { view.created = nil }
            view.isLoading = true
            state.overlay = .shares(view)
            setStatus(&state, "Revoking the link to \"\(name)\"…")
            return [.revokeShare(id: id)]
        case .deleteLocal(let paths):
            state.local.marked = []
            setStatus(&state, "Deleting \(paths.count) local item\(paths.count == 1 ? "" : "s")…")
            return [.deleteLocal(paths: paths)]
        case .quit:
            state.shouldQuit = true
            return state.transfers.filter(\.isActive).map { .cancelTransfer(id: $0.id) } + [.rememberPlace(state.place), .quit]
        }
    case .queue(let cursor):
        let count = state.transfers.count
        switch key {
        case .down, .character("j"): state.overlay = .queue(cursor: min(max(0, count - 1), cursor + 1))
        case .up, .character("k"): state.overlay = .queue(cursor: max(0, cursor - 1))
        case .escape, .character("x"):
            if cursor < count, state.transfers[cursor].isActive { return [.cancelTransfer(id: state.transfers[cursor].id)] }
            if key == .escape { state.overlay = nil }
        case .character("p"):
            // Pause: stop it now; r goes on from where it stopped.
            guard cursor < count, state.transfers[cursor].isActive else { return [] }
            state.transfers[cursor].phase = .paused
            state.transfers[cursor].files = []
            setStatus(&state, "Pausing \(state.transfers[cursor].name)…")
            return [.cancelTransfer(id: state.transfers[cursor].id), .saveQueue(state.transfers)]
        case .character("r"):
            // Resume a paused, failed or cancelled transfer where it stopped: the files that arrived
            // are passed over, big files go on from their part or tus upload. A new id: the stopped
            // run's last reports are ignored.
            guard cursor < count, state.transfers[cursor].canResume else { return [] }
            state.transfers[cursor].id = state.nextTransferId
            state.nextTransferId += 1
            state.transfers[cursor].phase = .queued
            state.transfers[cursor].skipped = []
            state.transfers[cursor].progress = TransferProgress(bytes: state.transfers[cursor].bytesDone, total: nil, bytesPerSecond: 0)
            setStatus(&state, "Going on with \(state.transfers[cursor].name)…")
            return [.startTransfer(state.transfers[cursor])]
        default: state.overlay = nil
        }
    case .prompt(var prompt):
        return reducePromptKey(&state, &prompt, key)
    case .trash(var view):
        return reduceTrashKey(&state, &view, key)
    case .versions(var view):
        return reduceVersionsKey(&state, &view, key)
    case .appPasswords(var view):
        return reduceAppPasswordsKey(&state, &view, key)
    case .shares(var view):
        return reduceSharesKey(&state, &view, key)
    case .conflict(var question):
        return reduceConflictKey(&state, &question, key)
    case .none:
        break
    }
    return []
}

/// o overwrite, s skip, b keep both, n overwrite if newer, a toggles "apply to all", Esc cancels
/// the transfer. Other keys leave the question up: a file is never replaced without an answer.
private func reduceConflictKey(_ state: inout AppState, _ question: inout ConflictQuestion, _ key: Key) -> [Effect] {
    let answer: ConflictAnswer?
    switch key {
    case .character("o"), .character("O"): answer = .overwrite
    case .character("s"), .character("S"): answer = .skip
    case .character("b"), .character("B"): answer = .keepBoth
    case .character("n"), .character("N"): answer = .overwriteIfNewer
    case .character("a"), .character("A"):
        question.applyToAll.toggle()
        state.overlay = .conflict(question)
        return []
    case .escape: answer = nil
    default: return []
    }
    state.overlay = nil
    if answer == nil { setStatus(&state, "Cancelled the transfer at \(question.conflict.name).") }
    return [.answerConflict(id: question.transferId, answer: answer, applyToAll: question.applyToAll)]
}

private func reducePromptKey(_ state: inout AppState, _ prompt: inout Prompt, _ key: Key) -> [Effect] {
    if prompt.isBusy, key != .escape { return [] }  // waiting for the server's answer
    switch key {
    case .escape:
        state.overlay = nil
        if prompt.purpose == .filter {
            state.remote.filter = ""
            state.remote.refilter()
        }
        return []
    case .tab:
        let local: Bool
        switch prompt.purpose {
        case .uploadPath, .moveLocal: local = true
        case .move: local = false
        default: return []
        }
        prompt.isCompleting = true
        state.overlay = .prompt(prompt)
        return [.complete(text: prompt.editor.text, local: local)]
    case .enter:
        // Tab then Enter at once: the completion is applied first, then the prompt is submitted.
        if prompt.isCompleting {
            prompt.submitAfterCompletion = true
            state.overlay = .prompt(prompt)
            return []
        }
        return submitPrompt(&state, prompt)
    default:
        guard prompt.editor.handle(key) else { return [] }
        prompt.error = nil
        prompt.completions = []
        if prompt.purpose == .filter {
            state.remote.filter = prompt.editor.text
            state.remote.refilter()
            state.remote.clampScroll(rows: state.listRows)
        }
        state.overlay = .prompt(prompt)
        return []
    }
}

func submitPrompt(_ state: inout AppState, _ prompt: Prompt) -> [Effect] {
    var prompt = prompt
    let text = prompt.editor.text
    switch prompt.purpose {
    case .rename(let id):
        do {
            let name = try NodeName.validated(text)
            if let current = state.remote.items.first(where: { $0.id == id }), current.name == name {
                state.overlay = nil
                return []
            }
            prompt.isBusy = true
            state.overlay = .prompt(prompt)
            return [.rename(nodeId: id, name: name)]
        } catch {
            prompt.error = error.message
        }
    case .makeFolder:
        // `Photos/2026/Summer` makes the nested path (as mc does); every part must be a valid name.
        do {
            let parts = try text.split(separator: "/", omittingEmptySubsequences: true).map { try NodeName.validated(String($0)) }
            if parts.isEmpty { _ = try NodeName.validated("") }  // says "A name cannot be empty."
            prompt.isBusy = true
            state.overlay = .prompt(prompt)
            return [.makeFolder(name: parts.joined(separator: "/"), parentId: state.remote.folderId)]
        } catch {
            prompt.error = error.message
        }
    case .move(let ids):
        guard text.hasPrefix("/") else {
            prompt.error = "Give a folder path starting with /"
            break
        }
        prompt.isBusy = true
        state.overlay = .prompt(prompt)
        state.remote.marked = []
        return [.move(nodeIds: ids, destination: text)]
    case .uploadPath:
        let path = (text as NSString).expandingTildeInPath
        guard !path.isEmpty else {
            prompt.error = "Give a local path."
            break
        }
        // Refused inside the dialog when it does not exist, instead of queued to fail.
        prompt.isBusy = true
        state.overlay = .prompt(prompt)
        return [.checkLocalPath(path)]
    case .filter:
        state.overlay = nil
        return []
    case .createAppPassword:
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            prompt.error = "Name it after the device or app, such as \"Laptop (Finder)\"."
            break
        }
        let name: String
        do {
            name = try AccountRules.appPasswordName(text)
        } catch {
            prompt.error = error.message
            break
        }
        var view = AppPasswordsView()
        view.isLoading = true
        state.overlay = .appPasswords(view)
        setStatus(&state, "Making an app password…")
        return [.createAppPassword(name: name)]
    case .shareExpiry, .sharePassword:
        return submitSharePrompt(&state, &prompt)
    case .search:
        let query = text.precomposedStringWithCanonicalMapping
        guard !query.isEmpty else {
            prompt.error = "Type a part of a name."
            break
        }
        guard query.utf8.count <= 255 else {
            prompt.error = "At most 255 bytes."
            break
        }
        state.overlay = nil
        // The results are a folder of their own over the current one: Backspace goes back.
        if state.remote.searchText != nil { state.remote.trail.removeLast() }
        state.remote.trail.append(FolderRef(id: nil, name: "", search: query))
        state.remote.filter = ""
        return reload(&state, keeping: nil)
    case .renameLocal(let path):
        do {
            let name = try NodeName.validated(text)
            state.overlay = nil
            if name == (path as NSString).lastPathComponent { return [] }
            return [.renameLocal(path: path, name: name)]
        } catch {
            prompt.error = error.message
        }
    case .makeLocalFolder:
        do {
            let name = try NodeName.validated(text)
            state.overlay = nil
            return [.makeLocalFolder(path: state.local.join(name))]
        } catch {
            prompt.error = error.message
        }
    case .moveLocal(let paths):
        let folder = (text as NSString).expandingTildeInPath
        guard folder.hasPrefix("/") else {
            prompt.error = "Give a local folder path starting with / or ~"
            break
        }
        state.overlay = nil
        state.local.marked = []
        return [.moveLocal(paths: paths, into: folder)]
    }
    state.overlay = .prompt(prompt)
    return []
}
