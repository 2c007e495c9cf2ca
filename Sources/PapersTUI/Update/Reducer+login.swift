import PapersClient
import PapersCore

/// The login and registration form: Tab moves between fields, Enter submits, Ctrl-N switches forms.
func reduceLoginKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    guard case .login(var form) = state.screen else { return [] }
    defer { state.screen = .login(form) }
    if form.isBusy { return [] }
    let fields = form.fields
    let index = fields.firstIndex(of: form.focus) ?? 0
    switch key {
    case .tab, .down:
        form.focus = fields[(index + 1) % fields.count]
    case .backTab, .up:
        form.focus = fields[(index + fields.count - 1) % fields.count]
    case .ctrl("n"):
        form.isRegistration.toggle()
        form.error = nil
        form.notice = nil
        form.focusFirstEmpty()
    case .escape:
        state.shouldQuit = true
        return [.quit]
    case .enter:
        let server = form.server.text.trimmingCharacters(in: .whitespaces)
        let email = form.email.text.trimmingCharacters(in: .whitespaces)
        guard !server.isEmpty, !email.isEmpty, !form.password.text.isEmpty else {
            form.error = "Fill in the server, your e-mail address and your password."
            form.focusFirstEmpty()
            return []
        }
        form.error = nil
        form.isBusy = true
        if form.isRegistration {
            return [
                .register(
                    server: server, fullname: form.fullname.text, email: email, password: form.password.text,
                    confirmation: form.confirmation.text)
            ]
        }
        return [.login(server: server, email: email, password: form.password.text)]
    default:
        var handled = false
        form.edit(form.focus) { handled = $0.handle(key) }
        if handled { form.error = nil }
    }
    return []
}
