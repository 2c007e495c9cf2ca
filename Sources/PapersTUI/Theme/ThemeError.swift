/// Why a theme could not be loaded (see ``SettingsFileError``).
public typealias ThemeError = SettingsFileError<ThemeProblem>

/// What can be wrong with a theme.
public enum ThemeProblem: SettingsFileProblem {
    /// The file is not valid TOML; toml++'s own words.
    case syntax(String)
    /// A `[section]` no theme has; the error's `key` is its name.
    case unknownSection
    /// A key its section does not have, or a style attribute other than fg, bg, bold,
    /// underline and reverse; the error's `key` is the whole dotted key.
    case unknownKey
    /// A colour that is none of the 8 names, 0–255 or `#rrggbb`; the value as written.
    case notAColour(String)
    /// A value of the wrong TOML type: a style that is not a table, `bold = "yes"`, `fg = 3.5`.
    /// `field` is the style attribute, or nil when the style itself has the wrong type.
    case wrongType(field: String?, expected: String, found: String)
    /// No `<name>.toml` in any of these folders.
    case notFound(searched: [String])
    /// The file is missing, is a folder, or may not be read.
    case unreadable

    public func message(place: String, file: String, key: String) -> String {
        switch self {
        case .syntax(let message):
            return place + message
        case .unknownSection:
            return place + "unknown section [\(key)] (a theme has \(ThemeSlot.sections.joined(separator: ", ")))"
        case .unknownKey:
            return place + "unknown key \(key)" + Self.knownKeys(near: key)
        case .notAColour(let value):
            return place + "\(key): \(value) is not a colour (use one of the 8 names, 0-255 or #rrggbb)"
        case .wrongType(let field?, let expected, let found):
            return place + "\(key): \(field) must be \(expected), not \(found)"
        case .wrongType(nil, let expected, let found):
            return place + "\(key) must be \(expected), not \(found)"
        case .notFound(let searched):
            let folders = searched.isEmpty ? "no theme folders" : searched.joined(separator: ", ")
            return "no theme \"\(file)\" in \(folders)"
        case .unreadable:
            return "\(file): cannot read the theme file"
        }
    }

    /// What the user may have meant: the keys of the section, or the attributes of a style.
    private static func knownKeys(near key: String) -> String {
        let parts = key.split(separator: ".").map(String.init)
        if parts.count == 2 {
            return " (\(parts[0]) has \(ThemeSlot.keys(in: parts[0]).joined(separator: ", ")))"
        }
        if parts.count == 3 {
            return " (a style has \(StyleAttribute.allCases.map(\.rawValue).joined(separator: ", ")))"
        }
        return ""
    }
}
