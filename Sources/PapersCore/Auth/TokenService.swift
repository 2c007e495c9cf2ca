import Synchronization
import Foundation
import Crypto
import JWTKit

/// Why a token was refused.
public enum TokenError: Error, Sendable, Equatable {
    /// Not a well-formed JWT, not HS256, or the signature does not match.
    case invalid
    /// Well-formed and signed by us, but past its `exp`.
    case expired
    /// Signed by us, but later revoked (logout).
    case revoked
}

/// Issues and verifies HS256 access tokens with one secret key.
///
/// The algorithm is pinned to HS256: a token whose header names another (`none`, `RS256`, ...) is
/// refused before any signature check. `exp` is required, and checked against `now()`, so tests can
/// move the clock instead of sleeping.
public struct TokenService: Sendable {
    public let lifetime: TimeInterval
    private let keys: JWTKeyCollection
    private let now: @Sendable () -> Date
    /// Tokens whose signature checked out, so a busy client's token is verified once, not per request.
    /// Expiry is still checked every time; the cache is emptied when it reaches `cacheLimit`.
    private let verified = VerifiedTokens()

    /// - Parameters:
    ///   - secret: the signing key (at least 32 bytes is recommended).
    ///   - lifetime: seconds from issue to expiry.
    ///   - now: the clock.
    public init(secret: [UInt8], lifetime: TimeInterval, now: @escaping @Sendable () -> Date = Date.init) async {
        self.keys = await JWTKeyCollection().add(hmac: HMACKey(key: SymmetricKey(data: secret)), digestAlgorithm: .sha256)
        self.lifetime = lifetime
        self.now = now
    }

    /// Signs a new token for `userId`, valid for `lifetime` from now.
    public func issue(userId: String) async throws -> (token: String, claims: TokenClaims) {
        let issued = Date(timeIntervalSince1970: now().timeIntervalSince1970.rounded(.down))
        let claims = TokenClaims(
            userId: userId, issuedAt: issued, expiresAt: issued.addingTimeInterval(lifetime),
            tokenId: RandomID.uuid())
        let token = try await keys.sign(claims)
        return (token, claims)
    }

    /// Verifies the signature, the algorithm and the expiry of `token`.
    /// - Throws: `TokenError.invalid` or `TokenError.expired`.
    public func verify(_ token: String) async throws(TokenError) -> TokenClaims {
        if let claims = verified.claims(for: token) {
            if claims.exp.value <= now() { throw .expired }
            return claims
        }
        guard Self.headerAlgorithm(of: token) == "HS256" else { throw .invalid }
        let claims: TokenClaims
        do {
            claims = try await keys.verify(token, as: TokenClaims.self)
        } catch {
            throw .invalid
        }
        guard claims.sub.value == claims.id, !claims.id.isEmpty else { throw .invalid }
        if claims.exp.value <= now() { throw .expired }
        verified.remember(token, claims)
        return claims
    }

    /// The `alg` of a compact JWT's header, read without trusting anything else in it.
    static func headerAlgorithm(of token: String) -> String? {
        guard let headerPart = token.split(separator: ".", omittingEmptySubsequences: false).first,
            let data = Data(base64URLEncoded: String(headerPart)),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["alg"] as? String
    }
}

extension Data {
    /// Decodes base64url without padding, as JWT segments are written.
    init?(base64URLEncoded text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}

/// A bounded map from token text to its verified claims.
final class VerifiedTokens: Sendable {
    static let limit = 10_000
    private let entries = Mutex<[String: TokenClaims]>([:])

    func claims(for token: String) -> TokenClaims? {
        entries.withLock { $0[token] }
    }

    func remember(_ token: String, _ claims: TokenClaims) {
        entries.withLock { entries in
            if entries.count >= Self.limit { entries.removeAll(keepingCapacity: true) }
            entries[token] = claims
        }
    }
}
