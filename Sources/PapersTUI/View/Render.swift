import Foundation
import PapersClient
import PapersCore

/// Draws the whole screen for a state: header, the two panes, status line and key bar, and any
/// overlay — or the login form. Pure: the same state and size give the same buffer.
public func render(_ state: AppState, theme: Theme) -> ScreenBuffer {
    var screen = ScreenBuffer(width: state.width, height: state.height)
    guard state.width >= minimumWidth, state.height >= minimumHeight else {
        let notice = "Terminal too small: need 60×16, have \(state.width)×\(state.height)"
        screen.write(DisplayWidth.truncate(notice, to: state.width), x: 0, y: 0, style: theme[.statusWarning])
        return screen
    }
    switch state.screen {
    case .login(let form):
        drawLogin(&screen, form, theme: theme)
    case .browser:
        drawHeader(&screen, state, theme: theme)
        let leftWidth = state.width / 2
        drawRemotePane(&screen, state, x: 0, width: leftWidth, theme: theme)
        if state.showLocal {
            drawLocalPane(&screen, state, x: leftWidth, width: state.width - leftWidth, theme: theme)
        } else {
            drawProperties(&screen, state, x: leftWidth, width: state.width - leftWidth, theme: theme)
        }
        drawStatus(&screen, state, theme: theme)
        drawKeyBar(&screen, state, theme: theme)
        if let overlay = state.overlay { drawOverlay(&screen, overlay, state, theme: theme) }
    }
    return screen
}

private func drawHeader(_ screen: inout ScreenBuffer, _ state: AppState, theme: Theme) {
    screen.fill(x: 0, y: 0, width: screen.width, height: 1, style: theme[.headerBar])
    let x = screen.write(" papers ", x: 0, y: 0, style: theme[.headerTitle])
    if let session = state.session {
        let host = session.server.replacingOccurrences(of: "http://", with: "").replacingOccurrences(of: "https://", with: "")
        let bundled = state.bundledData.map { "  (bundled server, data in \($0))" } ?? ""
        let account = DisplayWidth.truncate(" \(session.email) @ \(host)\(bundled)", to: screen.width - x - 8)
        screen.write(account, x: x, y: 0, style: theme[.headerBar])
    }
    screen.write("? help ", x: screen.width - 7, y: 0, style: theme[.headerBar])
}

/// One list row: a space, the name, a right-aligned size column and, in a wide pane, the modified
/// date; a space after. The name column stops growing at 60 columns so that the size stays near it.
private func listRow(_ name: String, _ column: String, modified: String? = nil, width: Int) -> String {
    let columnWidth = 10
    let dateWidth = 16
    let showDate = modified != nil && width >= 72
    let available = width - columnWidth - 3 - (showDate ? dateWidth + 2 : 0)
    let nameWidth = max(1, min(available, 60))
    let padded = String(repeating: " ", count: max(0, columnWidth - DisplayWidth.of(column))) + column
    var row = " " + DisplayWidth.fit(name, to: nameWidth) + " " + padded
    if showDate, let modified { row += "  " + DisplayWidth.fit(modified, to: dateWidth) }
    return DisplayWidth.fit(row + " ", to: width)
}

