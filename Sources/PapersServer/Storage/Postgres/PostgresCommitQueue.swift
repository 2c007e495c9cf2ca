import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Group commit for uploads on PostgreSQL, as `CommitQueue` is for SQLite: the uploads that finish
/// while a batch is committing wait and go together in the next transaction — one WAL flush for the
/// batch — each in its own savepoint, so that one refused upload (a name conflict, the quota) leaves
/// the others alone. Without it, uploads of one user (whose row every tree change locks) each waited
/// for the previous one's flush. Every upload is still durable before it is answered.
final class PostgresCommitQueue: Sendable {
    struct Job: Sendable {
        /// Runs the upload's statements; on a refusal, `vain` runs after the savepoint is rolled back.
        let run: @Sendable (PostgresConnection) async throws -> Void
        let vain: @Sendable (PostgresConnection) async throws -> Void
        let resume: @Sendable ((any Error)?) -> Void
    }

    private struct Pending {
        var jobs: [Job] = []
        var running = false
    }

    private let pending = Mutex(Pending())
    private unowned let store: PostgresMetadataStore
    static let largestBatch = 64

    init(store: PostgresMetadataStore) {
        self.store = store
    }

    /// Runs `body` in the next batch and returns its result once the batch is committed. `vain`
    /// runs in the batch's transaction if `body` throws (its savepoint rolled back).
    /// - Throws: what `body` throws, or the commit's error (`StoreError.unavailable` when the
    ///   database went away).
    func submit<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T, vain: @escaping @Sendable (PostgresConnection) async throws -> Void
    ) async throws -> T {
        let box = Mutex<Result<T, any Error>?>(nil)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let job = Job(
                run: { c in
                    let value = try await body(c)
                    box.withLock { $0 = .success(value) }
                },
                vain: vain,
                resume: { error in
                    if let error { continuation.resume(throwing: error) } else { continuation.resume() }
                })
            let start = pending.withLock { state -> Bool in
                state.jobs.append(job)
                if state.running { return false }
                state.running = true
                return true
            }
            if start { Task { await self.runBatches() } }
        }
        return try box.withLock { $0 }!.get()
    }

    private func runBatches() async {
        while true {
            let jobs = pending.withLock { state -> [Job] in
                let jobs = Array(state.jobs.prefix(Self.largestBatch))
                state.jobs.removeFirst(jobs.count)
                if jobs.isEmpty { state.running = false }
                return jobs
            }
            if jobs.isEmpty { return }
            let logger = store.logger
            do {
                let refusals = try await store.transaction { c in
                    var refusals: [Int: any Error] = [:]
                    for (i, job) in jobs.enumerated() {
                        try await c.query("SAVEPOINT upload", logger: logger)
                        do {
                            try await job.run(c)
                            try await c.query("RELEASE SAVEPOINT upload", logger: logger)
                        } catch {
                            try await c.query("ROLLBACK TO SAVEPOINT upload", logger: logger)
                            try await c.query("RELEASE SAVEPOINT upload", logger: logger)
                            try await job.vain(c)
                            refusals[i] = error
                        }
                    }
                    return refusals
                }
                var again: [Job] = []
                for (i, job) in jobs.enumerated() {
                    // A deadlock with another process's batch rolled back only this upload's savepoint:
                    // it goes again in the next batch.
                    if let error = refusals[i] as? PSQLError, PostgresMetadataStore.isRetryable(error) {
                        again.append(job)
                    } else {
                        job.resume(refusals[i].map(PostgresMetadataStore.mapped))
                    }
                }
                if !again.isEmpty { pending.withLock { $0.jobs.insert(contentsOf: again, at: 0) } }
            } catch {
                for job in jobs { job.resume(error) }
            }
        }
    }
}
