import Foundation
import PapersClient
import PapersCore

/// The whole behaviour of the client: a pure function from state and action to new state and the
/// effects to run. No I/O here (termscp's blocking `update` is what froze its UI).
public func reduce(_ state: inout AppState, _ action: Action) -> [Effect] {
    let effects: [Effect]
    switch action {
    case .key(let key):
        if state.overlay != nil {
            effects = reduceOverlayKey(&state, key)
        } else if case .login = state.screen {
            effects = reduceLoginKey(&state, key)
        } else if state.width < minimumWidth || state.height < minimumHeight {
            // "Terminal too small" is all there is to see: only quitting is taken.
            effects = tooSmallKey(&state, key)
        } else {
            effects = reduceBrowserKey(&state, key)
        }
    case .resized(let width, let height):
        state.width = width
        state.height = height
        state.remote.clampScroll(rows: state.listRows)
        state.local.clampScroll(rows: state.listRows)
        effects = []
    default:
        effects = reduceResult(&state, action)
    }
    askPendingConflict(&state)
    return effects
}

/// The smallest screen the client draws (TUI.md: usable down to 60×16).
let minimumWidth = 60
let minimumHeight = 16

private func tooSmallKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    guard state.keyMap.command(for: key) == .quit || key == .ctrl("c") else { return [] }
    return reduceBrowserKey(&state, key)
}

/// Shows a conflict question that waited for a prompt or confirmation to close.
func askPendingConflict(_ state: inout AppState) {
    guard state.overlay == nil, let question = state.pendingConflict else { return }
    state.pendingConflict = nil
    state.overlay = .conflict(question)
}

/// What to do first: load the current folder (the remembered one), or show the login form.
public func startEffects(_ state: inout AppState) -> [Effect] {
    guard state.session != nil, case .browser = state.screen else { return [] }
    return [.loadQueue] + reload(&state, keeping: state.remote.reselect)
}

/// Starts a fresh listing of the current folder; the cursor returns to `keeping` when it shows up.
/// Listing the folder that is shown again (refresh, retry, after an edit) keeps its rows until the
/// first page replaces them, so a server that does not answer never empties the screen.
func reload(_ state: inout AppState, keeping id: String?, sameFolder: Bool = false) -> [Effect] {
    state.remote.generation += 1
    if sameFolder {
        state.remote.replaceOnFirstPage = true
    } else {
        state.remote.reset()
    }
    state.remote.reselect = id
    state.remote.isLoading = true
    return [nextPage(state.remote, cursor: nil)]
}

/// The load of a page of what the pane shows: the folder, or a search's results.
func nextPage(_ pane: RemotePane, cursor: String?) -> Effect {
    if let text = pane.searchText { return .loadSearch(text: text, cursor: cursor, generation: pane.generation) }
    return .loadFolder(folderId: pane.folderId, cursor: cursor, sort: pane.sort, reversed: pane.reversed, generation: pane.generation)
}

/// Commands that need the server; refused with a message while it does not answer.
private let needsServer: Set<Command> = [
    .open, .rename, .view, .upload, .move, .mkdir, .delete, .deleteForGood, .download, .sort, .reverseSort, .trash, .versions, .search,
    .appPasswords, .share, .shares,
]

func reduceBrowserKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    guard let command = state.keyMap.command(for: key) else { return [] }
    let rows = state.listRows
    let inLocalPane = state.focus == .local && state.showLocal
    if state.unreachable, needsServer.contains(command), !inLocalPane || command == .upload {
        let host = state.session?.server ?? "the server"
        setStatus(&state, "Offline: \(host) does not answer (retrying); \(command.title.lowercased()) waits until it is back.", error: true)
        return []
    }
    if inLocalPane, let effects = reduceLocalCommand(&state, command) { return effects }
    if state.remote.move(for: command, rows: rows) { return [] }
    // Search results are not a folder: nothing is made or put there.
    if state.remote.searchText != nil, command == .mkdir || command == .upload {
        setStatus(&state, "Search results are not a folder: open one (Enter on a result, or Backspace) to \(command.title.lowercased()) there.", error: true)
        return []
    }
    switch command {
    case .up, .down, .pageUp, .pageDown, .top, .bottom: break
    case .open:
        if state.remote.isOnParentRow { return goUp(&state) }
        guard let node = state.remote.selected else { return [] }
        // A search result: to its folder, with the cursor on it.
        if state.remote.searchText != nil {
            setStatus(&state, "Opening \((node.path as NSString).deletingLastPathComponent)…")
            return [.reveal(node)]
        }
        guard node.isFolder else { return [.preview(node)] }
        state.remote.trail.append(FolderRef(id: node.id, name: node.name))
        state.remote.filter = ""
        return reload(&state, keeping: nil)
    case .back: return goUp(&state)
    case .switchPane:
        if state.showLocal { state.focus = state.focus == .remote ? .local : .remote }
    case .help: state.overlay = .help(scroll: 0)
    case .rename:
        guard let node = state.remote.selected else { return nothingToActOn(&state, "rename") }
        state.overlay = .prompt(Prompt(purpose: .rename(nodeId: node.id), title: "Rename \(node.name) to", editor: LineEditor(node.name)))
    case .view:
        guard let node = state.remote.selected, !node.isFolder else { return nothingToActOn(&state, "view (a file)") }
        return [.preview(node)]
    case .toggleLocal:
        state.showLocal.toggle()
        state.focus = state.showLocal ? .local : .remote
        if state.showLocal { return [.listLocal(path: state.local.path)] }
    case .upload:
        // From the server pane: a path to upload (the local pane's selection is uploaded from there).
        state.overlay = .prompt(
            Prompt(purpose: .uploadPath, title: "Upload local file or folder into \(state.remote.path)", editor: LineEditor(state.local.join(""))))
        return []
    case .move:
        let targets = state.remote.targets
        guard !targets.isEmpty else { return nothingToActOn(&state, "move") }
        let title = targets.count == 1 ? "Move \(targets[0].name) to folder" : "Move \(targets.count) items to folder"
        let start = state.remote.searchText == nil ? state.remote.path : "/"
        state.overlay = .prompt(Prompt(purpose: .move(nodeIds: targets.map(\.id)), title: title, editor: LineEditor(start)))
    case .mkdir:
        state.overlay = .prompt(Prompt(purpose: .makeFolder, title: "New folder in \(state.remote.path)", editor: LineEditor()))
    case .delete, .deleteForGood:
        let targets = state.remote.targets
        guard !targets.isEmpty else { return nothingToActOn(&state, "delete") }
        let what = itemList(targets.map { ($0.name, $0.isFolder) }, kind: "item")
        let permanent = command == .deleteForGood
        state.overlay = .confirm(
            Confirmation(
                purpose: .delete(nodeIds: targets.map(\.id), permanent: permanent),
                message: permanent ? "Delete for good: \(what)? This cannot be undone." : "Move to the trash: \(what)?"))
    case .trash:
        state.overlay = .trash(TrashView())
        return [.loadTrash]
    case .appPasswords:
        state.overlay = .appPasswords(AppPasswordsView())
        return [.loadAppPasswords]
    case .share:
        return startShare(&state)
    case .shares:
        state.overlay = .shares(SharesView())
        return [.loadShares]
    case .versions:
        guard let node = state.remote.selected, !node.isFolder else { return nothingToActOn(&state, "show the versions of (a file)") }
        state.overlay = .versions(VersionsView(file: node))
        return [.loadVersions(fileId: node.id)]
    case .search:
        state.overlay = .prompt(Prompt(purpose: .search, title: "Find names containing (in all folders)", editor: LineEditor()))
    case .download:
        let nodes = state.remote.targets
        guard !nodes.isEmpty else { return nothingToActOn(&state, "download") }
        state.remote.marked = []
        // Folders and big files say where they go first (mc's copy dialog); small files just go.
        let total = nodes.reduce(Int64(0)) { $0 + $1.size }
        if nodes.contains(where: \.isFolder) || total >= bigTransfer {
            let what = nodes.count == 1 ? nodes[0].path : "\(nodes.count) items from \(state.remote.path)"
            state.overlay = .confirm(
                Confirmation(
                    purpose: .download(nodes: nodes),
                    message: "Download \(what) (\(ByteCount.human(total))) → \(state.local.path)/ ?"))
            return []
        }
        return startDownload(&state, nodes: nodes)
    case .quit:
        if state.activeTransfers > 0 {
            state.overlay = .confirm(
                Confirmation(purpose: .quit, message: "\(state.activeTransfers) transfer(s) still running. Quit and cancel them?"))
            return []
        }
        state.shouldQuit = true
        return [.rememberPlace(state.place), .quit]
    case .mark:
        guard let node = state.remote.selected else { return nothingToActOn(&state, "mark") }
        if state.remote.marked.contains(node.id) { state.remote.marked.remove(node.id) } else { state.remote.marked.insert(node.id) }
        state.remote.move(by: 1, rows: rows)
    case .markAll:
        state.remote.marked = Set(state.remote.visible.map { state.remote.items[$0].id })
    case .invertMarks:
        let all = Set(state.remote.visible.map { state.remote.items[$0].id })
        state.remote.marked = all.subtracting(state.remote.marked)
    case .filter:
        state.overlay = .prompt(Prompt(purpose: .filter, title: "Filter", editor: LineEditor(state.remote.filter)))
    case .clearFilter:
        if !state.remote.filter.isEmpty {
            state.remote.filter = ""
            state.remote.refilter()
        } else if let running = state.transfers.first(where: { $0.phase == .running }) {
            return [.cancelTransfer(id: running.id)]
        }
    case .sort:
        state.remote.sort = state.remote.sort.next
        state.status = "Sorted by \(state.remote.sort.label)"
        state.statusIsError = false
        return reload(&state, keeping: state.remote.selected?.id)
    case .reverseSort:
        state.remote.reversed.toggle()
        setStatus(&state, "Sorted by \(state.remote.sort.label), \(state.remote.reversed ? "descending" : "ascending")")
        return reload(&state, keeping: state.remote.selected?.id)
    case .toggleHidden:
        state.remote.showHidden.toggle()
        state.local.showHidden = state.remote.showHidden
        state.remote.refilter()
        setStatus(&state, state.remote.showHidden ? "Hidden (dot) files shown" : "Hidden (dot) files hidden")
    case .refresh:
        var effects = reload(&state, keeping: state.remote.selected?.id, sameFolder: true)
        if state.showLocal { effects.append(.listLocal(path: state.local.path)) }
        return effects
    case .transfers:
        // The cursor starts on what is still going on, else on the last one.
        let first = state.transfers.firstIndex(where: \.isActive) ?? max(0, state.transfers.count - 1)
        state.overlay = .queue(cursor: first)
    case .logout:
        guard let session = state.session else { return [] }
        let running = state.activeTransfers > 0 ? " and cancel \(state.activeTransfers) transfer(s)" : ""
        state.overlay = .confirm(Confirmation(purpose: .logout, message: "Log out of \(session.email) @ \(session.server)\(running)?"))
    case .cancelTransfer:
        if let running = state.transfers.first(where: { $0.phase == .running }) { return [.cancelTransfer(id: running.id)] }
    }
    return []
}

