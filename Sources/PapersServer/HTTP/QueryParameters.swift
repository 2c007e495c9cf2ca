import Foundation
import Hummingbird

/// A request's query string decoded as `application/x-www-form-urlencoded`, the way browsers,
/// HTML forms and Python's `requests` encode it: `+` is a space, then `%XX` escapes are decoded, in
/// keys and values alike. The first occurrence of a repeated key wins.
///
/// Hand-written because Hummingbird's `URI.queryParameters` keeps `+` literally and leaves keys
/// undecoded, so `?name=a+b.txt` would store `a+b.txt`.
struct QueryParameters: Sendable {
    private var pairs: [(key: String, value: String)] = []

    init(_ query: String?) {
        guard let query, !query.isEmpty else { return }
        for item in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            pairs.append((key, value))
        }
    }

    /// The first value given for `key`, or `nil` when the query does not name it.
    subscript(key: String) -> String? {
        pairs.first { $0.key == key }?.value
    }

    /// `+` to space, then percent-decoding; a malformed escape (`%zz`, or bytes that are not UTF-8)
    /// leaves the text as it came, so that validation can refuse it with the name's own rules.
    static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}

extension Request {
    /// The query string, form-decoded (`+` is a space).
    var query: QueryParameters { QueryParameters(uri.query) }
}
