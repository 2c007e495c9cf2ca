/// Why a `keys.toml` could not be used (see ``SettingsFileError``).
public typealias KeyMapError = SettingsFileError<KeyMapProblem>

/// What can be wrong with a `keys.toml`.
public enum KeyMapProblem: SettingsFileProblem {
    /// The file is not valid TOML; toml++'s own words.
    case syntax(String)
    /// A section other than `[keys]`; the error's `key` is its name.
    case unknownSection
    /// A key that names no command; the error's `key` is it.
    case unknownCommand
    /// A list with something other than strings in it.
    case notAString
    /// A value that is neither a key name nor a list of them.
    case wrongType
    /// A string that is no key name (`hyper-q`); the name as written.
    case notAKeyName(String)
    /// A key given to this command that another command keeps (`quit = "j"` while j moves down):
    /// the key as written and the other command. Give the other command other keys too.
    case alreadyBound(String, to: String)

    public func message(place: String, file: String, key: String) -> String {
        let place = key.isEmpty ? place : place + key + ": "
        switch self {
        case .syntax(let message): return place + message
        case .unknownSection: return place + "unknown section (use [keys])"
        case .unknownCommand: return place + "unknown command"
        case .notAString: return place + "keys must be strings"
        case .wrongType: return place + "give a key name or a list of them"
        case .notAKeyName(let name): return place + "\"\(name)\" is not a key name"
        case .alreadyBound(let name, let other): return place + "\"\(name)\" is already bound to \(other)"
        }
    }
}
