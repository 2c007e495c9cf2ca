import Foundation
import PapersClient
import PapersCore

/// The trash and versions overlays, and the answers to their questions.

/// A confirmed delete: to the trash, or for good.
func confirmedDelete(_ state: inout AppState, _ ids: [String], permanent: Bool) -> [Effect] {
    state.remote.marked = []
    let count = "\(ByteCount.grouped(Int64(ids.count))) item\(ids.count == 1 ? "" : "s")"
    setStatus(&state, permanent ? "Deleting \(count) for good…" : "Moving \(count) to the trash…")
    return [.delete(nodeIds: ids, permanent: permanent)]
}

/// After "no": back to the overlay the question was asked from.
func reopenBehind(_ state: inout AppState, _ confirmation: Confirmation) -> [Effect] {
    state.overlay = confirmation.behind
    return []
}

/// ↑↓ move; r (Enter) restores where it was, R restores under a free name when that one is taken;
/// x / Delete / F8 deletes for good and E empties the trash (both asked first); Esc, q or T closes.
func reduceTrashKey(_ state: inout AppState, _ view: inout TrashView, _ key: Key) -> [Effect] {
    switch key {
    case .down, .character("j"): view.cursor = min(max(0, view.items.count - 1), view.cursor + 1)
    case .up, .character("k"): view.cursor = max(0, view.cursor - 1)
    case .pageDown: view.cursor = min(max(0, view.items.count - 1), view.cursor + state.listRows)
    case .pageUp: view.cursor = max(0, view.cursor - state.listRows)
    case .enter, .character("r"), .character("R"):
        guard let item = view.selected, !view.isLoading else { return [] }
        view.isLoading = true
        state.overlay = .trash(view)
        setStatus(&state, "Restoring \(item.originalPath)…")
        return [.restoreTrashed(id: item.node.id, rename: key == .character("R"))]
    case .character("x"), .delete, .function(8), .character("D"):
        guard let item = view.selected else { return [] }
        let what = item.node.isFolder ? "\(item.originalPath)/ and everything in it" : item.originalPath
        state.overlay = .confirm(
            Confirmation(
                purpose: .eraseTrashed(ids: [item.node.id]), message: "Delete \(what) for good? This cannot be undone.",
                behind: .trash(view)))
        return []
    case .character("E"):
        guard !view.items.isEmpty else {
            setStatus(&state, "The trash is empty.")
            return []
        }
        state.overlay = .confirm(
            Confirmation(
                purpose: .eraseTrashed(ids: nil),
                message: "Empty the trash: delete its \(view.items.count) item\(view.items.count == 1 ? "" : "s") for good?",
                behind: .trash(view)))
        return []
    case .escape, .character("q"), .character("T"):
        state.overlay = nil
        return []
    default: return []
    }
    state.overlay = .trash(view)
    return []
}

/// ↑↓ move; Enter or v shows the first KiB of a version, d downloads it into the local folder, r
/// makes it current (asked first); Esc, q or V closes.
func reduceVersionsKey(_ state: inout AppState, _ view: inout VersionsView, _ key: Key) -> [Effect] {
    switch key {
    case .down, .character("j"): view.cursor = min(max(0, view.items.count - 1), view.cursor + 1)
    case .up, .character("k"): view.cursor = max(0, view.cursor - 1)
    case .enter, .character("v"), .function(3):
        guard let version = view.selected else { return [] }
        return [.previewVersion(view.file, version)]
    case .character("d"), .function(9):
        guard let version = view.selected else { return [] }
        setStatus(&state, "Downloading version \(version.version) of \(view.file.name) to \(state.local.path)…")
        return [.downloadVersion(view.file, version, localFolder: state.local.path)]
    case .character("r"):
        guard let version = view.selected else { return [] }
        guard !version.current else {
            setStatus(&state, "Version \(version.version) is the current one.")
            return []
        }
        state.overlay = .confirm(
            Confirmation(
                purpose: .restoreVersion(fileId: view.file.id, version: version.version),
                message: "Make version \(version.version) of \(view.file.name) (\(ByteCount.human(version.size))) current? "
                    + "The present content is kept as a version.",
                behind: .versions(view)))
        return []
    case .escape, .character("q"), .character("V"):
        state.overlay = nil
        return []
    default: return []
    }
    state.overlay = .versions(view)
    return []
}

/// The results of the trash's and versions' effects.
func reduceTrashResult(_ state: inout AppState, _ action: Action) -> [Effect] {
    switch action {
    case .trashLoaded(let items):
        guard case .trash(var view) = state.overlay else { return [] }
        let keep = view.selected?.node.id
        view.items = items
        view.isLoading = false
        view.cursor = keep.flatMap { id in items.firstIndex { $0.node.id == id } } ?? min(view.cursor, max(0, items.count - 1))
        state.overlay = .trash(view)
    case .trashChanged(let message):
        setStatus(&state, message)
        var effects = reload(&state, keeping: state.remote.selected?.id, sameFolder: true)
        if case .trash = state.overlay { effects.append(.loadTrash) }
        return effects
    case .versionsLoaded(let fileId, let items):
        guard case .versions(var view) = state.overlay, view.file.id == fileId else { return [] }
        view.items = items
        view.isLoading = false
        view.cursor = min(view.cursor, max(0, items.count - 1))
        state.overlay = .versions(view)
    case .revealed(let trail, let select):
        state.remote.trail = trail
        state.remote.filter = ""
        return reload(&state, keeping: select)
    default: break
    }
    return []
}

/// A failure while the trash or a file's versions were loading: the overlay stops waiting.
func stopWaiting(_ state: inout AppState) {
    switch state.overlay {
    case .trash(var view):
        view.isLoading = false
        state.overlay = .trash(view)
    case .versions(var view):
        view.isLoading = false
        state.overlay = .versions(view)
    case .appPasswords(var view):
        view.isLoading = false
        state.overlay = .appPasswords(view)
    case .shares(var view):
        view.isLoading = false
        state.overlay = .shares(view)
    default: break
    }
}
