import Foundation
import PapersClient
import PapersCore

/// A centred dialog box; returns its inner origin and width.
private func dialog(_ screen: inout ScreenBuffer, title: String, width: Int, height: Int, theme: Theme) -> (x: Int, y: Int, width: Int) {
    let w = min(width, screen.width - 4)
    let h = min(height, screen.height - 3)  // never over the status line and the key bar
    let x = (screen.width - w) / 2
    let y = max(1, (screen.height - h) / 2)
    screen.fill(x: x, y: y, width: w, height: h, style: theme[.dialogText])
    screen.box(x: x, y: y, width: w, height: h, title: title, style: theme[.dialogBorder], titleStyle: theme[.dialogBorder])
    return (x + 2, y + 1, w - 4)
}

/// An input line with its caret; sets the screen cursor.
private func inputLine(_ screen: inout ScreenBuffer, _ editor: LineEditor, x: Int, y: Int, width: Int, masked: Bool, focused: Bool, theme: Theme) {
    let text = masked ? String(repeating: "•", count: editor.characters.count) : editor.text
    let caretColumn = DisplayWidth.of(String((masked ? Array(text) : editor.characters).prefix(editor.caret)))
    // Scroll the text so the caret stays visible.
    var shown = text
    var offset = 0
    while caretColumn - offset >= width, let first = shown.first {
        offset += DisplayWidth.of(first)
        shown.removeFirst()
    }
    screen.fill(x: x, y: y, width: width, height: 1, style: theme[.dialogInput])
    screen.write(shown, x: x, y: y, style: theme[.dialogInput], maxWidth: width)
    if focused { screen.cursor = (x + caretColumn - offset, y) }
}

