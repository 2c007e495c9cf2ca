import Foundation

/// Times on the wire: RFC 3339, UTC, milliseconds (`2026-11-25T22:40:00.123Z`).
///
/// The store keeps milliseconds since the epoch; this is the one place that formats them.
public enum Timestamp {
    /// Formats milliseconds since 1970 as RFC 3339 UTC with milliseconds.
    public static func format(milliseconds: Int64) -> String {
        let seconds = milliseconds.floorDiv(1000)
        let millis = Int(milliseconds - seconds * 1000)
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        // Digits by hand: String(format:) was a visible cost when listing thousands of nodes.
        var bytes = [UInt8](repeating: 0, count: 24)
        func put(_ value: Int, _ digits: Int, at offset: Int) {
            var v = value
            for i in stride(from: offset + digits - 1, through: offset, by: -1) {
                bytes[i] = UInt8(48 + v % 10)
                v /= 10
            }
        }
        put(Int(parts.tm_year) + 1900, 4, at: 0)
        bytes[4] = 45
        put(Int(parts.tm_mon) + 1, 2, at: 5)
        bytes[7] = 45
        put(Int(parts.tm_mday), 2, at: 8)
        bytes[10] = 84
        put(Int(parts.tm_hour), 2, at: 11)
        bytes[13] = 58
        put(Int(parts.tm_min), 2, at: 14)
        bytes[16] = 58
        put(Int(parts.tm_sec), 2, at: 17)
        bytes[19] = 46
        put(millis, 3, at: 20)
        bytes[23] = 90
        return String(decoding: bytes, as: UTF8.self)
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
