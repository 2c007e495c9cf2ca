import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOConcurrencyHelpers
import PapersCore

/// Who a `/dav/` request is from: HTTP Basic with the account's e-mail and either an app password
/// or the account password, or a Bearer token as on the API.
///
/// WebDAV clients send the credentials with every request, so each must be cheap: an app password
/// is one read (its SHA-256 looked up with the account); an account password is checked with the
/// slow hash once, then remembered for five minutes under a hash of the stored hash and the password
/// (a changed password never matches an old entry). App passwords are not remembered: a revoked
/// one is refused at once on every process. Failures count in login throttling, like the API's.
struct DAVAuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let store: any MetadataStore
    let bearer: AuthMiddleware
    let hasher: PasswordHasher
    let throttle: LoginThrottle
    let decoyHash: String
    let verified: VerifiedPasswords

    static let challenge: HTTPFields = [.wwwAuthenticate: "Basic realm=\"Papers\", charset=\"UTF-8\""]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // OPTIONS says what the server can do and reads nothing: clients (Windows) ask it before logging in.
        if request.method == .options { return try await next(request, context) }
        guard let header = request.headers[.authorization] else {
            throw Self.unauthorized("Log in with your e-mail address and an app password (or your password).")
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        if parts.count == 2, parts[0].lowercased() == "bearer" {
            var authenticated: Context?
            do {
                _ = try await bearer.handle(request, context: context) { _, checked in
                    authenticated = checked
                    return Response(status: .ok)
                }
            } catch {
                // A WebDAV client answers a 401 by asking for Basic credentials.
                guard var mapped = APIError.from(error), mapped.status == .unauthorized else { throw error }
                mapped.headers = Self.challenge
                throw mapped
            }
            return try await next(request, authenticated!)
        }
        guard parts.count == 2, parts[0].lowercased() == "basic", let decoded = Data(base64Encoded: String(parts[1])),
            let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":")
        else { throw Self.unauthorized("The Authorization header must be Basic credentials (e-mail:password) or a Bearer token.") }
        let email = pair[..<colon].trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let password = String(pair[pair.index(after: colon)...])
        let found = try await authenticate(email: email, password: password, address: context.peerAddress)
        // Each request reads the account (`basicCredentials`), so a disabled one is refused at once.
        if found.user.disabledMs != nil { throw APIError.accountDisabled }
        var context = context
        context.identity = Identity(userId: found.user.id, tokenId: "", expiresAt: .distantFuture)
        context.holdsLocks = found.holdsLocks
        return try await next(request, context)
    }

    /// An app password or a remembered password costs one read; only a password that needs the slow
    /// hash is throttled (the guesses throttling slows down all take that way).
    /// - Throws: `APIError` 401 for wrong credentials, 429 while throttled.
    private func authenticate(email: String, password: String, address: String?) async throws -> BasicCredentials {
        let found = try await store.basicCredentials(email: email, appPasswordHash: AppPasswords.hash(password))
        if let found, found.appPasswordId != nil { return found }
        let hash = found?.user.passwordHash ?? decoyHash
        let key = VerifiedPasswords.key(hash: hash, password: password)
        if let found, verified.contains(key) { return found }
        if let wait = try await throttle.retryAfter(email: email, address: address) {
            throw APIError(
                .tooManyRequests, code: "too_many_attempts", message: "Too many failed logins. Try again in \(wait) seconds.",
                headers: [.retryAfter: String(wait)])
        }
        let matches = try await offloaded { hasher.verify(password, against: hash) }
        guard let found, matches else {
            try await throttle.recordFailure(email: email, address: address)
            throw Self.unauthorized(AuthController.badCredentials)
        }
        verified.insert(key)
        try await throttle.recordSuccess(email: email)
        return found
    }

    static func unauthorized(_ message: String) -> APIError {
        APIError(.unauthorized, code: "unauthorized", message: message, headers: challenge)
    }
}

/// Account passwords that checked out recently, by a hash of (stored hash, password), with the time
/// each stops counting.
final class VerifiedPasswords: Sendable {
    private let entries = NIOLockedValueBox<[String: Date]>([:])
    let lifetime: TimeInterval
    let capacity: Int
    let now: @Sendable () -> Date

    init(lifetime: TimeInterval = 300, capacity: Int = 10_000, now: @escaping @Sendable () -> Date = Date.init) {
        self.lifetime = lifetime
        self.capacity = capacity
        self.now = now
    }

    static func key(hash: String, password: String) -> String {
        HexDigest.string(SHA256.hash(data: Data((hash + "\u{0}" + password).utf8)))
    }

    func contains(_ key: String) -> Bool {
        let now = now()
        return entries.withLockedValue { ($0[key] ?? .distantPast) > now }
    }

    func insert(_ key: String) {
        let until = now().addingTimeInterval(lifetime)
        entries.withLockedValue { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = until
        }
    }
}
