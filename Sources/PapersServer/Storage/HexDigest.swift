/// A digest (SHA-256, HMAC, SHA-1) as lower-case hex: how content is named (`blobs/ab/cd/<sha256>`),
/// checked (`X-Content-SHA256`) and signed (SigV4).
enum HexDigest {
    private static let digits = Array("0123456789abcdef".utf8)

    static func string<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
