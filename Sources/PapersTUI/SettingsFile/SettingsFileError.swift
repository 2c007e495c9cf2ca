/// A problem in one of the TUI's settings files (a theme, `keys.toml`), with the file, line and key
/// to fix. Its description is the message shown to the user, compiler style:
///
///     themes/bad.toml:7: pane.selected: "purpleish" is not a colour (use one of the 8 names, 0-255 or #rrggbb)
///     keys.toml:3: teleport: unknown command
///
/// Themes and key maps share this shape; each file kind says what can be wrong in it (`Problem`).
public struct SettingsFileError<Problem: SettingsFileProblem>: Error, Equatable, CustomStringConvertible {
    /// The file, as the user named it or as found in the search paths (for a theme that is not
    /// found, the theme's name).
    public let file: String
    /// The line (1-based) the problem is on, when it is in the file.
    public let line: Int?
    /// The key (`section.key`, or the section) the problem is in, when it is in one.
    public let key: String?
    public let problem: Problem

    public init(file: String, line: Int? = nil, key: String? = nil, problem: Problem) {
        self.file = file
        self.line = line
        self.key = key
        self.problem = problem
    }

    public var description: String {
        problem.message(place: line.map { "\(file):\($0): " } ?? "\(file): ", file: file, key: key ?? "")
    }
}

/// What can be wrong in one kind of settings file.
public protocol SettingsFileProblem: Sendable, Equatable {
    /// The whole message: usually `place` (`file:line: `) followed by what is wrong with `key`.
    func message(place: String, file: String, key: String) -> String
}
