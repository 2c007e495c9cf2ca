import Foundation

extension Theme {
    /// The theme for this run: ``monochrome`` when `NO_COLOR` is set to anything but the empty
    /// string (no-color.org), otherwise the theme `requested` (`--theme` or the config file) or
    /// "default".
    ///
    /// - Parameter searchPaths: where theme names are looked up; nil for
    ///   ``searchPaths(environment:executablePath:)`` of this process.
    /// - Throws: ``ThemeError`` as ``load(name:searchPaths:)`` does.
    public static func select(
        requested: String?,
        environment: [String: String],
        searchPaths: [String]? = nil
    ) throws(ThemeError) -> Theme {
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty {
            return .monochrome
        }
        let paths = searchPaths ?? Self.searchPaths(environment: environment, executablePath: Bundle.main.executablePath)
        return try load(name: requested ?? "default", searchPaths: paths)
    }

    /// Loads a theme by name or path. A `name` holding a "/" or ending in ".toml" is a path to the
    /// file; anything else is looked up as `<folder>/<name>.toml` in each of `searchPaths` in turn.
    /// Keys the file leaves out come from ``fallback``.
    ///
    /// - Throws: ``ThemeError`` with ``ThemeProblem/notFound(searched:)`` when no folder has the
    ///   name, ``ThemeProblem/unreadable`` when the file cannot be read, and the problem with
    ///   file, line and key when its contents are wrong (see ``parse(_:name:file:)``).
    public static func load(name: String, searchPaths: [String]) throws(ThemeError) -> Theme {
        let path: String
        if name.contains("/") || name.hasSuffix(".toml") {
            path = name
        } else if let found = searchPaths.map({ "\($0)/\(name).toml" }).first(where: isFile) {
            path = found
        } else {
            throw ThemeError(file: name, problem: .notFound(searched: searchPaths))
        }
        guard isFile(path), let data = FileManager.default.contents(atPath: path) else {
            throw ThemeError(file: path, problem: .unreadable)
        }
        let themeName = String((path as NSString).lastPathComponent.dropLast(path.hasSuffix(".toml") ? 5 : 0))
        return try parse(String(decoding: data, as: UTF8.self), name: themeName, file: path)
    }

    /// A theme from the text of a theme file; keys it leaves out come from ``fallback``.
    ///
    /// - Parameter file: the file's name as shown in errors.
    /// - Throws: ``ThemeError`` for the first problem in the text: TOML syntax (with toml++'s line),
    ///   an unknown section or key, a bad colour, or a value of the wrong type.
    public static func parse(_ text: String, name: String, file: String) throws(ThemeError) -> Theme {
        Theme(name: name, styles: try ThemeFile.styles(in: text, file: file))
    }

    /// Where theme names are looked up, in order: the user's own themes
    /// (`$XDG_CONFIG_HOME/papers/themes`, or `~/.config/papers/themes`), then the shipped ones —
    /// the first `themes` (or `share/papers/themes`) folder holding default.toml on the way up from
    /// the executable's folder (so `.build/debug/papers` finds the repository's `themes/`, and
    /// `/opt/papers/bin/papers` finds `/opt/papers/share/papers/themes`), then
    /// `/usr/local/share/papers/themes`.
    ///
    /// - Parameter executablePath: the running program, absolute or relative to the current folder;
    ///   symbolic links are followed. Nil leaves out the folders found from it.
    public static func searchPaths(environment: [String: String], executablePath: String?) -> [String] {
        var paths: [String] = []
        if let config = environment["XDG_CONFIG_HOME"], config.hasPrefix("/") {
            paths.append("\(config)/papers/themes")
        } else if let home = environment["HOME"], !home.isEmpty {
            paths.append("\(home)/.config/papers/themes")
        }
        if let executablePath, let shipped = shippedThemes(near: executablePath) {
            paths.append(shipped)
        }
        let installed = "/usr/local/share/papers/themes"
        if !paths.contains(installed) {
            paths.append(installed)
        }
        return paths
    }

    /// The first folder of shipped themes on the way up from the executable's folder.
    private static func shippedThemes(near executablePath: String) -> String? {
        var folder = (URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().path as NSString).deletingLastPathComponent
        while true {
            for candidate in ["\(folder)/themes", "\(folder)/share/papers/themes"] where isFile("\(candidate)/default.toml") {
                return candidate
            }
            let parent = (folder as NSString).deletingLastPathComponent
            if parent == folder || parent.isEmpty { return nil }
            folder = parent
        }
    }

    private static func isFile(_ path: String) -> Bool {
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && !isFolder.boolValue
    }
}
