import Foundation
import Logging
import ServiceLifecycle

/// Brings the logouts of the other server processes on the same database into this one's revoked
/// set, so that a token revoked anywhere is refused here within a second: on PostgreSQL as each
/// commits (`listenForRevocations`, `LISTEN`/`NOTIFY`), and on both stores by a poll every
/// `interval` (default a quarter second: one indexed read of the rows added since the last look) —
/// all there is on SQLite, which has no notifications between processes, and on PostgreSQL the
/// fallback for what a broken listening connection missed.
struct RevocationFeed: Service {
    let store: any MetadataStore
    var interval: TimeInterval = 0.25
    let logger: Logger

    func run() async throws {
        let store = self.store
        let listening = Task { await store.listenForRevocations() }
        defer { listening.cancel() }
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                try await store.followRevocations()
            } catch {
                logger.warning("reading other processes' logouts failed, trying again: \(error)")
            }
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
            }
        }
    }
}
