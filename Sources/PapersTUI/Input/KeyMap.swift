import Foundation
import TOMLKit

/// What a key can ask for in the file browser.
public enum Command: String, CaseIterable, Sendable {
    case up, down, pageUp = "page_up", pageDown = "page_down", top, bottom
    case open, back
    case switchPane = "switch_pane"
    case help, rename, view
    case toggleLocal = "toggle_local"
    case upload, move, mkdir, delete, download, quit
    case mark
    case markAll = "mark_all"
    case invertMarks = "invert_marks"
    case filter
    case clearFilter = "clear_filter"
    case sort
    case reverseSort = "reverse_sort"
    case toggleHidden = "toggle_hidden"
    case refresh, transfers
    case cancelTransfer = "cancel_transfer"
    case logout
    case deleteForGood = "delete_for_good"
    case trash, versions, search
    case appPasswords = "app_passwords"
    case share, shares

    /// How the help overlay and the key bar name it.
    public var title: String {
        switch self {
        case .up: return "Move up"
        case .down: return "Move down"
        case .pageUp: return "Page up"
        case .pageDown: return "Page down"
        case .top: return "First item"
        case .bottom: return "Last item"
        case .open: return "Open folder"
        case .back: return "Go up"
        case .switchPane: return "Switch pane"
        case .help: return "Help"
        case .rename: return "Rename"
        case .view: return "View"
        case .toggleLocal: return "Local"
        case .upload: return "Upload"
        case .move: return "Move"
        case .mkdir: return "Mkdir"
        case .delete: return "Delete"
        case .download: return "Download"
        case .quit: return "Quit"
        case .mark: return "Mark and move down"
        case .markAll: return "Mark all"
        case .invertMarks: return "Invert marks"
        case .filter: return "Filter as you type"
        case .clearFilter: return "Clear filter"
        case .sort: return "Sort by name, size, modified"
        case .reverseSort: return "Reverse sort"
        case .toggleHidden: return "Show hidden files"
        case .refresh: return "Refresh"
        case .transfers: return "Transfer queue"
        case .cancelTransfer: return "Cancel transfer"
        case .logout: return "Log out / switch account"
        case .deleteForGood: return "Delete for good (no trash)"
        case .trash: return "Trash: restore, delete for good, empty"
        case .versions: return "Versions of a file: view, download, restore"
        case .search: return "Find by name, in all folders"
        case .appPasswords: return "App passwords for WebDAV clients"
        case .share: return "Share link to a file or folder"
        case .shares: return "Share links: list, revoke"
        }
    }
}

/// Which keys run which commands: mc's F-keys and vi's letters by default, overridable from
/// `$XDG_CONFIG_HOME/papers/keys.toml` (lf's `map`: bindings are data).
public struct KeyMap: Sendable, Equatable {
    public private(set) var bindings: [Command: [Key]]
    private var lookup: [Key: Command]

    public init(bindings: [Command: [Key]]) {
        self.bindings = bindings
        var lookup: [Key: Command] = [:]
        for command in Command.allCases {
            for key in bindings[command] ?? [] where lookup[key] == nil { lookup[key] = command }
        }
        self.lookup = lookup
    }

