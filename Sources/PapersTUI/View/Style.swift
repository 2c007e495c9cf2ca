/// A terminal colour: one of the 8 named ones, an index of the 256-colour palette, or RGB (mapped to
/// the nearest colour the terminal has when drawn).
public enum Color: Sendable, Hashable {
    case named(NamedColor)
    case indexed(UInt8)
    case rgb(UInt8, UInt8, UInt8)
}

public enum NamedColor: Int, Sendable, Hashable, CaseIterable {
    case black = 0, red, green, yellow, blue, magenta, cyan, white

    public var name: String { String(describing: self) }
}

/// How a cell looks.
public struct Style: Sendable, Hashable {
    public var fg: Color?
    public var bg: Color?
    public var bold: Bool
    public var underline: Bool
    public var reverse: Bool

    public init(fg: Color? = nil, bg: Color? = nil, bold: Bool = false, underline: Bool = false, reverse: Bool = false) {
        self.fg = fg
        self.bg = bg
        self.bold = bold
        self.underline = underline
        self.reverse = reverse
    }

    public static let plain = Style()
}
