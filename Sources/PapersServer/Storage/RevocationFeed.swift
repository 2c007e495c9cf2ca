import Foundation
import Logging
import ServiceLifecycle

/// Brings the logouts of the other server processes on the same database into this one's revoked
/// set, so that a token revoked anywhere is refused here within a second (every `interval`, default
/// a quarter second: one indexed read of the rows added since the last look).
///
/// Polling, on both stores: SQLite has no notifications between processes; PostgreSQL's
/// `LISTEN`/`NOTIFY` would cut the delay, with this poll kept as its fallback (not done yet).
struct RevocationFeed: Service {
    let store: any MetadataStore
    var interval: TimeInterval = 0.25
    let logger: Logger

    func run() async throws {
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
