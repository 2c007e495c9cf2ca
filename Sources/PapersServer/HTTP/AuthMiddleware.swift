import Hummingbird
import PapersCore

/// Lets a request through only with a valid, unrevoked bearer token, and only to its own user's
/// routes: a token for user A on `/user/B/...` is 403 whatever exists there.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let tokens: TokenService
    let store: any MetadataStore

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
        if let pathUser = context.parameters.get("user_id"), pathUser != claims.userId {
            throw APIError.forbidden
        }
        var context = context
        context.identity = Identity(userId: claims.userId, tokenId: claims.tokenId, expiresAt: claims.expiresAt)
        return try await next(request, context)
    }
}

import Foundation
