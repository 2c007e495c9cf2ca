/// The line each key of a TOML document is written on, so that problems found after parsing can
/// name a line: toml++ knows where every node came from, but TOMLKit does not pass it on.
///
/// It reads only what the settings files (themes, `keys.toml`) use: `[table]` headers, `key = value` lines with plain, quoted or
/// dotted keys, and comments. A key inside an inline table is reported on the line of the table.
struct TOMLKeyLines {
    private var lines: [[String]: Int] = [:]

    init(_ text: String) {
        var table: [String] = []
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = raw.drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("[") {
                let header = line.drop { $0 == "[" }.prefix { $0 != "]" }
                table = Self.dottedKey(header)
                record(table, line: index + 1)
            } else if !line.hasPrefix("#"), let equals = Self.firstUnquoted("=", in: line) {
                record(table + Self.dottedKey(line[..<equals]), line: index + 1)
            }
        }
    }

    /// The line `path` is written on, or the line of the nearest table holding it (the line of an
    /// inline table for its keys); nil when not even its section is found.
    func line(of path: [String]) -> Int? {
        var path = path
        while !path.isEmpty {
            if let line = lines[path] { return line }
            path.removeLast()
        }
        return nil
    }

    private mutating func record(_ path: [String], line: Int) {
        guard !path.isEmpty, lines[path] == nil else { return }
        lines[path] = line
    }

    /// `a."b.c" . d` as ["a", "b.c", "d"].
    private static func dottedKey(_ text: Substring) -> [String] {
        var parts: [String] = []
        var rest = text
        while let dot = firstUnquoted(".", in: rest) {
            parts.append(unquoted(rest[..<dot]))
            rest = rest[rest.index(after: dot)...]
        }
        parts.append(unquoted(rest))
        return parts
    }

    private static func unquoted(_ part: Substring) -> String {
        let trimmed = part.trimmingSpaces
        if trimmed.count >= 2, let quote = trimmed.first, quote == "\"" || quote == "'", trimmed.last == quote {
            return String(trimmed.dropFirst().dropLast())
        }
        return String(trimmed)
    }

    /// The first `character` outside '…' and "…" quotes.
    private static func firstUnquoted(_ character: Character, in text: Substring) -> Substring.Index? {
        var quote: Character?
        var index = text.startIndex
        while index < text.endIndex {
            let current = text[index]
            if let open = quote {
                if current == "\\" && open == "\"" {
                    index = text.index(after: index)
                    if index == text.endIndex { break }
                } else if current == open {
                    quote = nil
                }
            } else if current == "\"" || current == "'" {
                quote = current
            } else if current == character {
                return index
            }
            index = text.index(after: index)
        }
        return nil
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
