import Foundation

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) for `Last-Modified`, `If-Range` and WebDAV's
/// `getlastmodified`.
enum HTTPDate {
    private static let days = Array("SunMonTueWedThuFriSat".utf8)
    private static let months = Array("JanFebMarAprMayJunJulAugSepOctNovDec".utf8)

    /// Digits by hand, as `Timestamp.format` does: `String(format:)` cost measurably in a PROPFIND
    /// of 10,000 entries (one date each).
    static func format(milliseconds: Int64) -> String {
        var time = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&time, &parts)
        var bytes = [UInt8](repeating: 32, count: 29)
        func put(_ value: Int, _ digits: Int, at offset: Int) {
            var v = value
            for i in stride(from: offset + digits - 1, through: offset, by: -1) {
                bytes[i] = UInt8(48 + v % 10)
                v /= 10
            }
        }
        let day = Int(parts.tm_wday) * 3
        let month = Int(parts.tm_mon) * 3
        bytes[0...2] = days[day..<day + 3]
        bytes[3] = UInt8(ascii: ",")
        put(Int(parts.tm_mday), 2, at: 5)
        bytes[8...10] = months[month..<month + 3]
        put(Int(parts.tm_year) + 1900, 4, at: 12)
        put(Int(parts.tm_hour), 2, at: 17)
        bytes[19] = UInt8(ascii: ":")
        put(Int(parts.tm_min), 2, at: 20)
        bytes[22] = UInt8(ascii: ":")
        put(Int(parts.tm_sec), 2, at: 23)
        bytes[26...28] = Array("GMT".utf8)[...]
        return String(decoding: bytes, as: UTF8.self)
    }
}