func goUp(_ state: inout AppState) -> [Effect] {
    guard !state.remote.atRoot else { return [] }
    let left = state.remote.trail.removeLast()
    state.remote.filter = ""
    return reload(&state, keeping: left.id)
}

/// Keys in the local pane: navigation, marking and its own edits; `nil` for the commands that
/// are not about either pane (help, quit, the queue, …). A key never acts on the other pane's
/// hidden cursor.
func reduceLocalCommand(_ state: inout AppState, _ command: Command) -> [Effect]? {
    let rows = state.listRows
    let pane = state.local
    if state.local.move(for: command, rows: rows) { return [] }
    switch command {
    case .open:
        if pane.isOnParentRow { return [.listLocal(path: pane.parentPath)] }
        guard let entry = pane.selected else { return [] }
        return [entry.isFolder ? .listLocal(path: pane.join(entry.name)) : .previewLocal(path: pane.join(entry.name))]
    case .back:
        guard !pane.atRoot else { return [] }
        return [.listLocal(path: pane.parentPath)]
    case .view:
        guard let entry = pane.selected, !entry.isFolder else { return nothingToActOn(&state, "view") }
        return [.previewLocal(path: pane.join(entry.name))]
    case .mark:
        guard let entry = pane.selected else { return nothingToActOn(&state, "mark") }
        if pane.marked.contains(entry.name) { state.local.marked.remove(entry.name) } else { state.local.marked.insert(entry.name) }
        state.local.move(by: 1, rows: rows)
    case .markAll: state.local.marked = Set(pane.shown.map(\.name))
    case .invertMarks: state.local.marked = Set(pane.shown.map(\.name)).subtracting(pane.marked)
    case .refresh: return [.listLocal(path: pane.path)]
    case .rename:
        guard let entry = pane.selected else { return nothingToActOn(&state, "rename") }
        state.overlay = .prompt(
            Prompt(purpose: .renameLocal(path: pane.join(entry.name)), title: "Rename local \(entry.name) to", editor: LineEditor(entry.name)))
    case .mkdir:
        state.overlay = .prompt(Prompt(purpose: .makeLocalFolder, title: "New local folder in \(pane.path)", editor: LineEditor()))
    case .move:
        let targets = pane.targets
        guard !targets.isEmpty else { return nothingToActOn(&state, "move") }
        let title = targets.count == 1 ? "Move local \((targets[0] as NSString).lastPathComponent) to folder" : "Move \(targets.count) local items to folder"
        state.overlay = .prompt(Prompt(purpose: .moveLocal(paths: targets), title: title, editor: LineEditor(pane.path)))
    case .delete:
        let targets = pane.targets
        guard !targets.isEmpty else { return nothingToActOn(&state, "delete") }
        let entries = pane.shown.filter { targets.contains(pane.join($0.name)) }
        state.overlay = .confirm(
            Confirmation(
                purpose: .deleteLocal(paths: targets),
                message: "Delete " + itemList(entries.map { ($0.name, $0.isFolder) }, kind: "local item", place: " from disk")
                    + "? This cannot be undone."))
    case .upload:
        let paths = pane.targets
        guard !paths.isEmpty else { return nothingToActOn(&state, "upload") }
        state.local.marked = []
        return startUpload(&state, paths: paths)
    case .download:
        setStatus(&state, "F9 downloads from the server pane: Tab to it, then F9 (into \(pane.path)).", error: true)
    case .share:
        setStatus(&state, "Links are to what is on the server: Tab to the server pane, then c on a file or folder.", error: true)
    default: return nil
    }
    return []
}

