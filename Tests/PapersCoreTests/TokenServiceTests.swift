import Foundation
import Testing

@testable import PapersCore

/// A clock the tests move by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 1_800_000_000)
    var now: Date { lock.withLock { current } }
    func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
}

@Suite struct TokenServiceTests {
    let secret = Array("0123456789abcdef0123456789abcdef".utf8)

    @Test func issuesAndVerifies() async throws {
        let clock = TestClock()
        let service = await TokenService(secret: secret, lifetime: 3600, now: { clock.now })
        let (token, claims) = try await service.issue(userId: "user-1")
        let verified = try await service.verify(token)
        #expect(verified == claims)
        #expect(verified.userId == "user-1")
        #expect(verified.id == "user-1")
        #expect(verified.expiresAt == clock.now.addingTimeInterval(3600))
        #expect(!verified.tokenId.isEmpty)
    }

    @Test func everyTokenHasItsOwnId() async throws {
        let service = await TokenService(secret: secret, lifetime: 60)
        let a = try await service.issue(userId: "u").claims.tokenId
        let b = try await service.issue(userId: "u").claims.tokenId
        #expect(a != b)
    }

    @Test func expiresWithoutSleeping() async throws {
        let clock = TestClock()
        let service = await TokenService(secret: secret, lifetime: 60, now: { clock.now })
        let (token, _) = try await service.issue(userId: "user-1")
        clock.advance(59)
        _ = try await service.verify(token)
        clock.advance(1)
        await #expect(throws: TokenError.expired) { try await service.verify(token) }
    }

    @Test func refusesATamperedPayload() async throws {
        let service = await TokenService(secret: secret, lifetime: 60)
        let (token, _) = try await service.issue(userId: "user-1")
        var parts = token.split(separator: ".").map(String.init)
        let forged = try JSONSerialization.data(withJSONObject: ["sub": "user-2", "id": "user-2", "iat": 1, "exp": 4_000_000_000, "jti": "x"])
        parts[1] = forged.base64EncodedString().replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
        await #expect(throws: TokenError.invalid) { try await service.verify(parts.joined(separator: ".")) }
    }

    @Test func refusesAlgNone() async throws {
        let service = await TokenService(secret: secret, lifetime: 60)
        func b64(_ object: [String: Any]) throws -> String {
            try JSONSerialization.data(withJSONObject: object).base64EncodedString().replacingOccurrences(of: "=", with: "")
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        }
        let header = try b64(["alg": "none", "typ": "JWT"])
        let payload = try b64(["sub": "user-1", "id": "user-1", "iat": 1, "exp": 4_000_000_000, "jti": "x"])
        await #expect(throws: TokenError.invalid) { try await service.verify("\(header).\(payload).") }
        await #expect(throws: TokenError.invalid) { try await service.verify("\(header).\(payload)") }
    }

    @Test func refusesAnotherKey() async throws {
        let other = await TokenService(secret: Array("another key of thirty-two bytes!".utf8), lifetime: 60)
        let service = await TokenService(secret: secret, lifetime: 60)
        let (token, _) = try await other.issue(userId: "user-1")
        await #expect(throws: TokenError.invalid) { try await service.verify(token) }
    }

    @Test(arguments: ["", "garbage", "a.b.c", "....", "eyJhbGciOiJIUzI1NiJ9.e30.AAAA"])
    func refusesGarbage(token: String) async {
        let service = await TokenService(secret: secret, lifetime: 60)
        await #expect(throws: TokenError.invalid) { try await service.verify(token) }
    }

    @Test func requiresExp() async throws {
        // A correctly signed token without `exp` is refused: the claim is not optional.
        let service = await TokenService(secret: secret, lifetime: 60)
        let (token, _) = try await service.issue(userId: "user-1")
        let parts = token.split(separator: ".").map(String.init)
        let payload = try JSONSerialization.data(withJSONObject: ["sub": "user-1", "id": "user-1", "iat": 1, "jti": "x"])
        let encoded = payload.base64EncodedString().replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
        await #expect(throws: TokenError.invalid) { try await service.verify("\(parts[0]).\(encoded).\(parts[2])") }
    }
}
