import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Group commit for uploads on PostgreSQL, as `CommitQueue` is for SQLite: the uploads that finish
/// while a batch is committing wait and go together in the next transaction — one WAL flush for the
/// batch. Without it, uploads of one user (whose row every tree change locks) each waited for the
/// previous one's flush. Every upload is still durable before it is answered.
///
/// A job must leave the transaction usable when it throws, so that one refused upload (a name
/// conflict, the quota) leaves the others alone: `papers_add_file` never aborts it, and statements
/// that might run in `savepoint`.
final class PostgresCommitQueue: Sendable {
    struct Job: Sendable {
        /// Runs the upload's statements; throws a refusal with the transaction still usable.
        let run: @Sendable (PostgresConnection) async throws -> Void
        /// How many batches this upload has been in (a deadlock sends it to the next).
        var batches = 1
        let resume: @Sendable ((any Error)?) -> Void
    }

    private struct Pending {
        var jobs: [Job] = []
        var running = false
    }

    private let pending = Mutex(Pending())
    private unowned let store: PostgresMetadataStore
    static let largestBatch = 64
    /// Batches an upload may be in before a deadlock each time answers it unavailable (a 503 the
    /// client may retry), so that two servers' batches can never deadlock each other for ever.
    static let mostBatches = 20

    init(store: PostgresMetadataStore) {
        self.store = store
    }

    /// Runs `body` in the next batch and returns its result once the batch is committed. A deadlock
    /// with another server's batch (`PostgresMetadataStore.isRetryable`) runs it again in the next,
    /// up to `mostBatches` batches.
    /// - Throws: what `body` throws, or the commit's error (`StoreError.unavailable` when the
    ///   database went away).
    func submit<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let box = Mutex<Result<T, any Error>?>(nil)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let job = Job(
                run: { c in
                    let value = try await body(c)
                    box.withLock { $0 = .success(value) }
                },
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
                        do {
                            try await job.run(c)
                        } catch let rolledBack as RolledBack {
                            refusals[i] = rolledBack.error
                        } catch let error as PSQLError {
                            // Not rolled back to a savepoint: the transaction is aborted or gone (the
                            // connection, a timeout), and the whole batch with it.
                            throw error
                        } catch {
                            refusals[i] = error
                        }
                    }
                    return refusals
                }
                var again: [Job] = []
                for (i, job) in jobs.enumerated() {
                    // A deadlock with another process's batch rolled back only this upload's statements:
                    // it goes again in the next batch.
                    if let error = refusals[i], PostgresMetadataStore.isRetryable(error) {
                        guard job.batches < Self.mostBatches else {
                            job.resume(StoreError.unavailable(detail: "PostgreSQL: deadlocked \(job.batches) times in a row: \(error)"))
                            continue
                        }
                        var next = job
                        next.batches += 1
                        again.append(next)
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

    /// An error of a job's statements that were rolled back to their savepoint: the transaction goes on.
    struct RolledBack: Error {
        let error: any Error
    }

    /// Runs `body` in a savepoint: when it throws, its statements are rolled back and the
    /// transaction goes on.
    /// - Throws: `RolledBack` with `body`'s error; the rollback's error when it failed.
    static func savepoint<T: Sendable>(_ c: PostgresConnection, logger: Logger, _ body: () async throws -> T) async throws -> T {
        try await c.query("SAVEPOINT upload", logger: logger)
        do {
            let value = try await body()
            try await c.query("RELEASE SAVEPOINT upload", logger: logger)
            return value
        } catch {
            try await c.query("ROLLBACK TO SAVEPOINT upload", logger: logger)
            try await c.query("RELEASE SAVEPOINT upload", logger: logger)
            throw RolledBack(error: error)
        }
    }
}
