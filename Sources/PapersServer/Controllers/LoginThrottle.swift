import Foundation

/// Slows password guessing: too many failed logins for one e-mail (or from one address) within a
/// sliding window are answered 429 until the oldest failure leaves the window.
///
/// Failures live in the database, so the limits survive restarts and hold across server processes.
/// The per-address bound is looser so that one attacked account never locks others out.
struct LoginThrottle: Sendable {
    let store: any MetadataStore
    var window: TimeInterval = 15 * 60
    var perEmail = 10
    var perAddress = 100
    var now: @Sendable () -> Date = Date.init

    /// Seconds to wait before trying again, or `nil` when the attempt may go ahead.
    func retryAfter(email: String, address: String?) async throws -> Int? {
        try await retryAfter(keys(email: email, address: address))
    }

    func recordFailure(email: String, address: String?) async throws {
        try await recordFailure(keys(email: email, address: address))
    }

    func recordSuccess(email: String) async throws {
        try await store.clearLoginFailures(key: "email:" + email)
    }

    // Share link passwords: the same window and limits, the link in the place of the e-mail, and the
    // address counted apart from logins (a visitor's guesses never lock its owner's login).

    func retryAfter(share id: String, address: String?) async throws -> Int? {
        try await retryAfter(keys(share: id, address: address))
    }

    func recordFailure(share id: String, address: String?) async throws {
        try await recordFailure(keys(share: id, address: address))
    }

    func recordSuccess(share id: String) async throws {
        try await store.clearLoginFailures(key: "share:" + id)
    }

    private func retryAfter(_ keys: [(key: String, limit: Int)]) async throws -> Int? {
        let now = now()
        var wait: TimeInterval = 0
        for (key, limit) in keys {
            let (count, oldest) = try await store.loginFailures(key: key, since: now.addingTimeInterval(-window))
            if count >= limit, let oldest {
                wait = max(wait, oldest.addingTimeInterval(window).timeIntervalSince(now))
            }
        }
        return wait > 0 ? max(1, Int(wait.rounded(.up))) : nil
    }

    private func recordFailure(_ keys: [(key: String, limit: Int)]) async throws {
        let now = now()
        try await store.recordLoginFailure(keys: keys.map(\.key), at: now, forgetBefore: now.addingTimeInterval(-window))
    }

    private func keys(email: String, address: String?) -> [(key: String, limit: Int)] {
        var keys = [("email:" + email, perEmail)]
        if let address { keys.append(("address:" + address, perAddress)) }
        return keys
    }

    private func keys(share id: String, address: String?) -> [(key: String, limit: Int)] {
        var keys = [("share:" + id, perEmail)]
        if let address { keys.append(("share-address:" + address, perAddress)) }
        return keys
    }
}
