import Foundation

@_silgen_name("wcwidth") private func c_wcwidth(_ c: Int32) -> Int32

/// How many terminal columns text takes: CJK and emoji 2, combining marks 0 (lf: "日本語" is 6).
///
/// Uses the C library's `wcwidth`, which needs a UTF-8 locale: `DisplayWidth.prepareLocale()` sets one.
public enum DisplayWidth {
    /// Selects the user's locale, falling back to C.UTF-8 so that widths are right under any `LANG`.
    public static func prepareLocale() {
        if let current = setlocale(LC_ALL, ""), String(cString: current).uppercased().contains("UTF") { return }
        if setlocale(LC_ALL, "C.UTF-8") == nil { setlocale(LC_ALL, "en_US.UTF-8") }
    }

    /// Columns of one character (a grapheme cluster): its first scalar's width, or 2 for an emoji presentation.
    public static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if first.value < 0x20 || (0x7F..<0xA0).contains(first.value) { return 0 }
        if scalars.contains(where: { $0.value == 0xFE0F }) || (first.properties.isEmojiPresentation && first.value > 0x2000) { return 2 }
        let width = Int(c_wcwidth(Int32(bitPattern: first.value)))
        if width < 0 { return 1 }
        return width
    }

    /// Columns of a string.
    public static func of(_ text: String) -> Int {
        text.reduce(0) { $0 + of($1) }
    }

    /// The longest prefix of `text` that fits in `columns`, with `…` when it had to be cut
    /// (never cutting a character in half).
    public static func truncate(_ text: String, to columns: Int) -> String {
        guard columns > 0 else { return "" }
        if of(text) <= columns { return text }
        var result = ""
        var used = 0
        for character in text {
            let w = of(character)
            if used + w > columns - 1 { break }
            result.append(character)
            used += w
        }
        return result + "…"
    }

    /// The longest suffix of `text` that fits in `columns`, with `…` in front when it had to be cut:
    /// for paths, whose end says where one is.
    public static func truncateHead(_ text: String, to columns: Int) -> String {
        guard columns > 0 else { return "" }
        if of(text) <= columns { return text }
        var result = ""
        var used = 0
        for character in text.reversed() {
            let w = of(character)
            if used + w > columns - 1 { break }
            result.insert(character, at: result.startIndex)
            used += w
        }
        return "…" + result
    }

    /// `text` cut or padded with spaces to exactly `columns`.
    public static func fit(_ text: String, to columns: Int) -> String {
        let cut = truncate(text, to: columns)
        return cut + String(repeating: " ", count: max(0, columns - of(cut)))
    }
}