/// Downloads of this size or more (or of folders) are confirmed with their destination first.
let bigTransfer: Int64 = 64 << 20

/// `3 items: a.txt, b/, c.txt` / `5 items: a, b, c and 2 more (folders with everything in them)`.
func itemList(_ items: [(name: String, isFolder: Bool)], kind: String, place: String = "") -> String {
    let names = items.prefix(3).map { $0.isFolder ? $0.name + "/" : $0.name }.joined(separator: ", ")
    let folders = items.contains(where: \.isFolder) ? " (folders with everything in them)" : ""
    let count = ByteCount.grouped(Int64(items.count))
    let more = items.count > 3 ? " and \(ByteCount.grouped(Int64(items.count - 3))) more" : ""
    return "\(count) \(kind)\(items.count == 1 ? "" : "s")\(place): \(names)\(more)\(folders)"
}

/// Says why a key did nothing: on `..` or in an empty pane there is nothing to act on.
func nothingToActOn(_ state: inout AppState, _ verb: String) -> [Effect] {
    setStatus(&state, "Nothing to \(verb): put the cursor on an item (or mark some).", error: true)
    return []
}

func startUpload(_ state: inout AppState, paths: [String]) -> [Effect] {
    let name = paths.count == 1 ? (paths[0] as NSString).lastPathComponent : "\(paths.count) items"
    var transfer = Transfer(
        id: state.nextTransferId, direction: .upload, name: name, localPaths: paths, nodes: [], remoteFolderId: state.remote.folderId,
        localFolder: state.local.path)
    state.nextTransferId += 1
    transfer.remoteFolderPath = state.remote.path
    transfer.parallelism = state.parallelism
    state.transfers.append(transfer)
    setStatus(&state, "Uploading \(name) → \(state.remote.path)")
    return [.startTransfer(transfer)]
}

func startDownload(_ state: inout AppState, nodes: [Node]) -> [Effect] {
    let name = nodes.count == 1 ? nodes[0].name : "\(nodes.count) items"
    var transfer = Transfer(
        id: state.nextTransferId, direction: .download, name: name, localPaths: [], nodes: nodes, remoteFolderId: state.remote.folderId,
        localFolder: state.local.path)
    state.nextTransferId += 1
    transfer.remoteFolderPath = state.remote.path
    transfer.parallelism = state.parallelism
    state.transfers.append(transfer)
    setStatus(&state, "Downloading \(name) → \(state.local.path)/")
    return [.startTransfer(transfer)]
}