private func drawRemotePane(_ screen: inout ScreenBuffer, _ state: AppState, x: Int, width: Int, theme: Theme) {
    let pane = state.remote
    let active = state.focus == .remote || !state.showLocal
    let height = screen.height - 3
    var marks = ""
    if !pane.filter.isEmpty { marks += "  [/\(pane.filter)]" }
    if pane.sort != .name || pane.reversed { marks += "  [\(pane.sort.label) \(pane.reversed ? "↓" : "↑")]" }
    if pane.showHidden { marks += "  [+hidden]" }
    if state.unreachable { marks += "  [offline]" }
    // A long path keeps its end: where one is matters more than where it starts.
    let title = DisplayWidth.truncateHead(pane.path, to: max(8, width - 6 - DisplayWidth.of(marks))) + marks
    screen.box(
        x: x, y: 1, width: width, height: height, title: title, style: theme[active ? .paneActiveBorder : .paneBorder],
        titleStyle: theme[.paneTitle])
    let inner = width - 2
    let rows = state.listRows
    for row in 0..<rows {
        let index = pane.scroll + row
        guard index < pane.rowCount else { break }
        let y = 2 + row
        let text: String
        var style = theme[.paneItem]
        if !pane.atRoot, index == 0 {
            text = listRow("..", "", width: inner)
            style = theme[.paneFolder]
        } else {
            let node = pane.items[pane.visible[index - (pane.atRoot ? 0 : 1)]]
            // Search results show where they are.
            let name = pane.searchText == nil ? node.name : node.path
            text = listRow(node.isFolder ? name + "/" : name, ByteCount.human(node.size), modified: shortTime(node.dateModified), width: inner)
            if node.isFolder { style = theme[.paneFolder] }
            if pane.marked.contains(node.id) { style = theme[.paneMarked] }
        }
        if index == pane.cursor { style = active ? theme[.paneSelected] : theme[.paneDim] }
        screen.fill(x: x + 1, y: y, width: inner, height: 1, style: style)
        screen.write(text, x: x + 1, y: y, style: style, maxWidth: inner)
    }
    if pane.visible.isEmpty, !pane.isLoading {
        let empty =
            state.unreachable
            ? "(not listed: the server does not answer)"
            : (pane.searchText != nil ? "(no names contain that)" : (pane.filter.isEmpty ? "(empty folder)" : "(nothing matches)"))
        screen.write(empty, x: x + 2, y: pane.atRoot ? 2 : 3, style: theme[.paneDim], maxWidth: inner - 2)
    }
    // Position and loading counter in the bottom border.
    // The counter counts items, not the `..` row.
    let items = pane.visible.count
    let position = pane.cursor - (pane.atRoot ? 0 : 1)
    var footer = items == 0 ? "" : (position >= 0 ? " \(position + 1)/\(items) " : " \(items) item\(items == 1 ? "" : "s") ")
    if pane.isLoading { footer = " loading… \(ByteCount.grouped(Int64(pane.items.count))) " + footer }
    if !pane.marked.isEmpty { footer = " \(pane.marked.count) marked " + footer }
    if DisplayWidth.of(footer) < width - 2 {
        screen.write(footer, x: x + width - 1 - DisplayWidth.of(footer), y: height, style: theme[.paneScroll])
    }
}

private func drawLocalPane(_ screen: inout ScreenBuffer, _ state: AppState, x: Int, width: Int, theme: Theme) {
    let pane = state.local
    let active = state.focus == .local
    let height = screen.height - 3
    screen.box(
        x: x, y: 1, width: width, height: height, title: "Local: " + DisplayWidth.truncateHead(pane.path, to: width - 13),
        style: theme[active ? .paneActiveBorder : .paneBorder],
        titleStyle: theme[.paneTitle])
    let inner = width - 2
    let shown = pane.shown
    for row in 0..<state.listRows {
        let index = pane.scroll + row
        guard index < pane.rowCount else { break }
        var style = theme[.paneItem]
        let text: String
        if !pane.atRoot, index == 0 {
            text = listRow("..", "", width: inner)
            style = theme[.paneFolder]
        } else {
            let entry = shown[index - (pane.atRoot ? 0 : 1)]
            text = listRow(entry.isFolder ? entry.name + "/" : entry.name, entry.isFolder ? "" : ByteCount.human(entry.size), width: inner)
            if entry.isFolder { style = theme[.paneFolder] }
            if pane.marked.contains(entry.name) { style = theme[.paneMarked] }
        }
        if index == pane.cursor { style = active ? theme[.paneSelected] : theme[.paneDim] }
        screen.fill(x: x + 1, y: 2 + row, width: inner, height: 1, style: style)
        screen.write(text, x: x + 1, y: 2 + row, style: style, maxWidth: inner)
    }
    if let error = pane.error { screen.write(DisplayWidth.truncate(error, to: inner - 2), x: x + 2, y: 2, style: theme[.statusError]) }
}

private func drawProperties(_ screen: inout ScreenBuffer, _ state: AppState, x: Int, width: Int, theme: Theme) {
    let height = screen.height - 3
    screen.box(x: x, y: 1, width: width, height: height, title: "Properties", style: theme[.paneBorder], titleStyle: theme[.paneTitle])
    let inner = width - 2
    guard let node = state.remote.selected else {
        let text = state.remote.isOnParentRow ? "Parent folder" : (state.remote.isLoading ? "Loading…" : "Nothing selected")
        screen.write(text, x: x + 2, y: 2, style: theme[.paneDim], maxWidth: inner - 2)
        return
    }
    let rows: [(String, String)] = [
        ("Name", node.name),
        ("Kind", node.isFolder ? "folder" : "file · \(node.mimeType)"),
        ("Size", "\(ByteCount.human(node.size)) (\(ByteCount.grouped(node.size)) bytes)"),
        ("SHA-256", node.sha256 ?? "—"),
        ("Created", shortTime(node.dateCreated)),
        ("Modified", shortTime(node.dateModified)),
        ("Path", node.path),
        ("ID", node.id),
        ("ETag", node.etag),
    ]
    // The SHA-256 is wrapped, never cut, so that it can be copied from the screen whole.
    var y = 2
    for (key, value) in rows where y < height {
        screen.write(DisplayWidth.fit(key, to: 10), x: x + 2, y: y, style: theme[.propertiesKey])
        let width = max(1, inner - 12)
        if key == "SHA-256", value.count > width {
            var rest = Substring(value)
            while !rest.isEmpty, y < height {
                screen.write(String(rest.prefix(width)), x: x + 12, y: y, style: theme[.propertiesValue])
                rest = rest.dropFirst(width)
                if !rest.isEmpty { y += 1 }
            }
        } else {
            screen.write(DisplayWidth.truncate(value, to: width), x: x + 12, y: y, style: theme[.propertiesValue])
        }
        y += 1
    }
}