func drawOverlay(_ screen: inout ScreenBuffer, _ overlay: Overlay, _ state: AppState, theme: Theme) {
    switch overlay {
    case .help(let scroll):
        let lines = Command.allCases.map { command -> (String, String) in
            (state.keyMap.keys(for: command).map(\.description).joined(separator: " "), command.title)
        } + [
            ("", ""),
            ("o s b n", "File exists: overwrite, skip, keep both, overwrite if newer"),
            ("a / Esc", "File exists: apply to all / cancel the transfer"),
            ("p r x", "Queue: pause / resume (from where it stopped) / cancel"),
            ("r R x E", "Trash: restore / restore renamed / delete for good / empty"),
            ("Enter d r", "Versions: view / download / restore"),
            ("X", "Delete question: delete for good instead of the trash"),
            ("n x", "App passwords (A): new / revoke"),
            ("x y", "Share links (C): revoke / copy the new link again"),
            ("y", "Confirmations: yes (any other key: no)"),
            ("Tab", "Prompts: complete a path"),
        ]
        let area = dialog(&screen, title: "Keys (↑↓ scroll, any other key closes)", width: 64, height: screen.height - 2, theme: theme)
        let visible = screen.height - 5
        let start = min(scroll, max(0, lines.count - visible))
        let more = start + visible < lines.count
        for (i, (keys, title)) in lines.dropFirst(start).prefix(more ? visible - 1 : visible).enumerated() {
            screen.write(DisplayWidth.fit(keys, to: 22), x: area.x, y: area.y + i, style: theme[.helpKey])
            screen.write(title, x: area.x + 23, y: area.y + i, style: theme[.helpText], maxWidth: area.width - 23)
        }
        if more {
            screen.write("↓ \(lines.count - start - visible + 1) more", x: area.x, y: area.y + visible - 1, style: theme[.helpKey])
        }
    case .prompt(let prompt):
        let extra = prompt.completions.isEmpty ? 0 : min(6, prompt.completions.count) + 1
        let area = dialog(&screen, title: prompt.title, width: 60, height: 6 + extra, theme: theme)
        inputLine(&screen, prompt.editor, x: area.x, y: area.y + 1, width: area.width, masked: prompt.isSecret, focused: true, theme: theme)
        if let error = prompt.error {
            screen.write(DisplayWidth.truncate(error, to: area.width), x: area.x, y: area.y + 2, style: theme[.dialogError])
        }
        for (i, candidate) in prompt.completions.prefix(6).enumerated() {
            screen.write(DisplayWidth.truncate(candidate, to: area.width), x: area.x, y: area.y + 3 + i, style: theme[.dialogText])
        }
        let hint = prompt.purpose == .uploadPath || isMove(prompt.purpose) ? "Enter OK · Esc cancel · Tab complete" : "Enter OK · Esc cancel"
        screen.write(hint, x: area.x, y: area.y + 3 + extra, style: theme[.dialogButton], maxWidth: area.width)
    case .confirm(let confirmation):
        let area = dialog(&screen, title: "Confirm", width: 60, height: 7, theme: theme)
        let words = wrap(confirmation.message, width: area.width)
        for (i, line) in words.prefix(3).enumerated() {
            screen.write(line, x: area.x, y: area.y + i, style: theme[.dialogText])
        }
        let buttons = if case .delete(_, false) = confirmation.purpose {
            "[y] Move to trash    [X] Delete for good    [N] No"
        } else {
            "[y] Yes    [N] No"
        }
        screen.write(buttons, x: area.x, y: area.y + 4, style: theme[.dialogButton], maxWidth: area.width)
    case .queue(let cursor):
        let area = dialog(&screen, title: "Transfers (p pause · r resume · x cancel · t close)", width: 70, height: screen.height - 4, theme: theme)
        if state.transfers.isEmpty { screen.write("No transfers yet.", x: area.x, y: area.y, style: theme[.dialogText]) }
        // Below the list: the selected transfer's whole error and what it skipped.
        let rowsAvailable = screen.height - 7
        var details: [String] = []
        if cursor < state.transfers.count {
            let selected = state.transfers[cursor]
            if case .failed(let message) = selected.phase { details += wrap("Failed: " + message, width: area.width) }
            if !selected.skipped.isEmpty { details += ["Skipped:"] + selected.skipped.map { "  " + $0 } }
        }
        let detailRows = min(details.count, rowsAvailable / 2)
        let listRows = rowsAvailable - (detailRows > 0 ? detailRows + 1 : 0)
        for (i, line) in details.prefix(detailRows).enumerated() {
            let shown = i == detailRows - 1 && details.count > detailRows ? "… \(details.count - detailRows + 1) more" : line
            screen.write(DisplayWidth.truncate(shown, to: area.width), x: area.x, y: area.y + listRows + 1 + i, style: theme[.dialogText])
        }
        // A row per transfer, and under a running one a row per file being sent.
        var lines: [(transfer: Int, text: String, isFile: Bool)] = []
        for (i, transfer) in state.transfers.enumerated() {
            lines.append((i, queueLine(transfer), false))
            for file in transfer.files.sorted(by: { $0.number < $1.number }) {
                let percent = file.total.map { $0 > 0 ? "\(file.bytes * 100 / $0)%" : "" } ?? ByteCount.human(file.bytes)
                lines.append((i, "    · " + DisplayWidth.fit(file.name, to: 40) + " " + percent, true))
            }
        }
        let cursorLine = lines.firstIndex { $0.transfer == cursor } ?? 0
        let first = max(0, cursorLine - listRows + 1)
        for (row, line) in lines.dropFirst(first).prefix(listRows).enumerated() {
            let style = line.transfer == cursor && !line.isFile ? theme[.paneSelected] : theme[.dialogText]
            screen.fill(x: area.x, y: area.y + row, width: area.width, height: 1, style: style)
            screen.write(DisplayWidth.truncate(line.text, to: area.width), x: area.x, y: area.y + row, style: style)
        }
    case .trash(let view):
        let rows = view.items.map { item in
            let deleted = shortTime(item.deletedAt)
            let size = DisplayWidth.fit(ByteCount.human(item.node.size), to: 9)
            return "\(deleted)  \(size) \(item.originalPath)\(item.node.isFolder ? "/" : "")"
        }
        let empty = view.isLoading ? "Loading the trash…" : "The trash is empty."
        drawList(
            &screen, title: "Trash (r restore · R renamed · x delete for good · E empty · Esc close)", rows: rows, cursor: view.cursor,
            empty: empty, theme: theme)
    case .versions(let view):
        let rows = view.items.map { version in
            let number = DisplayWidth.fit("v\(version.version)", to: 6)
            let size = DisplayWidth.fit(ByteCount.human(version.size), to: 9)
            return "\(number) \(shortTime(version.dateModified))  \(size) \(version.sha256.prefix(12))\(version.current ? "  current" : "")"
        }
        drawList(
            &screen, title: "Versions of \(view.file.name) (Enter view · d download · r restore · Esc close)", rows: rows,
            cursor: view.cursor, empty: view.isLoading ? "Loading…" : "No versions.", theme: theme)
    case .appPasswords(let view):
        let rows = view.items.map { "\(shortTime($0.dateCreated))  \($0.name)" }
        var footer: [String] = []
        if let created = view.created {
            footer = [
                "New password for \"\(created.password.name)\" (shown this once):", "    \(created.password.password)",
                "Connect to \(created.webDAV) with your e-mail address and it.",
            ]
        }
        drawList(
            &screen, title: "App passwords for WebDAV (n new · x revoke · Esc close)", rows: rows, cursor: view.cursor,
            empty: view.isLoading ? "Loading…" : "No app passwords yet: n makes one.", footer: footer, theme: theme)
    case .shares(let view):
        let rows = view.items.map { item in
            var state = item.expiresAt.map { $0 <= view.loadedAt ? "expired" : "until " + shortTime($0) } ?? "no expiry"
            if item.hasPassword { state += ", password" }
            let downloads = item.downloads == 1 ? "1 download" : "\(ByteCount.grouped(item.downloads)) downloads"
            return DisplayWidth.fit(item.name + (item.isFolder ? "/" : ""), to: 24) + " " + DisplayWidth.fit(downloads, to: 13) + " " + state
        }
        var footer: [String] = []
        if let created = view.created {
            footer = [
                "Link to \(created.name)\(created.share.hasPassword ? " (with a password)" : "") — shown this once, copied (y copies again):",
            ]
            // Whole, over several lines if the dialog is narrow: a cut URL is no use.
            let width = max(8, min(76, screen.width - 4) - 4)
            let characters = Array(created.url)
            footer += stride(from: 0, to: characters.count, by: width).map { String(characters[$0..<min($0 + width, characters.count)]) }
        }
        drawList(
            &screen, title: "Share links (x revoke · Esc close)", rows: rows, cursor: view.cursor,
            empty: view.isLoading ? "Loading…" : "No share links yet: c on a file or folder makes one.", footer: footer, theme: theme)
    case .conflict(let question):
        drawConflict(&screen, question, theme: theme)
    case .preview(let title, let lines):
        let area = dialog(&screen, title: title + " (any key closes)", width: screen.width - 4, height: screen.height - 2, theme: theme)
        for (i, line) in lines.prefix(screen.height - 5).enumerated() {
            screen.write(line, x: area.x, y: area.y + i, style: theme[.dialogText], maxWidth: area.width)
        }
    }
}