    public static let standard = KeyMap(bindings: [
        .up: [.up, .character("k")], .down: [.down, .character("j")],
        .pageUp: [.pageUp, .ctrl("b")], .pageDown: [.pageDown, .ctrl("f")],
        .top: [.home, .character("g")], .bottom: [.end, .character("G")],
        .open: [.enter, .right, .character("l")], .back: [.backspace, .left, .character("h")],
        .switchPane: [.tab], .help: [.function(1), .character("?")], .rename: [.function(2), .character("r")],
        .view: [.function(3), .character("v")], .toggleLocal: [.function(4), .character("L")],
        .upload: [.function(5), .character("u")], .move: [.function(6), .character("m")],
        .mkdir: [.function(7), .character("n")], .delete: [.function(8), .delete, .character("D")],
        .download: [.function(9), .character("d")], .quit: [.function(10), .character("q")],
        .mark: [.character(" "), .insert], .markAll: [.ctrl("a")], .invertMarks: [.character("*")],
        .filter: [.character("/")], .clearFilter: [.escape], .sort: [.character("s")], .reverseSort: [.character("S")],
        .toggleHidden: [.character(".")], .refresh: [.ctrl("r"), .character("R")], .transfers: [.character("t")],
        .cancelTransfer: [.character("x")], .logout: [.ctrl("x")], .deleteForGood: [.character("X")],
        .trash: [.character("T")], .versions: [.character("V")], .search: [.character("f")],
        .appPasswords: [.character("A")], .share: [.character("c")], .shares: [.character("C")],
    ])

    public func command(for key: Key) -> Command? { lookup[key] }

    public func keys(for command: Command) -> [Key] { bindings[command] ?? [] }

    /// The F-key (1–10) bound to a command, for the key bar.
    public func functionKey(for command: Command) -> Int? {
        for key in keys(for: command) { if case .function(let n) = key { return n } }
        return nil
    }

    /// The standard map with the overrides of a `keys.toml`:
    ///
    /// ```toml
    /// [keys]
    /// quit = ["f10", "q", "ctrl-q"]
    /// rename = "f2"
    /// ```
    /// A listed command gets exactly the keys given; the others keep theirs.
    /// - Throws: `KeyMapError` naming the file, line and key for syntax errors, unknown commands and unknown key names.
    public static func load(path: String) throws(KeyMapError) -> KeyMap {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return .standard }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws(KeyMapError) -> KeyMap {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw KeyMapError(file: file, line: Int(error.source.begin.line), problem: .syntax(error.description))
        } catch {
            throw KeyMapError(file: file, problem: .syntax("\(error)"))
        }
        let lines = TOMLKeyLines(text)
        func line(of key: String) -> Int? { lines.line(of: ["keys", key]) }
        var bindings = KeyMap.standard.bindings
        var given: [(Command, [(String, Key)])] = []
        for (section, value) in table {
            guard section == "keys", let keys = value.table else {
                throw KeyMapError(file: file, line: lines.line(of: [section]), key: section, problem: .unknownSection)
            }
            for (name, value) in keys {
                guard let command = Command(rawValue: name) else {
                    throw KeyMapError(file: file, line: line(of: name), key: name, problem: .unknownCommand)
                }
                var names: [String] = []
                if let single = value.string {
                    names = [single]
                } else if let array = value.array {
                    for element in array {
                        guard let string = element.string else {
                            throw KeyMapError(file: file, line: line(of: name), key: name, problem: .notAString)
                        }
                        names.append(string)
                    }
                } else {
                    throw KeyMapError(file: file, line: line(of: name), key: name, problem: .wrongType)
                }
                var parsed: [Key] = []
                for keyName in names {
                    guard let key = Key(name: keyName) else {
                        throw KeyMapError(file: file, line: line(of: name), key: name, problem: .notAKeyName(keyName))
                    }
                    parsed.append(key)
                }
                bindings[command] = parsed
                given.append((command, zip(names, parsed).map { ($0, $1) }))
            }
        }
        // A key given to a command must not still do something else (`quit = "j"` while j moves down).
        for (command, keys) in given.sorted(by: { (line(of: $0.0.rawValue) ?? 0) < (line(of: $1.0.rawValue) ?? 0) }) {
            for (keyName, key) in keys {
                if let other = Command.allCases.first(where: { $0 != command && bindings[$0]?.contains(key) == true }) {
                    throw KeyMapError(
                        file: file, line: line(of: command.rawValue), key: command.rawValue, problem: .alreadyBound(keyName, to: other.rawValue))
                }
            }
        }
        return KeyMap(bindings: bindings)
    }
}