func shortTime(_ rfc3339: String) -> String {
    String(rfc3339.prefix(16)).replacingOccurrences(of: "T", with: " ")
}

private func drawStatus(_ screen: inout ScreenBuffer, _ state: AppState, theme: Theme) {
    let y = screen.height - 2
    if let transfer = state.transfers.first(where: { $0.phase == .running }) {
        let arrow = transfer.direction == .upload ? "↑" : "↓"
        var x = screen.write(" \(arrow) " + DisplayWidth.truncate(transfer.name, to: 20) + " ", x: 0, y: y, style: theme[.progressText])
        let progress = transfer.progress
        var amounts = ""
        if let total = progress.total, total > 0 {
            let fraction = min(1, Double(progress.bytes) / Double(total))
            let bar = 10
            let filled = Int(fraction * Double(bar))
            x = screen.write(String(repeating: "█", count: filled), x: x, y: y, style: theme[.progressBar])
            x = screen.write(String(repeating: "░", count: bar - filled), x: x, y: y, style: theme[.progressTrack])
            x = screen.write(" \(Int(fraction * 100))%", x: x, y: y, style: theme[.progressText])
            amounts = "  \(ByteCount.human(progress.bytes))/\(ByteCount.human(total))"
        } else {
            x = screen.write(ByteCount.human(progress.bytes), x: x, y: y, style: theme[.progressText])
        }
        // The rest in order of importance, each only when it fits whole.
        var parts = [amounts]
        if let total = progress.total, progress.bytes >= total, total > 0 {
            // All sent or received: the server (or the client) is hashing and syncing.
            parts.append("  verifying…")
        } else {
            parts.append("  \(ByteCount.human(Int64(progress.bytesPerSecond)))/s")
            if let left = progress.secondsLeft {
                let seconds = Int(left.rounded())
                parts.append("  ETA \(seconds / 60):" + (seconds % 60 < 10 ? "0" : "") + "\(seconds % 60)")
            }
        }
        let queued = state.transfers.filter { $0.phase == .queued }.count
        if queued > 0 { parts.append("  +\(queued) queued") }
        parts.append("  (Esc cancel)")
        for part in parts where x + DisplayWidth.of(part) <= screen.width {
            x = screen.write(part, x: x, y: y, style: theme[.progressText])
        }
    } else if let status = state.status {
        let style = theme[state.statusIsError ? .statusError : .statusInfo]
        screen.fill(x: 0, y: y, width: screen.width, height: 1, style: style)
        screen.write(" " + DisplayWidth.truncate(status, to: screen.width - 2), x: 0, y: y, style: style)
    }
}

private func drawKeyBar(_ screen: inout ScreenBuffer, _ state: AppState, theme: Theme) {
    let y = screen.height - 1
    var byKey: [Int: Command] = [:]
    for command in Command.allCases {
        if let n = state.keyMap.functionKey(for: command), byKey[n] == nil { byKey[n] = command }
    }
    let keys = (1...10).compactMap { n in byKey[n].map { (n, $0.title) } }
    // Narrow terminals get shorter labels, never fewer keys (Quit must stay).
    var longest = keys.map { DisplayWidth.of($0.1) }.max() ?? 0
    func width(_ cut: Int) -> Int { keys.reduce(0) { $0 + 1 + String($1.0).count + min(cut, DisplayWidth.of($1.1)) } }
    while longest > 2, width(longest) - 1 > screen.width { longest -= 1 }
    // A leading space when there is room for it.
    var x = width(longest) < screen.width ? 0 : -1
    for (n, title) in keys {
        let label = DisplayWidth.of(title) > longest ? String(title.prefix(longest)) : title
        if x + 1 + String(n).count + DisplayWidth.of(label) > screen.width { break }
        if x >= 0 { screen.write(" ", x: x, y: y, style: theme[.keybarLabel]) }
        x += 1
        x = screen.write(String(n), x: x, y: y, style: theme[.keybarKey])
        x = screen.write(label, x: x, y: y, style: theme[.keybarLabel])
    }
}
