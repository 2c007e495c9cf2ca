import Foundation

/// How long a share link works, as people type it: a whole number and a unit, `30m`, `12h`, `7d`
/// or `2w` (the CLI's `--expires` and the TUI's prompt read the same thing).
public struct ShareDuration: Sendable, Equatable {
    public var seconds: TimeInterval

    /// `nil` unless the text is a positive whole number followed by `m`, `h`, `d` or `w`.
    public init?(_ text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard let unit = text.last, let number = Int(text.dropLast()), number > 0, number <= 100_000 else { return nil }
        let scale: TimeInterval
        switch unit {
        case "m": scale = 60
        case "h": scale = 3600
        case "d": scale = 86400
        case "w": scale = 7 * 86400
        default: return nil
        }
        seconds = TimeInterval(number) * scale
    }

    /// What to say when a text is not one.
    public static let hint = "Give a number and a unit: 30m, 12h, 7d or 2w."
}
