/// What to do when a new or moved node's name is taken in its folder (`on_conflict` query parameter).
public enum OnConflict: String, Sendable, CaseIterable, Codable {
    /// Refuse with 409 (the default).
    case fail
    /// Pick `name (1).ext`, `name (2).ext`, ...
    case rename
    /// Uploads only: replace the content of the existing file of that name (never a folder).
    case overwrite
}
