/// A single `Range: bytes=...` request, resolved against a file size.
///
/// Hand-written because Hummingbird's FileMiddleware gets suffix ranges (`bytes=-500`) and
/// unsatisfiable ranges wrong. Several ranges in one header are not served as multipart/byteranges:
/// the whole file is sent instead, which RFC 9110 allows.
enum ByteRange: Equatable {
    /// No usable Range header: send everything with 200.
    case whole
    /// Send these bytes with 206.
    case partial(ClosedRange<Int64>)
    /// 416 with `Content-Range: bytes */size`.
    case unsatisfiable

    static func parse(_ header: String?, size: Int64) -> ByteRange {
        guard let header else { return .whole }
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bytes=") else { return .whole }
        let spec = trimmed.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .whole }
        let startText = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let endText = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        if startText.isEmpty {
            // Suffix: the last n bytes (a suffix longer than the file is the whole file, as 206).
            guard let n = Self.number(endText) else { return .whole }
            if n == 0 || size == 0 { return .unsatisfiable }
            return .partial(max(0, size - n)...(size - 1))
        }
        guard let start = Self.number(startText) else { return .whole }
        var end = size - 1
        if !endText.isEmpty {
            guard let value = Self.number(endText), value >= start else { return .whole }
            end = min(value, size - 1)
        }
        if start >= size { return .unsatisfiable }
        return .partial(start...end)
    }

    /// A run of ASCII digits, saturated at `Int64.max`: RFC 9110 puts no bound on a range's numbers,
    /// and any position past the end means "the end" (`bytes=0-99999999999999999999` is the whole
    /// file as 206, `bytes=99999999999999999999-` is 416). `nil` for anything but digits.
    static func number(_ text: String) -> Int64? {
        guard !text.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            if o1 || o2 { value = .max } else { value = sum }
        }
        return value
    }
}