/// A dialog listing rows with a cursor (the trash, versions), scrolled to keep the cursor in view.
/// `footer` lines stay at the dialog's bottom, under the list.
private func drawList(
    _ screen: inout ScreenBuffer, title: String, rows: [String], cursor: Int, empty: String, footer: [String] = [], theme: Theme
) {
    let area = dialog(&screen, title: title, width: 76, height: screen.height - 4, theme: theme)
    let visible = max(1, screen.height - 6 - (footer.isEmpty ? 0 : footer.count + 1))
    for (i, line) in footer.enumerated() {
        screen.write(DisplayWidth.truncate(line, to: area.width), x: area.x, y: area.y + visible + 1 + i, style: theme[.dialogText])
    }
    if rows.isEmpty { screen.write(empty, x: area.x, y: area.y, style: theme[.dialogText], maxWidth: area.width) }
    let first = max(0, cursor - visible + 1)
    for (row, text) in rows.dropFirst(first).prefix(visible).enumerated() {
        let style = first + row == cursor ? theme[.paneSelected] : theme[.dialogText]
        screen.fill(x: area.x, y: area.y + row, width: area.width, height: 1, style: style)
        screen.write(DisplayWidth.truncate(text, to: area.width), x: area.x, y: area.y + row, style: style)
    }
}

/// A transfer's row in the queue: direction, name, size, destination, and how it stands (for a
/// transfer of several files, how many arrived).
private func queueLine(_ transfer: Transfer) -> String {
    let arrow = transfer.direction == .upload ? "↑" : "↓"
    let files = transfer.filesDone > 0 || !transfer.files.isEmpty ? " · \(transfer.filesDone) file\(transfer.filesDone == 1 ? "" : "s")" : ""
    let phase: String
    switch transfer.phase {
    case .queued: phase = "queued"
    case .running:
        let percent = transfer.progress.total.map { $0 > 0 ? " \(transfer.progress.bytes * 100 / $0)%" : "" } ?? ""
        phase = "running\(percent) \(ByteCount.human(Int64(transfer.progress.bytesPerSecond)))/s\(files)"
    case .done: phase = transfer.skipped.isEmpty ? "done" : "done, \(transfer.skipped.count) skipped"
    case .paused:
        let percent = transfer.progress.total.map { $0 > 0 ? " at \(transfer.progress.bytes * 100 / $0)%" : "" } ?? ""
        phase = "paused\(percent)\(files)"
    case .failed(let message): phase = "failed: \(message)"
    case .cancelled: phase = "cancelled"
    }
    let total = transfer.progress.total ?? transfer.nodes.reduce(0) { $0 + $1.size }
    let size = transfer.direction == .upload && transfer.progress.total == nil ? "" : ByteCount.human(total)
    return "\(arrow) " + DisplayWidth.fit(transfer.name, to: 18) + " " + DisplayWidth.fit(size, to: 10) + "→ "
        + DisplayWidth.fit(DisplayWidth.truncateHead(transfer.destination, to: 16), to: 16) + "  " + phase
}

