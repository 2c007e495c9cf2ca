import Foundation
import Hummingbird
import NIOPosix
import PapersCore

/// `/api/v1/auth/...`: register, login, logout, me, app passwords.
struct AuthController {
    let store: any MetadataStore
    let tokens: TokenService
    let hasher: PasswordHasher
    let throttle: LoginThrottle
    let defaultQuota: Int64?
    /// Whether anyone may register (`--registration`); when not, accounts come from `papers admin users add`.
    let registrationOpen: Bool
    /// Verified against when the e-mail is unknown, so that both failures take the same time.
    let decoyHash: String

    static let badCredentials = "The e-mail address or password is incorrect."

    func addRoutes(to group: RouterGroup<AppRequestContext>, auth: AuthMiddleware) {
        group.post("register", use: register)
        group.post("login", use: login)
        group.group().add(middleware: auth)
            .post("logout", use: logout)
            .get("me", use: me)
            .post("app-passwords", use: createAppPassword)
            .get("app-passwords", use: appPasswords)
            .delete("app-passwords/{app_password_id}", use: deleteAppPassword)
    }

    func register(_ request: Request, context: AppRequestContext) async throws -> Response {
        // Before the body is read: a closed server says so whatever the request holds.
        guard registrationOpen else { throw APIError.registrationClosed }
        let body = try await request.decodePayload(as: RegisterRequest.self, context: context)
        var missing: [String: String] = [:]
        if (body.fullname ?? "").isEmpty { missing["fullname"] = "You need to enter your full name" }
        if (body.email ?? "").isEmpty { missing["email"] = "You need to enter your e-mail address" }
        if (body.password ?? "").isEmpty { missing["password"] = "You need to enter your chosen password" }
        if (body.passwordConf ?? "").isEmpty { missing["password_conf"] = "You need to enter the confirm password field" }
        if !missing.isEmpty {
            let first = ["fullname", "email", "password", "password_conf"].first { missing[$0] != nil }!
            throw APIError(.badRequest, code: "validation_failed", message: missing[first]!, fields: missing)
        }
        guard body.password == body.passwordConf else {
            let message = "Password and Confirm password need to be the same value"
            throw APIError(.badRequest, code: "validation_failed", message: message, fields: ["password_conf": message])
        }
        let fullname = try AccountRules.fullname(body.fullname!)
        let email = try AccountRules.email(body.email!)
        let password = body.password!
        try AccountRules.password(password)
        let hash = try await offloaded { hasher.hash(password) }
        let user = try await store.createUser(email: email, fullname: fullname, passwordHash: hash, quotaBytes: defaultQuota)
        return try Response.json(RegisterResponse(message: "Successfully created your account.", id: user.id), status: .created, context: context)
    }

    func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await request.decodePayload(as: LoginRequest.self, context: context)
        var missing: [String: String] = [:]
        if (body.email ?? "").isEmpty { missing["email"] = "You need to enter your e-mail address" }
        if (body.password ?? "").isEmpty { missing["password"] = "You need to enter your password" }
        if !missing.isEmpty {
            throw APIError(.badRequest, code: "validation_failed", message: missing["email"] ?? missing["password"]!, fields: missing)
        }
        let email = body.email!.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let password = body.password!
        if let wait = try await throttle.retryAfter(email: email, address: context.peerAddress) {
            throw APIError(
                .tooManyRequests, code: "too_many_attempts", message: "Too many failed logins. Try again in \(wait) seconds.",
                headers: [.retryAfter: String(wait)])
        }
        let user = try await store.user(email: email)
        let hash = user?.passwordHash ?? decoyHash
        let matches = try await offloaded { hasher.verify(password, against: hash) }
        guard let user, matches else {
            try await throttle.recordFailure(email: email, address: context.peerAddress)
            throw APIError.unauthorized(Self.badCredentials, code: "invalid_credentials")
        }
        try await throttle.recordSuccess(email: email)
        // Said only to whoever knows the password: a disabled account is not told apart from a wrong one otherwise.
        if user.disabledMs != nil { throw APIError.accountDisabled }
        if hasher.needsUpgrade(user.passwordHash) {
            let upgraded = try await offloaded { hasher.hash(password) }
            try await store.updatePasswordHash(userId: user.id, hash: upgraded)
        }
        let (token, claims) = try await tokens.issue(userId: user.id)
        let response = LoginResponse(token: token, userId: user.id, expiresAt: Timestamp.format(claims.expiresAt))
        return try Response.json(response, status: .ok, context: context)
    }

    func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        try await store.revokeToken(id: caller.tokenId, expiresAt: caller.expiresAt)
        return Response(status: .noContent)
    }

    func me(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        guard let user = try await store.user(id: caller.userId) else { throw APIError.unauthorized("This account no longer exists.") }
        let usage = try await store.usage(userId: user.id)
        let account = Account(
            id: user.id, fullname: user.fullname, email: user.email, dateCreated: Timestamp.format(milliseconds: user.createdMs),
            quotaBytes: user.quotaBytes, usedBytes: usage.total, trashBytes: usage.trash, versionsBytes: usage.versions)
        return try Response.json(account, status: .ok, context: context)
    }
}

extension AuthController {
    /// A new app password for WebDAV clients; its secret is in this answer only.
    func createAppPassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        let body = try await request.decodePayload(as: CreateAppPasswordRequest.self, context: context)
        let name = try AccountRules.appPasswordName(body.name ?? "")
        if try await store.appPasswords(userId: caller.userId).count >= AppPasswords.limitPerUser {
            throw APIError(
                .conflict, code: "too_many_app_passwords", message: "You have \(AppPasswords.limitPerUser) app passwords; revoke one first.")
        }
        let password = AppPasswords.generate()
        let record = try await store.createAppPassword(userId: caller.userId, name: name, secretHash: AppPasswords.hash(password))
        let created = NewAppPassword(id: record.id, name: record.name, password: password, dateCreated: Timestamp.format(milliseconds: record.createdMs))
        return try Response.json(created, status: .created, context: context)
    }

    func appPasswords(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        let items = try await store.appPasswords(userId: caller.userId).map {
            AppPassword(id: $0.id, name: $0.name, dateCreated: Timestamp.format(milliseconds: $0.createdMs))
        }
        return try Response.json(AppPasswordList(items: items), status: .ok, context: context)
    }

    /// Revokes an app password: the next request with it is refused, on every process.
    func deleteAppPassword(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try context.caller
        try await store.deleteAppPassword(userId: caller.userId, id: try context.parameters.require("app_password_id"))
        return Response(status: .noContent)
    }
}

/// Runs slow CPU work (password hashing, ~70–160 ms) on NIO's thread pool: under `papers serve` handlers run
/// on the event loops (`EventLoopExecutor`), which must never wait that long.
func offloaded<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await NIOThreadPool.singleton.runOnPool(work)
}
