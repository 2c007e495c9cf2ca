import Foundation
import PapersCore

/// The rules of share links, for the owner's routes and the public `/s/` face alike: making one
/// (its node the owner's, its expiry ahead, its password long enough), opening one by token (not
/// expired, the password right, guesses throttled like logins), and finding a path inside a shared
/// folder one name at a time by node id, so nothing in a path can name a node outside it.
struct ShareLinks: Sendable {
    let store: any MetadataStore
    let hasher: PasswordHasher
    let throttle: LoginThrottle
    /// Share passwords that checked out recently (a browser sends them with every request).
    let verified: VerifiedPasswords

    /// Makes a link and its token (returned this once).
    /// - Throws: `ValidationError` (`node_id`, `expires_at`, `password`), `StoreError.nodeNotFound`.
    func create(ownerId: String, request: CreateShareRequest) async throws -> (share: ShareRecord, token: String) {
        guard let nodeId = request.nodeId, !nodeId.isEmpty else {
            throw ValidationError(field: "node_id", message: "\"node_id\" is required: the file or folder to share.")
        }
        var expiresMs: Int64?
        if let text = request.expiresAt {
            guard let date = Timestamp.parse(text) else {
                throw ValidationError(field: "expires_at", message: "expires_at must be an RFC 3339 time, e.g. 2026-12-31T23:59:00Z.")
            }
            guard date > store.now() else { throw ValidationError(field: "expires_at", message: "expires_at must be in the future.") }
            expiresMs = Timestamp.milliseconds(date)
        }
        var passwordHash: String?
        if let password = request.password {
            try AccountRules.password(password)
            let hasher = self.hasher
            passwordHash = try await offloaded { hasher.hash(password) }
        }
        let token = ShareTokens.generate()
        let share = try await store.createShare(
            ownerId: ownerId, nodeId: nodeId, tokenHash: ShareTokens.hash(token), expiresMs: expiresMs, passwordHash: passwordHash)
        return (share, token)
    }

    func list(ownerId: String, query: ShareQuery) async throws -> SharesPage {
        try await store.shares(ownerId: ownerId, query: query)
    }

    /// Revokes a link: the next request through it is 404, on every process (nothing is cached).
    /// - Throws: `StoreError.shareNotFound`.
    func delete(ownerId: String, id: String) async throws {
        try await store.deleteShare(ownerId: ownerId, id: id)
    }

    /// The link of `token` and its node, when `password` opens it.
    /// - Throws: `ShareError.notFound`, `.expired`, `.passwordRequired`, `.throttled`.
    func open(token: Substring, password: String?, address: String?) async throws -> SharedNode {
        guard ShareTokens.isWellFormed(token), let shared = try await store.sharedNode(tokenHash: ShareTokens.hash(String(token))) else {
            throw ShareError.notFound
        }
        if shared.share.isExpired(atMs: Timestamp.milliseconds(store.now())) { throw ShareError.expired }
        guard let hash = shared.share.passwordHash else { return shared }
        guard let password else { throw ShareError.passwordRequired(wrong: false) }
        let key = VerifiedPasswords.key(hash: hash, password: password)
        if verified.contains(key) { return shared }
        if let wait = try await throttle.retryAfter(share: shared.share.id, address: address) { throw ShareError.throttled(retryAfter: wait) }
        let hasher = self.hasher
        guard try await offloaded({ hasher.verify(password, against: hash) }) else {
            try await throttle.recordFailure(share: shared.share.id, address: address)
            throw ShareError.passwordRequired(wrong: true)
        }
        verified.insert(key)
        try await throttle.recordSuccess(share: shared.share.id)
        return shared
    }

    /// The node `names` lead to from the shared node, a child at a time by its parent's id (the
    /// trash left out). Names must be spelled as stored: no normalisation, no `.`/`..`.
    /// - Throws: `ShareError.notFound`.
    func resolve(_ shared: SharedNode, names: [String]) async throws -> NodeRecord {
        var node = shared.node
        for name in names {
            // A name that is not one as stored (`..`, a control character, an NFD spelling) names nothing.
            guard node.isFolder, (try? NodeName.validated(name)) == name,
                let child = try await store.childWithoutPath(ownerId: shared.share.ownerId, parentId: node.id, name: name)
            else { throw ShareError.notFound }
            node = child
        }
        return node
    }

    /// Notes an answered request; a failure to note it never fails the request.
    func noteAccess(_ shared: SharedNode, download: Bool) async {
        try? await store.recordShareAccess(id: shared.share.id, download: download)
    }
}
