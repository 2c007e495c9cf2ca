import Foundation
import JWTKit

/// The claims of a Papers access token.
///
/// `sub` and `id` both carry the user id (`id` is the claim the original tutorial used).
public struct TokenClaims: JWTPayload, Equatable {
    public var sub: SubjectClaim
    public var id: String
    public var iat: IssuedAtClaim
    public var exp: ExpirationClaim
    public var jti: IDClaim

    public init(userId: String, issuedAt: Date, expiresAt: Date, tokenId: String) {
        self.sub = SubjectClaim(value: userId)
        self.id = userId
        self.iat = IssuedAtClaim(value: issuedAt)
        self.exp = ExpirationClaim(value: expiresAt)
        self.jti = IDClaim(value: tokenId)
    }

    public var userId: String { sub.value }
    public var tokenId: String { jti.value }
    public var expiresAt: Date { exp.value }

    /// Signature checks are jwt-kit's; expiry is checked by `TokenService` against its injected clock.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}

