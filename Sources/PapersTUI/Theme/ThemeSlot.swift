/// A part of the screen a theme gives a style to, named as in theme files: `section.key`, so
/// `pane.selected` is the `selected` key of the `[pane]` section.
public enum ThemeSlot: String, CaseIterable, Sendable {
    case headerBar = "header.bar"
    case headerTitle = "header.title"

    case paneBorder = "pane.border"
    case paneTitle = "pane.title"
    case paneActiveBorder = "pane.active_border"
    case paneItem = "pane.item"
    case paneFolder = "pane.folder"
    case paneSelected = "pane.selected"
    case paneMarked = "pane.marked"
    case paneDim = "pane.dim"
    case paneScroll = "pane.scroll"

    case propertiesKey = "properties.key"
    case propertiesValue = "properties.value"

    case statusInfo = "status.info"
    case statusError = "status.error"
    case statusWarning = "status.warning"

    case progressBar = "progress.bar"
    case progressTrack = "progress.track"
    case progressText = "progress.text"

    case keybarKey = "keybar.key"
    case keybarLabel = "keybar.label"

    case dialogBorder = "dialog.border"
    case dialogText = "dialog.text"
    case dialogInput = "dialog.input"
    case dialogError = "dialog.error"
    case dialogButton = "dialog.button"

    case helpKey = "help.key"
    case helpText = "help.text"

    /// The section of a theme file the slot is in: `pane` for `pane.selected`.
    public var section: String { String(rawValue.prefix { $0 != "." }) }

    /// The key inside its section: `selected` for `pane.selected`.
    public var key: String { String(rawValue.drop { $0 != "." }.dropFirst()) }

    /// The sections of a theme file, in the order of the cases.
    public static let sections: [String] = allCases.reduce(into: []) { sections, slot in
        if sections.last != slot.section { sections.append(slot.section) }
    }

    /// The slot named `section.key`, or nil when a theme file has no such key.
    public init?(section: String, key: String) {
        self.init(rawValue: "\(section).\(key)")
    }

    /// The keys of one section, in the order of the cases.
    static func keys(in section: String) -> [String] {
        allCases.filter { $0.section == section }.map(\.key)
    }
}
