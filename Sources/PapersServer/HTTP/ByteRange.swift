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
            // Suffix: the last n bytes.
            guard let n = Int64(endText), n >= 0, endText.allSatisfy(\.isNumber) else { return .whole }
            if n == 0 || size == 0 { return .unsatisfiable }
            return .partial(max(0, size - n)...(size - 1))
        }
        guard let start = Int64(startText), startText.allSatisfy(\.isNumber) else { return .whole }
        var end = size - 1
        if !endText.isEmpty {
            guard let value = Int64(endText), endText.allSatisfy(\.isNumber), value >= start else { return .whole }
            end = min(value, size - 1)
        }
        if start >= size { return .unsatisfiable }
        return .partial(start...end)
    }
}

import Foundation
