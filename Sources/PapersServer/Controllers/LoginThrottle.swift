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
        let now = now()
        var wait: TimeInterval = 0
        for (key, limit) in keys(email: email, address: address) {
            let (count, oldest) = try await store.loginFailures(key: key, since: now.addingTimeInterval(-window))
            if count >= limit, let oldest {
                wait = max(wait, oldest.addingTimeInterval(window).timeIntervalSince(now))
            }
        }
        return wait > 0 ? max(1, Int(wait.rounded(.up))) : nil
    }

    func recordFailure(email: String, address: String?) async throws {
        let now = now()
        try await store.recordLoginFailure(
            keys: keys(email: email, address: address).map(\.key), at: now, forgetBefore: now.addingTimeInterval(-window))
    }

    func recordSuccess(email: String) async throws {
        try await store.clearLoginFailures(key: "email:" + email)
    }

    private func keys(email: String, address: String?) -> [(key: String, limit: Int)] {
        var keys = [("email:" + email, perEmail)]
        if let address { keys.append(("address:" + address, perAddress)) }
        return keys
    }
}
