import Foundation
import Hummingbird
import PapersCore

/// Lets a request through only with a valid, unrevoked bearer token of an account that exists and is
/// not disabled, issued after the account's last password reset, and only to its own user's routes: a
/// token for user A on `/user/B/...` is 403 whatever exists there.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let tokens: TokenService
    let store: any MetadataStore
    let accounts: AccountStates

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
        switch try await accounts.state(of: claims.userId) {
        case .gone:
            // A validly signed token of an account that is gone (a wiped database under the same key,
            // `papers admin users rm`): 401, so that the client logs in again, rather than 404s from every route.
            throw StoreError.accountNotFound
        case .disabled:
            throw APIError.accountDisabled
        case .active(let tokensAfterMs):
            if let tokensAfterMs, Timestamp.milliseconds(claims.iat.value) < tokensAfterMs {
                throw APIError.unauthorized("Your password was reset after this token was issued. Please log in again.", code: "token_revoked")
            }
        }
        if let pathUser = context.parameters.get("user_id"), pathUser != claims.userId {
            throw APIError.forbidden
        }
        var context = context
        context.identity = Identity(userId: claims.userId, tokenId: claims.tokenId, expiresAt: claims.expiresAt)
        return try await next(request, context)
    }
}
