import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Testing

@testable import PapersServer

@Suite struct AuthRouteTests {
    @Test func healthAnswers() async throws {
        try await Harness.run { h in
            let response = try await h.call(.get, "/health")
            #expect(response.status == .ok)
            #expect(try response.object()["status"] as? String == "ok")
            #expect(response.headers[.requestId]?.isEmpty == false)
        }
    }

    @Test func registerAndLoginAsTheTutorialDid() async throws {
        try await Harness.run { h in
            let register = try await h.call(
                .post, "/api/v1/auth/register",
                json: ["fullname": "Ada Lovelace", "email": "Ada@Example.com ", "password": "12345678", "password_conf": "12345678"])
            #expect(register.status == .created)
            let body = try register.object()
            #expect(body["message"] as? String == "Successfully created your account.")
            let id = try #require(body["id"] as? String)
            #expect(UUID(uuidString: id) != nil)

            let login = try await h.call(.post, "/api/v1/auth/login", form: "email=ada%40example.com&password=12345678")
            #expect(login.status == .ok)
            let token = try login.object()
            #expect(token["user_id"] as? String == id)
            #expect((token["token"] as? String)?.split(separator: ".").count == 3)
            #expect((token["expires_at"] as? String)?.hasSuffix("Z") == true)

            let me = try await h.call(.get, "/api/v1/auth/me", token: token["token"] as? String)
            #expect(me.status == .ok)
            let account = try me.object()
            #expect(account["email"] as? String == "ada@example.com")
            #expect(account["fullname"] as? String == "Ada Lovelace")
            #expect(account["used_bytes"] as? Int == 0)
            #expect(account.keys.contains("quota_bytes"))
        }
    }

    @Test func registerReportsEveryMissingFieldInTheTutorialsWords() async throws {
        try await Harness.run { h in
            let response = try await h.call(.post, "/api/v1/auth/register", json: [:] as [String: String])
            #expect(response.status == .badRequest)
            #expect(try response.errorCode() == "validation_failed")
            let fields = try #require(try response.object()["fields"] as? [String: String])
            #expect(fields["fullname"] == "You need to enter your full name")
            #expect(fields["email"] == "You need to enter your e-mail address")
            #expect(fields["password"] == "You need to enter your chosen password")
            #expect(fields["password_conf"] == "You need to enter the confirm password field")
        }
    }

    @Test func registerRefusesBadValues() async throws {
        try await Harness.run { h in
            func register(_ fields: [String: String]) async throws -> TestResponse {
                var body = ["fullname": "Ada", "email": "ada@example.com", "password": "12345678", "password_conf": "12345678"]
                body.merge(fields) { $1 }
                return try await h.call(.post, "/api/v1/auth/register", json: body)
            }
            let mismatch = try await register(["password_conf": "87654321"])
            #expect(mismatch.status == .badRequest)
            #expect(try mismatch.object()["message"] as? String == "Password and Confirm password need to be the same value")
            for (field, value) in [("email", "not-an-email"), ("password", "short"), ("fullname", String(repeating: "x", count: 201))] {
                var fields = [field: value]
                if field == "password" { fields["password_conf"] = value }
                let response = try await register(fields)
                #expect(response.status == .badRequest, "\(field)")
                #expect((try response.object()["fields"] as? [String: String])?[field] != nil, "\(field): \(response.text)")
            }
            #expect(try await register([:]).status == .created)
            let duplicate = try await register(["email": "  ADA@example.COM"])
            #expect(duplicate.status == .conflict)
            #expect(try duplicate.errorCode() == "email_taken")
        }
    }

