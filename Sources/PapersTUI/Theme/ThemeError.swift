/// Why a theme could not be loaded, with the file, line and key to fix. Its description is the
/// message shown to the user, compiler style:
///
///     themes/bad.toml:7: pane.selected: "purpleish" is not a colour (use one of the 8 names, 0-255 or #rrggbb)
public struct ThemeError: Error, CustomStringConvertible, Equatable {
    public enum Problem: Sendable, Equatable {
        /// The file is not valid TOML; toml++'s own words.
        case syntax(String)
        /// A `[section]` no theme has; ``ThemeError/key`` is its name.
        case unknownSection
        /// A key its section does not have, or a style attribute other than fg, bg, bold,
        /// underline and reverse; ``ThemeError/key`` is the whole dotted key.
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
    }

    /// The file, as the user named it or as found in the search paths; for ``Problem/notFound(searched:)``
    /// the theme name.
    public let file: String
    /// The line (1-based) the problem is on, when it is in the file.
    public let line: Int?
    /// The `section.key` the problem is in, when it is in one.
    public let key: String?
    public let problem: Problem

    public init(file: String, line: Int? = nil, key: String? = nil, problem: Problem) {
        self.file = file
        self.line = line
        self.key = key
        self.problem = problem
    }

    public var description: String {
        let place = line.map { "\(file):\($0): " } ?? "\(file): "
        let key = key ?? ""
        switch problem {
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