/// mc's "file exists" dialog: what is there, what would replace it, and the answers.
private func drawConflict(_ screen: inout ScreenBuffer, _ question: ConflictQuestion, theme: Theme) {
    let conflict = question.conflict
    let area = dialog(&screen, title: "\(conflict.name) already exists", width: 76, height: 11, theme: theme)
    let place = conflict.place == .local ? "Local file" : "On the server"
    screen.write(place + "  " + DisplayWidth.truncateHead(conflict.path, to: area.width - DisplayWidth.of(place) - 2), x: area.x, y: area.y, style: theme[.dialogText], maxWidth: area.width)
    func describe(_ version: Conflict.Version) -> String {
        // Most telling first, so that a narrow dialog cuts the least: size, date, exact bytes.
        let date = version.modified.map { "  " + conflictDate($0) } ?? ""
        guard !version.isFolder else { return "folder" + date }
        return DisplayWidth.fit(ByteCount.human(version.size), to: 9) + date + "  (\(ByteCount.grouped(version.size)) bytes)"
    }
    let newer = conflict.incomingIsNewer ? " (newer)" : ""
    screen.write("existing  " + describe(conflict.existing), x: area.x, y: area.y + 2, style: theme[.dialogText], maxWidth: area.width)
    screen.write("incoming" + newer + "  " + describe(conflict.incoming), x: area.x, y: area.y + 3, style: theme[.dialogText], maxWidth: area.width)
    screen.write("[o] Overwrite   [s] Skip   [b] Keep both (rename)", x: area.x, y: area.y + 5, style: theme[.dialogButton], maxWidth: area.width)
    screen.write("[n] Overwrite if newer   [a] Apply to all: \(question.applyToAll ? "on" : "off")", x: area.x, y: area.y + 6, style: theme[.dialogButton], maxWidth: area.width)
    screen.write("Esc cancels the transfer", x: area.x, y: area.y + 8, style: theme[.dialogText], maxWidth: area.width)
}

private func conflictDate(_ date: Date) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = .current
    let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
    return String(format: "%04d-%02d-%02d %02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
}

private func isMove(_ purpose: Prompt.Purpose) -> Bool {
    switch purpose {
    case .move, .moveLocal: return true
    default: return false
    }
}

func wrap(_ text: String, width: Int) -> [String] {
    var lines: [String] = []
    var current = ""
    for word in text.split(separator: " ") {
        let candidate = current.isEmpty ? String(word) : current + " " + word
        if DisplayWidth.of(candidate) > width, !current.isEmpty {
            lines.append(current)
            current = String(word)
        } else {
            current = candidate
        }
    }
    if !current.isEmpty { lines.append(current) }
    return lines.map { DisplayWidth.truncate($0, to: width) }
}

func drawLogin(_ screen: inout ScreenBuffer, _ form: LoginForm, theme: Theme) {
    let fields = form.fields
    let title = form.isRegistration ? "Papers — create an account" : "Papers — log in"
    let area = dialog(&screen, title: title, width: 64, height: fields.count * 2 + 9, theme: theme)
    for (i, field) in fields.enumerated() {
        let y = area.y + 1 + i * 2
        let label: String
        switch field {
        case .server: label = "Server"
        case .fullname: label = "Full name"
        case .email: label = "E-mail"
        case .password: label = "Password"
        case .confirmation: label = "Confirm"
        }
        screen.write(DisplayWidth.fit(label, to: 10), x: area.x, y: y, style: theme[field == form.focus ? .helpKey : .dialogText])
        inputLine(
            &screen, form.editor(field), x: area.x + 11, y: y, width: area.width - 11, masked: field == .password || field == .confirmation,
            focused: field == form.focus, theme: theme)
    }
    let messageY = area.y + 1 + fields.count * 2
    if form.isBusy {
        screen.write(form.isRegistration ? "Creating the account…" : "Logging in…", x: area.x, y: messageY, style: theme[.dialogText])
    } else if let message = form.error ?? form.notice {
        // Wrapped, not cut: the server's words are the point (up to three lines).
        for (i, line) in wrap(message, width: area.width).prefix(3).enumerated() {
            screen.write(line, x: area.x, y: messageY + i, style: theme[form.error != nil ? .dialogError : .dialogText])
        }
    }
    let hint = form.isRegistration ? "Tab next · Enter create · Ctrl-N log in instead · Esc quit" : "Tab next · Enter log in · Ctrl-N new account · Esc quit"
    screen.write(hint, x: area.x, y: messageY + 4, style: theme[.dialogButton], maxWidth: area.width)
}
