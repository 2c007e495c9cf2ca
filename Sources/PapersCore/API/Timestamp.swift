import Foundation

/// Times on the wire: RFC 3339, UTC, milliseconds (`2026-11-25T22:40:00.123Z`).
///
/// The store keeps milliseconds since the epoch; this is the one place that formats them.
public enum Timestamp {
    /// Formats milliseconds since 1970 as RFC 3339 UTC with milliseconds.
    public static func format(milliseconds: Int64) -> String {
        let seconds = milliseconds.floorDiv(1000)
        let millis = milliseconds - seconds * 1000
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let year = Int(parts.tm_year) + 1900
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(millis))
    }

    /// Formats a date as RFC 3339 UTC with milliseconds.
    public static func format(_ date: Date) -> String {
        format(milliseconds: milliseconds(date))
    }

    /// Milliseconds since 1970, rounded down.
    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// Parses the RFC 3339 forms this API writes (with or without fractional seconds).
    public static func parse(_ text: String) -> Date? {
        let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        if let date = try? withFraction.parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}

extension Int64 {
    fileprivate func floorDiv(_ divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}
