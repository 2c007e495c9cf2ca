import Foundation
import Logging
import PapersCore
import ServiceLifecycle

/// The periodic job that removes content no node has used for `grace` (`--gc-grace`), every
/// `interval` (`--gc-interval`). Several processes may share the database: a lease (three intervals
/// long, renewed each round) lets one of them at a time collect; the others find it held and try
/// again next round, and take over once a holder that died lets it expire. The lease saves work, it
/// does not make removal safe: every removal is re-checked under the database's write lock. Its
/// first round in a process also sweeps stored files that have no row at all (a crash mid-upload).
struct BlobCollector: Service {
    let store: SQLiteMetadataStore
    let grace: TimeInterval
    let interval: TimeInterval
    let logger: Logger
    /// This process, as the lease's holder.
    let holder = RandomID.uuid()

    func run() async throws {
        var swept = false
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                if try await store.acquireLease("blob-collector", holder: holder, seconds: interval * 3) {
                    let cutoff = Timestamp.milliseconds(store.now()) - Int64(grace * 1000)
                    var removed = 0
                    while true {
                        let batch = try await store.collectUnreferenced(before: cutoff)
                        removed += batch
                        if batch < 200 { break }
                    }
                    if !swept {
                        removed += try await store.sweepOrphanFiles(changedBefore: store.now().addingTimeInterval(-grace))
                        swept = true
                    }
                    if removed > 0 { logger.info("removed \(removed) blobs no file has used for \(Int(grace))s") }
                }
            } catch {
                logger.warning("blob collection failed, trying again in \(interval)s: \(error)")
            }
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
            }
        }
    }
}
