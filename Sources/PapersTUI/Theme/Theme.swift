/// The styles the screen is drawn with, one for each ``ThemeSlot``.
///
/// A theme always has a style for every slot: what a theme file leaves out comes from
/// ``fallback``, so themes written before a slot existed keep loading. Load one with
/// ``load(name:searchPaths:)`` or ``select(requested:environment:searchPaths:)``.
public struct Theme: Sendable, Equatable {
    /// The theme's name: the file name without `.toml`.
    public let name: String
    private let styles: [ThemeSlot: Style]

    /// A theme named `name` with the given styles; slots missing from `styles` take their style
    /// from `base`.
    public init(name: String, styles: [ThemeSlot: Style], base: Theme = .fallback) {
        self.name = name
        self.styles = base.styles.merging(styles) { _, own in own }
    }

    /// A theme that must give every slot a style; used for the built-in themes.
    private init(name: String, complete styles: [ThemeSlot: Style]) {
        precondition(Set(styles.keys) == Set(ThemeSlot.allCases), "built-in theme \(name) misses a slot")
        self.name = name
        self.styles = styles
    }

    /// The style of one part of the screen.
    public subscript(_ slot: ThemeSlot) -> Style {
        styles[slot] ?? .plain
    }
}

extension Theme {
    /// The built-in dark theme: the same as the shipped `themes/default.toml`, and what every key a
    /// theme file leaves out falls back to.
    public static let fallback = Theme(
        name: "default",
        complete: [
            .headerBar: Style(fg: .named(.white), bg: .named(.blue)),
            .headerTitle: Style(fg: .named(.white), bg: .named(.blue), bold: true),

            .paneBorder: Style(fg: .named(.blue)),
            .paneTitle: Style(fg: .named(.white), bold: true),
            .paneActiveBorder: Style(fg: .named(.cyan), bold: true),
            .paneItem: Style(),
            .paneFolder: Style(fg: .named(.blue), bold: true),
            .paneSelected: Style(fg: .named(.black), bg: .named(.cyan)),
            .paneMarked: Style(fg: .named(.yellow), bold: true),
            .paneDim: Style(fg: .indexed(8)),
            .paneScroll: Style(fg: .named(.cyan)),

            .propertiesKey: Style(fg: .named(.cyan)),
            .propertiesValue: Style(),

            .statusInfo: Style(),
            .statusError: Style(fg: .named(.white), bg: .named(.red), bold: true),
            .statusWarning: Style(fg: .named(.yellow), bold: true),

            .progressBar: Style(fg: .named(.green)),
            .progressTrack: Style(fg: .indexed(8)),
            .progressText: Style(),

            .keybarKey: Style(fg: .named(.white), bold: true),
            .keybarLabel: Style(fg: .named(.black), bg: .named(.cyan)),

            .dialogBorder: Style(fg: .named(.cyan), bold: true),
            .dialogText: Style(),
            .dialogInput: Style(fg: .named(.black), bg: .named(.white)),
            .dialogError: Style(fg: .named(.white), bg: .named(.red), bold: true),
            .dialogButton: Style(fg: .named(.black), bg: .named(.cyan)),

            .helpKey: Style(fg: .named(.yellow), bold: true),
            .helpText: Style(),
        ]
    )

    /// The theme without colours, for `NO_COLOR` and terminals without any: bold, reverse and
    /// underline alone keep the selection, marks and errors visible. The same as the shipped
    /// `themes/monochrome.toml`.
    public static let monochrome = Theme(
        name: "monochrome",
        complete: [
            .headerBar: Style(reverse: true),
            .headerTitle: Style(bold: true, reverse: true),

            .paneBorder: Style(),
            .paneTitle: Style(bold: true),
            .paneActiveBorder: Style(bold: true),
            .paneItem: Style(),
            .paneFolder: Style(bold: true),
            .paneSelected: Style(reverse: true),
            .paneMarked: Style(bold: true, underline: true),
            .paneDim: Style(),
            .paneScroll: Style(bold: true),

            .propertiesKey: Style(bold: true),
            .propertiesValue: Style(),

            .statusInfo: Style(),
            .statusError: Style(bold: true, reverse: true),
            .statusWarning: Style(bold: true),

            .progressBar: Style(reverse: true),
            .progressTrack: Style(),
            .progressText: Style(bold: true),

            .keybarKey: Style(bold: true),
            .keybarLabel: Style(reverse: true),

            .dialogBorder: Style(bold: true),
            .dialogText: Style(),
            .dialogInput: Style(underline: true),
            .dialogError: Style(bold: true, reverse: true),
            .dialogButton: Style(reverse: true),

            .helpKey: Style(bold: true),
            .helpText: Style(),
        ]
    )
}
