import Foundation
import PapersClient
import PapersCore

/// The app passwords screen (`A`).

/// ↑↓ move; n makes one (asks its name; the password is shown on the screen once), x / Delete / F8
/// revokes the selected one (asked first); Esc, q or A closes.
func reduceAppPasswordsKey(_ state: inout AppState, _ view: inout AppPasswordsView, _ key: Key) -> [Effect] {
    switch key {
    case .down, .character("j"): view.cursor = min(max(0, view.items.count - 1), view.cursor + 1)
    case .up, .character("k"): view.cursor = max(0, view.cursor - 1)
    case .character("n"), .character("c"), .function(7):
        state.overlay = .prompt(
            Prompt(purpose: .createAppPassword, title: "Name of the new app password (the device or app)", editor: LineEditor()))
        return []
    case .character("x"), .delete, .function(8), .character("D"):
        guard let item = view.selected else { return [] }
        state.overlay = .confirm(
            Confirmation(
                purpose: .revokeAppPassword(id: item.id, name: item.name),
                message: "Revoke the app password \"\(item.name)\"? Clients using it are refused from their next request.",
                behind: .appPasswords(view)))
        return []
    case .escape, .character("q"), .character("A"):
        state.overlay = nil
        return []
    default: return []
    }
    state.overlay = .appPasswords(view)
    return []
}

/// The results of the app passwords' effects.
func reduceAppPasswordsResult(_ state: inout AppState, _ action: Action) -> [Effect] {
    guard case .appPasswords(var view) = state.overlay else {
        if case .appPasswordRevoked(let message) = action { setStatus(&state, message) }
        return []
    }
    switch action {
    case .appPasswordsLoaded(let items):
        let keep = view.selected?.id
        view.items = items
        view.isLoading = false
        view.cursor = keep.flatMap { id in items.firstIndex { $0.id == id } } ?? min(view.cursor, max(0, items.count - 1))
        state.overlay = .appPasswords(view)
    case .appPasswordCreated(let made, let address):
        view.created = CreatedAppPassword(password: made, webDAV: address)
        state.overlay = .appPasswords(view)
        setStatus(&state, "Made the app password \"\(made.name)\"; it is shown this once.")
        return [.loadAppPasswords]
    case .appPasswordRevoked(let message):
        setStatus(&state, message)
        return [.loadAppPasswords]
    default: break
    }
    return []
}
