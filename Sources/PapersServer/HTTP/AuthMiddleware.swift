import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import PapersCore

/// Lets a request through only with a valid, unrevoked bearer token of an account that exists, and
/// only to its own user's routes: a token for user A on `/user/B/...` is 403 whatever exists there.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let tokens: TokenService
    let store: any MetadataStore
    let accounts: KnownAccounts

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("You need to log in: send Authorization: Bearer <token>.")
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw APIError.unauthorized("The Authorization header must be \"Bearer <token>\".")
        }
        var token = parts[1]
        while token.last?.isWhitespace == true { token.removeLast() }
        while token.first?.isWhitespace == true { token.removeFirst() }
        let claims = try await tokens.verify(String(token))
        if try await store.isTokenRevoked(id: claims.tokenId) { throw TokenError.revoked }
        if !accounts.contains(claims.userId) {
            // A validly signed token of an account that is gone (a wiped database under the same key):
            // 401, so that the client logs in again, rather than 404s from every route.
            guard try await store.user(id: claims.userId) != nil else {
                throw APIError.unauthorized("Your account no longer exists on this server. Please log in again.", code: "account_not_found")
            }
            accounts.insert(claims.userId)
        }
        if let pathUser = context.parameters.get("user_id"), pathUser != claims.userId {
            throw APIError.forbidden
        }
        var context = context
        context.identity = Identity(userId: claims.userId, tokenId: claims.tokenId, expiresAt: claims.expiresAt)
        return try await next(request, context)
    }
}

/// Accounts seen to exist, so that the check costs one database read per account per process, not
/// one per request. Accounts are not deleted while a server runs; an operator command that deletes
/// one must also forget it here (and on every process).
final class KnownAccounts: Sendable {
    private let ids = NIOLockedValueBox<Set<String>>([])
    /// Past this many, the set starts over (memory stays bounded; the next request re-reads).
    private let capacity: Int

    init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    func contains(_ id: String) -> Bool {
        ids.withLockedValue { $0.contains(id) }
    }

    func insert(_ id: String) {
        ids.withLockedValue { set in
            if set.count >= capacity { set.removeAll(keepingCapacity: true) }
            set.insert(id)
        }
    }
}
