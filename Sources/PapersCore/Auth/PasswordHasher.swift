import Crypto
import CryptoExtras
import Foundation

/// Salted slow password hashes in passlib's `pbkdf2_sha256` format:
/// `$pbkdf2-sha256$<rounds>$<salt>$<checksum>`, salt and checksum in passlib's "ab64"
/// (standard base64 with `.` for `+`, no padding). Hashes made by the original tutorial's
/// passlib code (200,000 rounds) verify, and `needsUpgrade` tells when to rehash them.
public struct PasswordHasher: Sendable {
    /// OWASP's 2023 figure for PBKDF2-HMAC-SHA256.
    public static let defaultRounds = 600_000
    public static let saltBytes = 16
    static let checksumBytes = 32
    static let scheme = "pbkdf2-sha256"

    public let rounds: Int

    public init(rounds: Int = PasswordHasher.defaultRounds) {
        precondition(rounds >= 1)
        self.rounds = rounds
    }

    /// Hashes `password` with a fresh random salt. Slow on purpose: call it off the event loop.
    public func hash(_ password: String) -> String {
        var salt = [UInt8](repeating: 0, count: Self.saltBytes)
        var generator = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = generator.next() }
        let checksum = Self.derive(password, salt: salt, rounds: rounds)
        return "$\(Self.scheme)$\(rounds)$\(Self.ab64Encode(salt))$\(Self.ab64Encode(checksum))"
    }

    /// Whether `password` matches `hash`. A malformed hash never matches.
    public func verify(_ password: String, against hash: String) -> Bool {
        guard let parsed = Self.parse(hash) else { return false }
        let checksum = Self.derive(password, salt: parsed.salt, rounds: parsed.rounds)
        return Self.constantTimeEqual(checksum, parsed.checksum)
    }

    /// Whether a (verified) hash was made with fewer rounds than this hasher uses.
    public func needsUpgrade(_ hash: String) -> Bool {
        guard let parsed = Self.parse(hash) else { return true }
        return parsed.rounds < rounds
    }

    static func parse(_ hash: String) -> (rounds: Int, salt: [UInt8], checksum: [UInt8])? {
        let parts = hash.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty, parts[1] == Self.scheme,
            let rounds = Int(parts[2]), rounds >= 1, rounds <= 100_000_000,
            let salt = ab64Decode(String(parts[3])),
            let checksum = ab64Decode(String(parts[4])), checksum.count == checksumBytes
        else { return nil }
        return (rounds, salt, checksum)
    }

    static func derive(_ password: String, salt: [UInt8], rounds: Int) -> [UInt8] {
        // `unsafeUncheckedRounds` because hashes from before (200,000 rounds) must still verify;
        // new hashes always use `rounds` (600,000 by default).
        let key = try! KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: checksumBytes,
            unsafeUncheckedRounds: rounds)
        return key.withUnsafeBytes { Array($0) }
    }

    static func ab64Encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: ".").replacingOccurrences(of: "=", with: "")
    }

    static func ab64Decode(_ text: String) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: ".", with: "+")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64).map(Array.init)
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
