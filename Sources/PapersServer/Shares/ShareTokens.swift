import Crypto
import Foundation

/// The secret part of a share link: 24 random bytes in base64url (32 characters, 192 bits).
/// Kept only as SHA-256: with that much randomness a slow hash adds nothing, and a leaked database
/// holds no working link.
enum ShareTokens {
    static let byteCount = 24
    static let length = 32

    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    static func hash(_ token: String) -> String {
        HexDigest.string(SHA256.hash(data: Data(token.utf8)))
    }

    /// Whether `text` can be a token at all (anything else is 404 without a database read).
    static func isWellFormed(_ text: Substring) -> Bool {
        text.utf8.count == length
            && text.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            }
    }
}
