import Foundation
import PapersClient
import PapersCore

/// Results of effects.
func reduceResult(_ state: inout AppState, _ action: Action) -> [Effect] {
    switch action {
    case .trashLoaded, .trashChanged, .versionsLoaded, .revealed:
        return reduceTrashResult(&state, action)
    case .appPasswordsLoaded, .appPasswordCreated, .appPasswordRevoked:
        return reduceAppPasswordsResult(&state, action)
    case .sharesLoaded, .shareCreated, .shareRevoked:
        return reduceSharesResult(&state, action)
    case .loggedIn(var session):
        session.bundledData = state.bundledData
        state.session = session
        state.screen = .browser
        state.unreachable = false
        setStatus(&state, "Logged in as \(session.email).")
        // The folder the user was in (a 401 keeps their place) is listed again.
        var effects: [Effect] = [.saveSession(session)]
        if state.transfers.isEmpty { effects.append(.loadQueue) }
        effects += reload(&state, keeping: state.remote.selected?.id ?? state.remote.reselect)
        if state.showLocal { effects.append(.listLocal(path: state.local.path)) }
        return effects
    case .registered(let email):
        guard case .login(var form) = state.screen else { return [] }
        form.notice = "Account created for \(email)."
        form.isRegistration = false
        state.screen = .login(form)
        return [.login(server: form.server.text, email: email, password: form.password.text)]
    case .loginFailed(let message):
        guard case .login(var form) = state.screen else { return [] }
        form.isBusy = false
        form.error = message
        // A refused password is typed again; a server that did not answer is no reason to.
        if !message.hasPrefix(EffectRunner.unreachablePrefix) {
            form.password.set("")
            form.confirmation.set("")
            form.focus = .password
        }
        state.screen = .login(form)
        return []
    case .loggedOut:
        var form = LoginForm(server: state.session?.server ?? "", email: state.session?.email ?? "")
        form.notice = "Logged out. Log in again, to another account or another server."
        state.session = nil
        state.screen = .login(form)
        state.overlay = nil
        state.remote = RemotePane()
        return []
    case .folderLoaded(let generation, let nodes, let next):
        guard generation == state.remote.generation else { return [] }
        if state.unreachable {
            state.unreachable = false
            setStatus(&state, "Reconnected to \(state.session?.server ?? "the server").")
        }
        if state.remote.replaceOnFirstPage {
            let keep = state.remote.reselect ?? state.remote.selected?.id
            let (cursor, scroll, marked) = (state.remote.cursor, state.remote.scroll, state.remote.marked)
            state.remote.reset()
            state.remote.reselect = keep
            state.remote.cursor = cursor
            state.remote.scroll = scroll
            state.remote.marked = marked.intersection(nodes.map(\.id))
        }
        state.remote.append(nodes)
        state.remote.nextCursor = next
        state.remote.clampScroll(rows: state.listRows)
        if let next { return [nextPage(state.remote, cursor: next)] }
        state.remote.isLoading = false
        state.remote.reselect = nil
        return [.rememberPlace(state.place)]
    case .folderFailed(let generation, let error):
        guard generation == state.remote.generation else { return [] }
        state.remote.isLoading = false
        if case .server(404, _, _) = error, !state.remote.atRoot {
            // The folder went away (deleted elsewhere): go up.
            setStatus(&state, "\(state.remote.path) no longer exists.", error: true)
            state.remote.trail.removeLast()
            return reload(&state, keeping: nil)
        }
        return handle(&state, error)
    case .changed(let message, let select):
        setStatus(&state, message)
        if case .prompt(let prompt) = state.overlay, prompt.isBusy { state.overlay = nil }
        return reload(&state, keeping: select ?? state.remote.selected?.id, sameFolder: true)
    case .deleting(let done, let total):
        setStatus(&state, "Deleting… \(ByteCount.grouped(Int64(done))) of \(ByteCount.grouped(Int64(total)))")
        return []
    case .failed(let error):
        // A prompt waiting for this answer stays up with the server's words and the text kept.
        if case .prompt(var prompt) = state.overlay, prompt.isBusy, error.status != 401, !error.isNetwork {
            prompt.isBusy = false
            prompt.error = error.description
            state.overlay = .prompt(prompt)
            setStatus(&state, error.description, error: true)
            return []
        }
        if case .prompt(let prompt) = state.overlay, prompt.isBusy { state.overlay = nil }
        stopWaiting(&state)
        return handle(&state, error)
    case .localListed(let path, let entries):
        let cameFrom = path == state.local.parentPath ? (state.local.path as NSString).lastPathComponent : nil
        let keep = path == state.local.path ? (state.local.reselect ?? state.local.selected?.name) : cameFrom
        state.local.reselect = nil
        state.local.path = path
        state.local.entries = entries
        state.local.error = nil
        if path != state.local.path || keep == nil { state.local.cursor = 0 }
        state.local.marked = state.local.marked.intersection(Set(entries.map(\.name)))
        if let keep, let index = state.local.shown.firstIndex(where: { $0.name == keep }) {
            state.local.cursor = index + (state.local.atRoot ? 0 : 1)
        } else if keep == nil {
            state.local.cursor = 0
        }
        state.local.move(by: 0, rows: state.listRows)
        return []
    case .localChanged(let message, let select):
        setStatus(&state, message)
        if let select { state.local.reselect = select }
        return [.listLocal(path: state.local.path)]
    case .localFailed(_, let message):
        state.local.error = message
        setStatus(&state, message, error: true)
        return []
    case .transferProgress(let id, let progress):
        if let index = state.transfers.firstIndex(where: { $0.id == id }) {
            if state.transfers[index].isActive { state.transfers[index].phase = .running }
            state.transfers[index].progress = progress
        }
        return []
    case .transferFileProgress(let id, let number, let name, let progress):
        guard let index = state.transfers.firstIndex(where: { $0.id == id }), state.transfers[index].isActive else { return [] }
        if let row = state.transfers[index].files.firstIndex(where: { $0.number == number }) {
            state.transfers[index].files[row].bytes = progress.bytes
            state.transfers[index].files[row].total = progress.total
        } else {
            state.transfers[index].files.append(Transfer.FileRow(number: number, name: name, bytes: progress.bytes, total: progress.total))
        }
        return []
    case .transferFileEnded(let id, let number):
        if let index = state.transfers.firstIndex(where: { $0.id == id }) { state.transfers[index].files.removeAll { $0.number == number } }
        return []
    case .queueLoaded(var unfinished):
        for i in unfinished.indices {
            unfinished[i].id = state.nextTransferId
            unfinished[i].parallelism = state.parallelism
            state.nextTransferId += 1
        }
        state.transfers += unfinished
        let count = unfinished.count == 1 ? "1 transfer" : "\(unfinished.count) transfers"
        setStatus(&state, "\(count) unfinished when Papers last quit: t shows the queue, r goes on.")
        return []
    case .transferFinished(let id, let error):
        guard let index = state.transfers.firstIndex(where: { $0.id == id }) else { return [] }
        let transfer = state.transfers[index]
        if case .conflict(let question) = state.overlay, question.transferId == id { state.overlay = nil }
        if state.pendingConflict?.transferId == id { state.pendingConflict = nil }
        state.transfers[index].files = []
        var effects: [Effect] = []
        switch error {
        case _ where transfer.phase == .paused && error != nil:
            setStatus(&state, "Paused \(transfer.name): r in the queue (t) goes on from where it stopped.")
        case .none:
            state.transfers[index].phase = .done
            let verb = transfer.direction == .upload ? "Uploaded" : "Downloaded"
            let place = transfer.direction == .download ? " to \(transfer.localFolder)/" : " to \(transfer.remoteFolderPath)"
            switch transfer.skipped.count {
            case _ where transfer.filesDone == 0 && !transfer.skipped.isEmpty:
                // Nothing moved: saying "Uploaded" would be a lie.
                let reasons = transfer.skipped.count == 1 ? transfer.skipped[0] : "\(transfer.skipped.count) items (t shows them)"
                setStatus(&state, "Skipped \(reasons).")
            case 0: setStatus(&state, "\(verb) \(transfer.name)\(place).")
            case 1: setStatus(&state, "\(verb) \(transfer.name)\(place); skipped \(transfer.skipped[0]).")
            case let n: setStatus(&state, "\(verb) \(transfer.name)\(place); skipped \(n) (t shows them).")
            }
        case .cancelled:
            state.transfers[index].phase = .cancelled
            setStatus(&state, "Cancelled \(transfer.name).")
        case .some(let error):
            state.transfers[index].phase = .failed(error.description)
            if case .sessionExpired = error { return [.saveQueue(state.transfers)] + handle(&state, error) }
            setStatus(&state, "\(transfer.name): \(error.description) (t to retry)", error: true)
        }
        effects.append(.saveQueue(state.transfers))
        if transfer.direction == .upload, transfer.remoteFolderId == state.remote.folderId {
            return effects + reload(&state, keeping: state.remote.selected?.id)
        }
        if transfer.direction == .download, state.showLocal, transfer.localFolder == state.local.path {
            return effects + [.listLocal(path: state.local.path)]
        }
        return effects
    case .transferFileDone(let id, let key, let bytes):
        if let index = state.transfers.firstIndex(where: { $0.id == id }) {
            state.transfers[index].done.insert(key)
            state.transfers[index].bytesDone += bytes
        }
        return []
    case .transferSkipped(let id, let path, let reason):
        if let index = state.transfers.firstIndex(where: { $0.id == id }) { state.transfers[index].skipped.append("\(path): \(reason)") }
        return []
    case .conflictFound(let id, let conflict):
        let question = ConflictQuestion(transferId: id, conflict: conflict)
        switch state.overlay {
        case .prompt, .confirm, .conflict: state.pendingConflict = question
        default: state.overlay = .conflict(question)
        }
        return []
    case .previewLoaded(let title, let text):
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0).replacingOccurrences(of: "\t", with: "    ").replacingOccurrences(of: "\r", with: "")
        }
        state.overlay = .preview(title: title, lines: lines)
        return []
    case .localPathChecked(let path, let problem):
        guard case .prompt(var prompt) = state.overlay, prompt.isBusy, prompt.purpose == .uploadPath else { return [] }
        if let problem {
            prompt.isBusy = false
            prompt.error = problem
            state.overlay = .prompt(prompt)
            return []
        }
        state.overlay = nil
        return startUpload(&state, paths: [path])
    case .completions(let candidates):
        guard case .prompt(var prompt) = state.overlay else { return [] }
        prompt.isCompleting = false
        if candidates.count == 1 {
            prompt.editor.set(candidates[0])
            prompt.completions = []
        } else if let common = commonPrefix(candidates), common.count > prompt.editor.text.count {
            prompt.editor.set(common)
            prompt.completions = candidates
        } else {
            prompt.completions = candidates
        }
        state.overlay = .prompt(prompt)
        if prompt.submitAfterCompletion {
            prompt.submitAfterCompletion = false
            state.overlay = .prompt(prompt)
            return submitPrompt(&state, prompt)
        }
        return []
    case .retry:
        guard state.unreachable, case .browser = state.screen else { return [] }
        return reload(&state, keeping: state.remote.selected?.id ?? state.remote.reselect, sameFolder: true)
    case .key, .resized:
        return []
    }
}

/// A failure from the server or the network: 401 back to the login form (place kept), no answer
/// "server unreachable" with a retry, anything else the server's own words.
func handle(_ state: inout AppState, _ error: ClientError) -> [Effect] {
    switch error {
    case .sessionExpired(let message):
        var form = LoginForm(server: state.session?.server ?? "", email: state.session?.email ?? "")
        form.error = "Your session has ended (\(message)). Log in again."
        state.screen = .login(form)
        state.overlay = nil
        return []
    case .network:
        state.unreachable = true
        setStatus(&state, "Server \(state.session?.server ?? "") unreachable — retrying… (the list shows its last known state)", error: true)
        return [.retryAfter(seconds: 2)]
    default:
        setStatus(&state, error.description, error: true)
        return []
    }
}

func setStatus(_ state: inout AppState, _ message: String, error: Bool = false) {
    state.status = message
    state.statusIsError = error
}

func commonPrefix(_ strings: [String]) -> String? {
    guard var prefix = strings.first else { return nil }
    for string in strings.dropFirst() {
        while !string.hasPrefix(prefix) { prefix.removeLast() }
    }
    return prefix
}
