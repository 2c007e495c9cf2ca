import Crypto
import Foundation

/// AWS Signature Version 4 for the S3 API: the `Authorization` header of one request.
///
/// Hand-written because no S3 SDK is in our package mirror (Soto is not); it follows AWS's
/// "Signature Version 4 signing process" and is checked against vectors of AWS's SigV4 test suite
/// and S3's documented examples (`SigV4Tests`). S3's variant: the path is encoded once (the test
/// suite's other services encode it twice), and the payload's SHA-256 is always sent as
/// `x-amz-content-sha256`.
struct SigV4 {
    struct Credentials: Sendable, Equatable {
        var accessKeyID: String
        var secretAccessKey: String
        /// `AWS_SESSION_TOKEN`, sent as `x-amz-security-token` when present.
        var sessionToken: String?
    }

    /// A request to sign: the method, the path as it goes on the wire (already percent-encoded
    /// segment by segment, see `encodePath`), the query as name/value pairs (not yet encoded), and
    /// the headers to sign (names in any case).
    struct Request {
        var method: String
        var encodedPath: String
        var query: [(String, String)]
        var headers: [(String, String)]
        /// Hex SHA-256 of the body, or `UNSIGNED-PAYLOAD`.
        var payloadHash: String
    }

    let credentials: Credentials
    let region: String
    let service: String

    /// The hex SHA-256 of an empty body.
    static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The `Authorization` header's value for `request` signed at `date`. The request must carry
    /// `x-amz-date` (see `timestamp`) among its headers, and `host`.
    func authorization(for request: Request, at date: Date) -> String {
        let (canonical, signedHeaders) = Self.canonicalRequest(request)
        let (day, stamp) = Self.timestamp(date)
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", stamp, scope, HexDigest.string(SHA256.hash(data: Data(canonical.utf8)))].joined(separator: "\n")
        let signature = HexDigest.string(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: signingKey(day: day)))
        return "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
    }

    /// The key of one day: HMAC chained over the day, region, service and `aws4_request`.
    func signingKey(day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    /// The canonical request and the `SignedHeaders` list.
    static func canonicalRequest(_ request: Request) -> (String, String) {
        // Header names lower-cased and sorted; values trimmed with inner runs of spaces made one;
        // a header given twice is one line with its values joined by commas.
        var headers: [String: [String]] = [:]
        for (name, value) in request.headers {
            let collapsed = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            headers[name.lowercased(), default: []].append(collapsed.trimmingCharacters(in: .whitespaces))
        }
        let names = headers.keys.sorted()
        let headerLines = names.map { "\($0):\(headers[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let canonical = [
            request.method, request.encodedPath.isEmpty ? "/" : request.encodedPath, canonicalQuery(request.query), headerLines, signedHeaders,
            request.payloadHash,
        ].joined(separator: "\n")
        return (canonical, signedHeaders)
    }

    /// The query string, encoded and sorted as the signature needs it — also what goes on the wire,
    /// so the two can never differ.
    static func canonicalQuery(_ query: [(String, String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map { (encode($0.0), encode($0.1)) }
        let sorted = encoded.sorted { a, b in a.name == b.name ? a.value < b.value : a.name < b.name }
        return sorted.map { pair in pair.name + "=" + pair.value }.joined(separator: "&")
    }

    /// An object key or bucket path encoded segment by segment (`/` kept).
    static func encodePath(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: false).map { encode(String($0)) }.joined(separator: "/")
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters, in upper-case hex.
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            if unreserved.contains(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    private static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)

    /// `20150830` and `20150830T123600Z` for `date` in UTC.
    static func timestamp(_ date: Date) -> (day: String, stamp: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let day = String(format: "%04d%02d%02d", c.year!, c.month!, c.day!)
        return (day, day + String(format: "T%02d%02d%02dZ", c.hour!, c.minute!, c.second!))
    }

}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
