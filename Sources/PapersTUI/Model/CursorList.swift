/// A list with a cursor and a scroll position: the remote and the local pane.
protocol CursorList {
    var cursor: Int { get set }
    var scroll: Int { get set }
    var rowCount: Int { get }
}

extension CursorList {
    mutating func move(by delta: Int, rows: Int) { move(to: cursor + delta, rows: rows) }

    mutating func move(to row: Int, rows: Int) {
        cursor = max(0, min(row, rowCount - 1))
        clampScroll(rows: rows)
    }

    /// Moves the cursor for a movement command (up, down, pages, ends); false for any other.
    mutating func move(for command: Command, rows: Int) -> Bool {
        switch command {
        case .up: move(by: -1, rows: rows)
        case .down: move(by: 1, rows: rows)
        case .pageUp: move(by: -rows, rows: rows)
        case .pageDown: move(by: rows, rows: rows)
        case .top: move(to: 0, rows: rows)
        case .bottom: move(to: rowCount - 1, rows: rows)
        default: return false
        }
        return true
    }

    /// Keeps the cursor's row on screen and the list filling it.
    mutating func clampScroll(rows: Int) {
        if cursor < scroll { scroll = cursor }
        if cursor >= scroll + rows { scroll = cursor - rows + 1 }
        scroll = max(0, min(scroll, max(0, rowCount - rows)))
    }
}

extension RemotePane: CursorList {}
extension LocalPane: CursorList {}
