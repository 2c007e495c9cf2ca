import Crypto
import Foundation

/// App passwords: random secrets for WebDAV clients, one per device or app, each revocable alone.
///
/// Format: six groups of five lower-case letters and digits (`k3m9x-…`, 30 characters of a 32-sign
/// alphabet: 150 random bits), easy to type from one screen into another. Kept only as SHA-256: with
/// that much randomness a slow hash adds nothing, and a leaked database gives no working password.
/// They open `/dav/` only (Basic credentials), never the JSON API, which takes tokens from a login.
enum AppPasswords {
    static let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789".utf8) + [UInt8(ascii: "0")]
    static let groups = 6
    static let groupLength = 5
    static let limitPerUser = 100

    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let groups = (0..<groups).map { _ in
            String(decoding: (0..<groupLength).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] }, as: UTF8.self)
        }
        return groups.joined(separator: "-")
    }

    static func hash(_ password: String) -> String {
        HexDigest.string(SHA256.hash(data: Data(password.utf8)))
    }
}
