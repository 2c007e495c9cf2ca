import Foundation
import Synchronization

/// What a request's account is now, beyond its token: gone, disabled by an operator, or active with
/// the instant before which its tokens no longer count (`papers admin users reset-password`).
///
/// Read from the store at most once a second per account and process, so that `papers admin`, run
/// against the same database while servers run, takes effect on every process within a second, at
/// the cost of one read per active account per second rather than one per request.
final class AccountStates: Sendable {
    enum State: Sendable, Equatable {
        /// No such account (a wiped database under the same key, or `users rm`).
        case gone
        case disabled
        /// Tokens issued before `tokensAfterMs` (when set) are refused.
        case active(tokensAfterMs: Int64?)
    }

    private struct Entry {
        var state: State
        var readAt: Date
    }

    private let store: any MetadataStore
    private let maxAge: TimeInterval
    private let now: @Sendable () -> Date
    /// Past this many entries the cache starts over (memory stays bounded; the next requests re-read).
    private let capacity: Int
    private let entries = Mutex<[String: Entry]>([:])

    init(store: any MetadataStore, maxAge: TimeInterval = 1, capacity: Int = 100_000, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.maxAge = maxAge
        self.capacity = capacity
        self.now = now
    }

    /// The account's state, read again when the remembered one is older than `maxAge`.
    /// - Throws: the store's errors.
    func state(of userId: String) async throws -> State {
        let now = now()
        if let entry = entries.withLock({ $0[userId] }), now.timeIntervalSince(entry.readAt) < maxAge { return entry.state }
        let state: State
        if let user = try await store.user(id: userId) {
            state = user.disabledMs != nil ? .disabled : .active(tokensAfterMs: user.tokensAfterMs)
        } else {
            state = .gone
        }
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[userId] = Entry(state: state, readAt: now)
        }
        return state
    }
}
