/// One key press, as the reducer sees it.
public enum Key: Sendable, Hashable, CustomStringConvertible {
    case character(Character)
    /// Ctrl plus a letter (`ctrl("a")` is Ctrl-A).
    case ctrl(Character)
    /// F1–F12.
    case function(Int)
    case up, down, left, right
    case pageUp, pageDown, home, end
    case enter, tab, backTab, backspace, delete, insert, escape

    /// The name used in `keys.toml` and the help overlay: `a`, `A`, `ctrl-a`, `f5`, `up`, `space`, `enter`, ...
    public var description: String {
        switch self {
        case .character(" "): return "space"
        case .character(let c): return String(c)
        case .ctrl(let c): return "ctrl-\(c)"
        case .function(let n): return "f\(n)"
        case .up: return "up"
        case .down: return "down"
        case .left: return "left"
        case .right: return "right"
        case .pageUp: return "pgup"
        case .pageDown: return "pgdn"
        case .home: return "home"
        case .end: return "end"
        case .enter: return "enter"
        case .tab: return "tab"
        case .backTab: return "backtab"
        case .backspace: return "backspace"
        case .delete: return "delete"
        case .insert: return "insert"
        case .escape: return "esc"
        }
    }

    /// Parses a name as `description` writes it (case-sensitive for single characters).
    public init?(name: String) {
        let lower = name.lowercased()
        let named: [String: Key] = [
            "space": .character(" "), "up": .up, "down": .down, "left": .left, "right": .right, "pgup": .pageUp, "pageup": .pageUp,
            "pgdn": .pageDown, "pagedown": .pageDown, "home": .home, "end": .end, "enter": .enter, "return": .enter, "tab": .tab,
            "backtab": .backTab, "backspace": .backspace, "delete": .delete, "del": .delete, "insert": .insert, "ins": .insert,
            "esc": .escape, "escape": .escape,
        ]
        if let key = named[lower] {
            self = key
        } else if lower.hasPrefix("ctrl-"), lower.count == 6, let c = lower.last, c.isLetter {
            self = .ctrl(c)
        } else if lower.hasPrefix("f"), let n = Int(lower.dropFirst()), (1...12).contains(n) {
            self = .function(n)
        } else if name.count == 1, let c = name.first {
            self = .character(c)
        } else {
            return nil
        }
    }
}
