import Foundation
import Logging
import PapersCore
import ServiceLifecycle

/// The periodic job that removes content no node has used for `grace` (`--gc-grace`), every
/// `interval` (`--gc-interval`). Each round first applies the retention (`MetadataStore.retention`):
/// trash older than `--trash-days` (all of it with 0) and versions past `--keep-versions` are
/// deleted for good, so the content they alone used is collected a grace period later.
///
/// Each round claims a batch in the metadata store, removes it from the blob store, and forgets it
/// (see `SQLiteMetadataStore+collection.swift` for why that order is safe without a lock held across
/// the removal). Several processes may share the database: a lease (three intervals long, renewed
/// before every batch's removal) lets one of them at a time collect; the others find it held and try
/// again next round, and take over once a holder that died lets it expire. A claim whose collector
/// stopped is taken over once it is older than the lease plus `removalAllowance`. The first round in
/// a process also sweeps stored content that has no row at all (a crash between an upload's commit
/// to the blob store and its node's), written more than `max(grace, unrecordedAge)` ago. Every round
/// also lets the blob store remove what interrupted writes left (`removeAbandonedWrites`).
struct BlobCollector: Service {
    let store: any MetadataStore
    let blobs: any BlobStore
    let grace: TimeInterval
    let interval: TimeInterval
    let logger: Logger
    /// This process, as the lease's holder.
    let holder = RandomID.uuid()
    static let batch = 200
    /// Longer than any one batch's removal takes.
    static let removalAllowance: TimeInterval = 60
    /// Stored content without a row younger than this may be an upload about to commit its node.
    static let unrecordedAge: TimeInterval = 3600

    var leaseSeconds: TimeInterval { interval * 3 }

    func run() async throws {
        var swept = false
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                if try await store.acquireLease("blob-collector", holder: holder, seconds: leaseSeconds) {
                    let (items, versions) = try await applyRetention()
                    if items + versions > 0 {
                        logger.info("deleted for good \(items) items past the trash's \(store.retention.trashDays) days and \(versions) versions past the \(store.retention.keepVersions) kept")
                    }
                    var removed = try await collectUnreferenced()
                    if !swept {
                        removed += try await sweepUnrecorded()
                        swept = true
                    }
                    if removed > 0 { logger.info("removed \(removed) blobs no file has used for \(Int(grace))s") }
                    let aborted = try await blobs.removeAbandonedWrites(now: Date())
                    if aborted > 0 { logger.info("aborted \(aborted) incomplete uploads to the blob store that stopped processes left") }
                }
            } catch {
                logger.warning("blob collection failed, trying again in \(interval)s: \(error)")
            }
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: .milliseconds(Int64(interval * 1000)))
            }
        }
    }

    /// Purges the trash past its days and versions past the number kept, batch by batch, while this
    /// process holds the lease. Returns how many items and versions went.
    func applyRetention() async throws -> (items: Int, versions: Int) {
        var items = 0
        var versions = 0
        let cutoff = store.now().addingTimeInterval(-store.retention.trashSeconds)
        while try await store.acquireLease("blob-collector", holder: holder, seconds: leaseSeconds) {
            let purged = try await store.purgeTrash(deletedBefore: cutoff, limit: Self.batch)
            items += purged
            if purged < Self.batch { break }
        }
        while try await store.acquireLease("blob-collector", holder: holder, seconds: leaseSeconds) {
            let dropped = try await store.pruneVersions(keep: store.retention.keepVersions, limit: Self.batch)
            versions += dropped
            if dropped < Self.batch { break }
        }
        return (items, versions)
    }

    /// Claims, removes and forgets unreferenced content past the grace, batch by batch. Returns how
    /// many went.
    func collectUnreferenced() async throws -> Int {
        var removed = 0
        while true {
            let now = store.now()
            let claimed = try await store.claimUnreferenced(
                before: now.addingTimeInterval(-grace), abandonedBefore: now.addingTimeInterval(-(leaseSeconds + Self.removalAllowance)),
                limit: Self.batch)
            guard try await remove(claimed) else { break }
            removed += claimed.count
            if claimed.count < Self.batch { break }
        }
        return removed
    }

    /// Claims, removes and forgets stored content without a row, a page of the store's listing at a
    /// time. Returns how many went.
    func sweepUnrecorded() async throws -> Int {
        let cutoff = store.now().addingTimeInterval(-max(grace, Self.unrecordedAge))
        var removed = 0
        do {
            try await blobs.stored(writtenBefore: cutoff) { hashes in
                let claimed = try await store.claimUnrecorded(hashes)
                for start in stride(from: 0, to: claimed.count, by: Self.batch) {
                    let batch = Array(claimed[start..<min(start + Self.batch, claimed.count)])
                    guard try await remove(batch) else { throw LeaseLost() }
                    removed += batch.count
                }
            }
        } catch is LeaseLost {
            // Another process collects now; what is left is its to sweep.
        }
        return removed
    }

    private struct LeaseLost: Error {}

    /// Removes claimed content and forgets it, while this process still holds the lease (fencing: a
    /// collector that lost it leaves its claims to the next holder). Returns false without the lease.
    private func remove(_ claimed: [String]) async throws -> Bool {
        guard !claimed.isEmpty else { return true }
        guard try await store.acquireLease("blob-collector", holder: holder, seconds: leaseSeconds) else { return false }
        try await blobs.remove(claimed)
        try await store.forgetRemoved(claimed)
        return true
    }
}
