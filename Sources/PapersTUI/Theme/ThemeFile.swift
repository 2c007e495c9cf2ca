import TOMLKit

/// The attributes a style table may set.
enum StyleAttribute: String, CaseIterable {
    case fg, bg, bold, underline, reverse
}

/// Reads theme files: TOML sections of style tables, yazi style.
///
///     [pane]
///     selected = { fg = "black", bg = "cyan" }
///     marked = { fg = "yellow", bold = true }
enum ThemeFile {
    /// The styles a theme file sets; keys it does not mention are left out.
    ///
    /// - Parameter file: the file's name as shown in errors.
    /// - Throws: ``ThemeError`` for the first problem in the file (by line): ``ThemeProblem/syntax(_:)``
    ///   when the text is not TOML, ``ThemeProblem/unknownSection``, ``ThemeProblem/unknownKey``,
    ///   ``ThemeProblem/notAColour(_:)`` or ``ThemeProblem/wrongType(field:expected:found:)``.
    static func styles(in text: String, file: String) throws(ThemeError) -> [ThemeSlot: Style] {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ThemeError(file: file, line: error.source.begin.line, problem: .syntax(error.description))
        } catch {
            throw ThemeError(file: file, problem: .syntax(String(describing: error)))
        }
        var reader = Reader(file: file, lines: TOMLKeyLines(text))
        let styles = reader.read(root)
        if let first = reader.problems.min(by: { ($0.line ?? .max) < ($1.line ?? .max) }) {
            throw first
        }
        return styles
    }
}

/// Walks a parsed theme and collects every problem, so the first one by line can be reported:
/// toml++ hands back tables in key order, not file order.
private struct Reader {
    let file: String
    let lines: TOMLKeyLines
    var problems: [ThemeError] = []

    mutating func read(_ root: TOMLTable) -> [ThemeSlot: Style] {
        var styles: [ThemeSlot: Style] = [:]
        for (section, value) in root {
            guard ThemeSlot.sections.contains(section) else {
                report(at: [section], key: section, value.type == .table ? .unknownSection : .unknownKey)
                continue
            }
            guard let table = value.table else {
                let found = Self.describe(value)
                report(at: [section], key: section, .wrongType(field: nil, expected: "a section [\(section)]", found: found))
                continue
            }
            for (key, value) in table {
                guard let slot = ThemeSlot(section: section, key: key) else {
                    report(at: [section, key], key: "\(section).\(key)", .unknownKey)
                    continue
                }
                if let style = style(of: value, at: [section, key]) {
                    styles[slot] = style
                }
            }
        }
        return styles
    }

    private mutating func style(of value: TOMLValueConvertible, at path: [String]) -> Style? {
        let key = path.joined(separator: ".")
        guard let table = value.table else {
            let expected = "a style table like { fg = \"blue\" }"
            report(at: path, key: key, .wrongType(field: nil, expected: expected, found: Self.describe(value)))
            return nil
        }
        var style = Style()
        var valid = true
        for (name, value) in table {
            guard let attribute = StyleAttribute(rawValue: name) else {
                report(at: path + [name], key: "\(key).\(name)", .unknownKey)
                valid = false
                continue
            }
            switch attribute {
            case .fg, .bg:
                guard let colour = colour(of: value, field: name, at: path) else {
                    valid = false
                    continue
                }
                if attribute == .fg { style.fg = colour } else { style.bg = colour }
            case .bold, .underline, .reverse:
                guard let flag = value.bool else {
                    let found = Self.describe(value)
                    report(at: path + [name], key: key, .wrongType(field: name, expected: "true or false", found: found))
                    valid = false
                    continue
                }
                switch attribute {
                case .bold: style.bold = flag
                case .underline: style.underline = flag
                default: style.reverse = flag
                }
            }
        }
        return valid ? style : nil
    }

    private mutating func colour(of value: TOMLValueConvertible, field: String, at path: [String]) -> Color? {
        let key = path.joined(separator: ".")
        if let text = value.string {
            if let colour = Color(themeValue: text) { return colour }
            report(at: path + [field], key: key, .notAColour("\"\(text)\""))
        } else if let number = value.int {
            if let index = UInt8(exactly: number) { return .indexed(index) }
            report(at: path + [field], key: key, .notAColour(String(number)))
        } else {
            let expected = "a colour name, 0-255 or \"#rrggbb\""
            report(at: path + [field], key: key, .wrongType(field: field, expected: expected, found: Self.describe(value)))
        }
        return nil
    }

    private mutating func report(at path: [String], key: String, _ problem: ThemeProblem) {
        problems.append(ThemeError(file: file, line: lines.line(of: path), key: key, problem: problem))
    }

    /// A value as a user would recognise it in an error message.
    private static func describe(_ value: TOMLValueConvertible) -> String {
        switch value.type {
        case .string: "the string \"\(value.string ?? "")\""
        case .int: "the integer \(value.int ?? 0)"
        case .double: "the number \(value.double ?? 0)"
        case .bool: "\(value.bool ?? false)"
        case .table: "a table"
        case .array: "an array"
        case .date, .dateTime: "a date"
        case .time: "a time"
        }
    }
}

extension Color {
    /// A colour as a theme file writes it in a string: one of the 8 names (any case), "0"–"255",
    /// or "#rrggbb". Nil for anything else.
    init?(themeValue text: String) {
        if let named = NamedColor.allCases.first(where: { $0.name == text.lowercased() }) {
            self = .named(named)
        } else if !text.isEmpty, text.allSatisfy(\.isASCIIDigit), let index = UInt8(text) {
            self = .indexed(index)
        } else if text.utf8.count == 7, text.first == "#", let red = Self.hexByte(text, 1), let green = Self.hexByte(text, 3),
            let blue = Self.hexByte(text, 5)
        {
            self = .rgb(red, green, blue)
        } else {
            return nil
        }
    }

    /// The byte written as two ASCII hex digits at `offset` of `text`'s UTF-8.
    private static func hexByte(_ text: String, _ offset: Int) -> UInt8? {
        let digits = text.utf8.dropFirst(offset).prefix(2)
        guard digits.count == 2, digits.allSatisfy({ $0 < 0x80 && Character(Unicode.Scalar($0)).isHexDigit }) else { return nil }
        return UInt8(String(decoding: digits, as: UTF8.self), radix: 16)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isWholeNumber }
}
