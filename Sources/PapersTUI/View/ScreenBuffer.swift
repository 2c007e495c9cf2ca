/// The screen as a grid of cells, drawn into by `render` and copied to the terminal by the runtime.
/// Tests read its rows as text (ratatui's TestBackend, rclone ncdu's tests).
public struct ScreenBuffer: Sendable, Equatable {
    /// One column. A wide character sits in its first column; the next column is a `continuation`.
    public struct Cell: Sendable, Equatable {
        public var character: Character
        public var style: Style
        public var isContinuation: Bool

        public static let blank = Cell(character: " ", style: .plain, isContinuation: false)
    }

    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Where the terminal cursor should sit (a prompt's caret), if visible.
    public var cursor: (x: Int, y: Int)?

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public static func == (a: ScreenBuffer, b: ScreenBuffer) -> Bool {
        a.width == b.width && a.height == b.height && a.cells == b.cells && a.cursor?.x == b.cursor?.x && a.cursor?.y == b.cursor?.y
    }

    public subscript(x: Int, y: Int) -> Cell {
        cells[y * width + x]
    }

    /// Writes text at (x, y), clipped to `maxWidth` columns and the screen's edge, never splitting a
    /// wide character. Returns the column after the last one written.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, style: Style = .plain, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < height else { return x }
        let limit = min(width, x + (maxWidth ?? width))
        var column = x
        for character in text {
            let w = DisplayWidth.of(character)
            if w == 0 {
                // A stray combining mark or control: attach nothing, draw nothing.
                continue
            }
            if column + w > limit { break }
            if column >= 0 {
                cells[y * width + column] = Cell(character: character, style: style, isContinuation: false)
                if w == 2 { cells[y * width + column + 1] = Cell(character: " ", style: style, isContinuation: true) }
            }
            column += w
        }
        return column
    }

    /// Fills a rectangle with spaces of a style.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, style: Style) {
        for row in max(0, y)..<min(height, y + h) {
            for column in max(0, x)..<min(width, x + w) {
                cells[row * width + column] = Cell(character: " ", style: style, isContinuation: false)
            }
        }
    }

    /// A box with single-line borders and a title in the top edge.
    public mutating func box(x: Int, y: Int, width w: Int, height h: Int, title: String, style: Style, titleStyle: Style) {
        guard w >= 2, h >= 2 else { return }
        write("┌" + String(repeating: "─", count: w - 2) + "┐", x: x, y: y, style: style)
        for row in (y + 1)..<(y + h - 1) {
            write("│", x: x, y: row, style: style)
            write("│", x: x + w - 1, y: row, style: style)
        }
        write("└" + String(repeating: "─", count: w - 2) + "┘", x: x, y: y + h - 1, style: style)
        if !title.isEmpty, w > 6 {
            write(" " + DisplayWidth.truncate(title, to: w - 6) + " ", x: x + 1, y: y, style: titleStyle)
        }
    }

    /// Row `y` as text (continuation columns dropped), trailing spaces kept.
    public func row(_ y: Int) -> String {
        var text = ""
        for x in 0..<width where !self[x, y].isContinuation { text.append(self[x, y].character) }
        return text
    }

    /// The whole screen as text, one line per row, trailing spaces trimmed (for snapshots).
    public var text: String {
        (0..<height).map { y in
            var line = row(y)
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}
