/// A one-line text field that edits like a shell's line editor: ← →, Home End / Ctrl-A Ctrl-E,
/// Backspace Delete, Ctrl-U clears, Ctrl-W deletes a word.
public struct LineEditor: Sendable, Equatable {
    public private(set) var characters: [Character]
    /// Caret position, 0...characters.count.
    public private(set) var caret: Int

    public init(_ text: String = "") {
        characters = Array(text)
        caret = characters.count
    }

    public var text: String { String(characters) }

    /// Applies an editing key; returns `false` when the key is not an editing key.
    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .character(let c):
            characters.insert(c, at: caret)
            caret += 1
        case .left: caret = max(0, caret - 1)
        case .right: caret = min(characters.count, caret + 1)
        case .home, .ctrl("a"): caret = 0
        case .end, .ctrl("e"): caret = characters.count
        case .backspace, .ctrl("h"):
            guard caret > 0 else { return true }
            characters.remove(at: caret - 1)
            caret -= 1
        case .delete, .ctrl("d"):
            guard caret < characters.count else { return true }
            characters.remove(at: caret)
        case .ctrl("u"):
            characters.removeAll()
            caret = 0
        case .ctrl("w"):
            var start = caret
            while start > 0, characters[start - 1] == " " { start -= 1 }
            while start > 0, characters[start - 1] != " ", characters[start - 1] != "/" { start -= 1 }
            if start == caret, start > 0 { start -= 1 }  // a lone separator
            characters.removeSubrange(start..<caret)
            caret = start
        default:
            return false
        }
        return true
    }

    /// Replaces the text, caret at the end.
    public mutating func set(_ text: String) {
        characters = Array(text)
        caret = characters.count
    }
}
