import Foundation
import PapersClient
import PapersCore

/// Share links: `c` makes one to the selected file or folder (asks how long it works, then a
/// password), `C` lists them; the screen revokes.

/// `c` on a remote item: the first question, how long the link works (7 days unless changed).
func startShare(_ state: inout AppState) -> [Effect] {
    guard !state.remote.isOnParentRow, let node = state.remote.selected else { return nothingToActOn(&state, "share") }
    state.overlay = .prompt(
        Prompt(
            purpose: .shareExpiry(node: node), title: "Link to \(node.name) works for (30m, 12h, 7d, 2w; empty: until revoked)",
            editor: LineEditor("7d")))
    return []
}

/// Enter in the share prompts: the expiry leads to the password, the password makes the link.
func submitSharePrompt(_ state: inout AppState, _ prompt: inout Prompt) -> [Effect] {
    let text = prompt.editor.text
    switch prompt.purpose {
    case .shareExpiry(let node):
        var lifetime: ShareDuration?
        if !text.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let parsed = ShareDuration(text) else {
                prompt.error = ShareDuration.hint + " Empty: until revoked."
                state.overlay = .prompt(prompt)
                return []
            }
            lifetime = parsed
        }
        state.overlay = .prompt(
            Prompt(
                purpose: .sharePassword(node: node, lifetime: lifetime),
                title: "Password visitors must give (empty: none)", editor: LineEditor(), isSecret: true))
        return []
    case .sharePassword(let node, let lifetime):
        var password: String?
        if !text.isEmpty {
            do {
                try AccountRules.password(text)
            } catch {
                prompt.error = error.message + " Empty: no password."
                state.overlay = .prompt(prompt)
                return []
            }
            password = text
        }
        prompt.isBusy = true
        state.overlay = .prompt(prompt)
        setStatus(&state, "Making a link to \(node.name)…")
        return [.createShare(node: node, lifetime: lifetime, password: password)]
    default:
        return []
    }
}

/// ↑↓ move; x / Delete / F8 revokes the selected link (asked first); Esc, q or C closes.
func reduceSharesKey(_ state: inout AppState, _ view: inout SharesView, _ key: Key) -> [Effect] {
    switch key {
    case .down, .character("j"): view.cursor = min(max(0, view.items.count - 1), view.cursor + 1)
    case .up, .character("k"): view.cursor = max(0, view.cursor - 1)
    case .character("x"), .delete, .function(8), .character("D"):
        guard let item = view.selected else { return [] }
        state.overlay = .confirm(
            Confirmation(
                purpose: .revokeShare(id: item.id, name: item.name),
                message: "Revoke the link to \"\(item.name)\"? It stops working at once, for everyone who has it.",
                behind: .shares(view)))
        return []
    case .character("y"):
        // The URL of the link just made, on the clipboard again.
        guard let created = view.created else { return [] }
        setStatus(&state, "Copied the link to the clipboard (where the terminal allows it).")
        return [.copyToClipboard(created.url)]
    case .escape, .character("q"), .character("C"):
        state.overlay = nil
        return []
    default: return []
    }
    state.overlay = .shares(view)
    return []
}

/// The results of the share effects.
func reduceSharesResult(_ state: inout AppState, _ action: Action) -> [Effect] {
    if case .shareCreated(let created) = action {
        // From the password prompt: the screen opens with the new link's URL on it.
        var view = SharesView()
        view.created = created
        state.overlay = .shares(view)
        setStatus(&state, "Link to \(created.name) made and copied to the clipboard (where the terminal allows it).")
        return [.copyToClipboard(created.url), .loadShares]
    }
    guard case .shares(var view) = state.overlay else {
        if case .shareRevoked(let message) = action { setStatus(&state, message) }
        return []
    }
    switch action {
    case .sharesLoaded(let items, let now):
        view.loadedAt = now
        let keep = view.selected?.id ?? view.created?.share.id
        view.items = items
        view.isLoading = false
        view.cursor = keep.flatMap { id in items.firstIndex { $0.id == id } } ?? min(view.cursor, max(0, items.count - 1))
        state.overlay = .shares(view)
    case .shareRevoked(let message):
        setStatus(&state, message)
        return [.loadShares]
    default: break
    }
    return []
}
