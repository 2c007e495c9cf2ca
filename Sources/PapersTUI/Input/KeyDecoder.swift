/// Turns the characters a terminal sends into keys: plain characters, control codes, and the
/// escape sequences of xterm, tmux, the Linux console and rxvt for arrows, Home/End, PgUp/PgDn,
/// Insert/Delete and F1–F12.
///
/// Hand-written (rather than ncurses' keypad mode) so the same table works under any `TERM` and is
/// tested without a terminal. A lone Esc is told from the start of a sequence by the caller's
/// timeout: call `flush()` when no more input arrived in time.
public struct KeyDecoder: Sendable {
    private var pending: [Character] = []

    public init() {}

    /// Feeds one character; returns the keys it completes.
    public mutating func feed(_ character: Character) -> [Key] {
        if pending.isEmpty {
            if character == "\u{1B}" {
                pending = [character]
                return []
            }
            return [Self.single(character)]
        }
        pending.append(character)
        switch Self.match(pending) {
        case .key(let key):
            pending = []
            return [key]
        case .incomplete:
            return []
        case .invalid:
            // Alt+key or garbage: report Esc, then decode the rest afresh.
            let rest = pending.dropFirst()
            pending = []
            var keys: [Key] = [.escape]
            for c in rest { keys += feed(c) }
            return keys
        }
    }

    /// Ends a pending sequence (no more input came): a lone Esc is the Escape key.
    public mutating func flush() -> [Key] {
        guard !pending.isEmpty else { return [] }
        let rest = pending.dropFirst()
        pending = []
        var keys: [Key] = [.escape]
        for c in rest { keys += feed(c) }
        return keys + flush()
    }

    public var isWaiting: Bool { !pending.isEmpty }

    static func single(_ c: Character) -> Key {
        switch c {
        case "\r", "\n", "\r\n": return .enter
        case "\t": return .tab
        case "\u{7F}", "\u{08}": return .backspace
        default:
            if let ascii = c.asciiValue, ascii >= 1, ascii <= 26 {
                return .ctrl(Character(UnicodeScalar(ascii + 96)))
            }
            return .character(c)
        }
    }

    private enum Match { case key(Key), incomplete, invalid }

    private static let sequences: [String: Key] = [
        "[A": .up, "[B": .down, "[C": .right, "[D": .left, "OA": .up, "OB": .down, "OC": .right, "OD": .left,
        "[H": .home, "[F": .end, "OH": .home, "OF": .end, "[1~": .home, "[4~": .end, "[7~": .home, "[8~": .end,
        "[2~": .insert, "[3~": .delete, "[5~": .pageUp, "[6~": .pageDown, "[Z": .backTab,
        "OP": .function(1), "OQ": .function(2), "OR": .function(3), "OS": .function(4),
        "[11~": .function(1), "[12~": .function(2), "[13~": .function(3), "[14~": .function(4),
        "[[A": .function(1), "[[B": .function(2), "[[C": .function(3), "[[D": .function(4), "[[E": .function(5),
        "[15~": .function(5), "[17~": .function(6), "[18~": .function(7), "[19~": .function(8),
        "[20~": .function(9), "[21~": .function(10), "[23~": .function(11), "[24~": .function(12),
    ]

    private static func match(_ pending: [Character]) -> Match {
        let body = String(pending.dropFirst())
        if let key = sequences[body] { return .key(key) }
        // Modified arrows and keys (`[1;5A`: Ctrl-Up) count as the plain key.
        if body.hasPrefix("["), let last = body.last, body.contains(";") {
            if last.isLetter, let key = sequences["[" + String(last)] { return .key(key) }
            if last == "~", let semicolon = body.firstIndex(of: ";"), let key = sequences[String(body[..<semicolon]) + "~"] {
                return .key(key)
            }
        }
        if sequences.keys.contains(where: { $0.hasPrefix(body) }) { return .incomplete }
        if body.hasPrefix("["), body.count < 8, body.dropFirst().allSatisfy({ $0.isNumber || $0 == ";" }) { return .incomplete }
        return .invalid
    }
}
