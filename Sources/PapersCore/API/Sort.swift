/// What a folder listing is ordered by (the `sort` query parameter). Folders always come first.
/// One vocabulary for the server, the client, the CLI and the TUI.
public enum SortField: String, Sendable, CaseIterable, Codable {
    case name
    case size
    /// `date_modified` on the wire, "modified" where people read it.
    case modified = "date_modified"

    /// The word the CLI and the TUI show and take: `name`, `size`, `modified`.
    public var label: String {
        self == .modified ? "modified" : rawValue
    }

    /// A field from the word people type (`modified`), or from its wire name (`date_modified`).
    public init?(label: String) {
        if label == "modified" {
            self = .modified
        } else {
            self.init(rawValue: label)
        }
    }

    /// The next field in the TUI's cycle: name → size → modified → name.
    public var next: SortField {
        switch self {
        case .name: return .size
        case .size: return .modified
        case .modified: return .name
        }
    }
}

/// The `order` query parameter: ascending or descending (named so as not to clash with Foundation's `SortOrder`).
public enum SortDirection: String, Sendable, CaseIterable, Codable {
    case asc
    case desc
}