    @Test func malformedBodies() async throws {
        try await Harness.run { h in
            let broken = try await h.client.execute(
                uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "application/json"], body: .init(string: "{\"email\": "))
            #expect(broken.status == .badRequest)
            #expect(try broken.errorCode() == "invalid_json")
            let wrongType = try await h.call(.post, "/api/v1/auth/login", json: ["email": 42, "password": true])
            #expect(wrongType.status == .badRequest)
            #expect(try wrongType.errorCode() == "invalid_json")
            let text = try await h.client.execute(
                uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "text/plain"], body: .init(string: "hello"))
            #expect(text.status == .unsupportedMediaType)
            let huge = try await h.client.execute(
                uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "application/json"],
                body: .init(string: "{\"email\": \"" + String(repeating: "a", count: 2 << 20) + "\"}"))
            #expect(huge.status == .contentTooLarge)
            #expect(try huge.errorCode() == "payload_too_large")
        }
    }

    @Test func loginDoesNotTellWhichPartWasWrong() async throws {
        try await Harness.run { h in
            let user = try await h.user()
            let wrongPassword = try await h.call(.post, "/api/v1/auth/login", json: ["email": user.email, "password": "wrong password"])
            let unknownEmail = try await h.call(.post, "/api/v1/auth/login", json: ["email": "nobody@example.com", "password": "wrong password"])
            #expect(wrongPassword.status == .unauthorized)
            #expect(unknownEmail.status == .unauthorized)
            #expect(try wrongPassword.object()["message"] as? String == (try unknownEmail.object()["message"] as? String))
            #expect(try wrongPassword.errorCode() == "invalid_credentials")
            let missing = try await h.call(.post, "/api/v1/auth/login", json: ["email": user.email])
            #expect(missing.status == .badRequest)
            #expect((try missing.object()["fields"] as? [String: String])?["password"] == "You need to enter your password")
        }
    }

    @Test func loginIsThrottledPerEmailWithoutLockingOthersOut() async throws {
        try await Harness.run { h in
            let victim = try await h.user("victim")
            let other = try await h.user("other")
            for _ in 0..<10 {
                let response = try await h.call(.post, "/api/v1/auth/login", json: ["email": victim.email, "password": "guess guess"])
                #expect(response.status == .unauthorized)
            }
            let blocked = try await h.call(.post, "/api/v1/auth/login", json: ["email": victim.email, "password": victim.password])
            #expect(blocked.status == .tooManyRequests)
            #expect(try blocked.errorCode() == "too_many_attempts")
            let retryAfter = try #require(blocked.headers[.retryAfter].flatMap(Int.init))
            #expect(retryAfter > 0 && retryAfter <= 900)
            let otherLogin = try await h.call(.post, "/api/v1/auth/login", json: ["email": other.email, "password": other.password])
            #expect(otherLogin.status == .ok)
        }
    }

    @Test func throttlingForgetsAfterTheWindowAndSurvivesARestartOfTheStore() async throws {
        let clock = TestClock()
        try await Harness.run(clock: clock) { h in
            let user = try await h.user()
            for _ in 0..<10 {
                try await h.call(.post, "/api/v1/auth/login", json: ["email": user.email, "password": "guess guess"])
            }
            // A second throttle over the same database (another process, or after a restart) sees the failures.
            let throttle = LoginThrottle(store: h.dependencies.store, now: { clock.now })
            let email = user.email.lowercased()
            #expect(try await throttle.retryAfter(email: email, address: nil) != nil)
            clock.advance(15 * 60 + 1)
            #expect(try await throttle.retryAfter(email: email, address: nil) == nil)
            let login = try await h.call(.post, "/api/v1/auth/login", json: ["email": user.email, "password": user.password])
            #expect(login.status == .ok)
        }
    }

    @Test func logoutRevokesTheToken() async throws {
        try await Harness.run { h in
            let user = try await h.user()
            #expect(try await user.call(.get, "/files/").status == .ok)
            let logout = try await h.call(.post, "/api/v1/auth/logout", token: user.token)
            #expect(logout.status == .noContent)
            let after = try await user.call(.get, "/files/")
            #expect(after.status == .unauthorized)
            #expect(try after.errorCode() == "token_revoked")
            #expect(try await h.call(.get, "/api/v1/auth/me", token: user.token).status == .unauthorized)
        }
    }

    @Test func revocationsOutliveARestart() async throws {
        try await Harness.run { h in
            let user = try await h.user()
            let other = try await h.user("grace")
            #expect(try await h.call(.post, "/api/v1/auth/logout", token: user.token).status == .noContent)
            // The revoked set is kept in memory: a store opened afresh on the same database must load it.
            var logger = Logger(label: "test")
            logger.logLevel = .warning
            let reopened = try await AppDependencies.open(h.dependencies.configuration, logger: logger)
            let revoked = try await reopened.tokens.verify(user.token)
            let kept = try await reopened.tokens.verify(other.token)
            #expect(try await reopened.store.isTokenRevoked(id: revoked.tokenId))
            #expect(try await reopened.store.isTokenRevoked(id: kept.tokenId) == false)
        }
    }

    @Test func tokensExpire() async throws {
        let clock = TestClock()
        try await Harness.run(clock: clock, configure: { $0.tokenLifetime = 60 }) { h in
            let user = try await h.user()
            #expect(try await user.call(.get, "/files/").status == .ok)
            clock.advance(61)
            let expired = try await user.call(.get, "/files/")
            #expect(expired.status == .unauthorized)
            #expect(try expired.errorCode() == "token_expired")
        }
    }

    @Test func routesNeedAValidToken() async throws {
        try await Harness.run { h in
            let user = try await h.user()
            let none = try await h.call(.get, user.base + "/files/")
            #expect(none.status == .unauthorized)
            #expect(try none.errorCode() == "unauthorized")
            #expect(none.headers[.wwwAuthenticate] == "Bearer")
            #expect(try await h.call(.get, user.base + "/files/", token: "garbage").status == .unauthorized)
            let basic = try await h.call(.get, user.base + "/files/", headers: [.authorization: "Basic YTpi"])
            #expect(basic.status == .unauthorized)
            #expect(try await h.call(.get, "/api/v1/auth/me").status == .unauthorized)
        }
    }

    @Test func oldPasslibHashesVerifyAndAreUpgradedOnLogin() async throws {
        try await Harness.run(rounds: 600_000) { h in
            let vector = "$pbkdf2-sha256$200000$Q6h1Tql1LuXce8/5n3NOiQ$x0mJrsBr1FF6nThvI/wzy2zVv0BNtsCj.8agjX//JmI"
            let store = h.dependencies.store
            let user = try await store.createUser(email: "old@example.com", fullname: "Old", passwordHash: vector, quotaBytes: nil)
            let login = try await h.call(.post, "/api/v1/auth/login", json: ["email": "old@example.com", "password": "S3cret passw0rd"])
            #expect(login.status == .ok)
            let upgraded = try #require(try await store.user(id: user.id)?.passwordHash)
            #expect(upgraded.hasPrefix("$pbkdf2-sha256$600000$"))
            #expect(h.dependencies.hasher.verify("S3cret passw0rd", against: upgraded))
            let again = try await h.call(.post, "/api/v1/auth/login", json: ["email": "old@example.com", "password": "S3cret passw0rd"])
            #expect(again.status == .ok)
        }
    }

    @Test func requestIdsAreEchoedOrMade() async throws {
        try await Harness.run { h in
            let echoed = try await h.call(.get, "/health", headers: [.requestId: "abc-123"])
            #expect(echoed.headers[.requestId] == "abc-123")
            let insane = try await h.call(.get, "/health", headers: [.requestId: String(repeating: "x", count: 300)])
            #expect(insane.headers[.requestId]?.count == 16)
            let error = try await h.call(.get, "/nope")
            #expect(error.headers[.requestId]?.isEmpty == false)
        }
    }
}
