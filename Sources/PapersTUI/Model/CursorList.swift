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

    /// Keeps the cursor's row on screen and the list filling it.
    mutating func clampScroll(rows: Int) {
        if cursor < scroll { scroll = cursor }
        if cursor >= scroll + rows { scroll = cursor - rows + 1 }
        scroll = max(0, min(scroll, max(0, rowCount - rows)))
    }
}

extension RemotePane: CursorList {}
extension LocalPane: CursorList {}
