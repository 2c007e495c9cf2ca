import Foundation
import GRDB
import PapersCore
import NIOCore
import NIOPosix
import Synchronization

/// Group commit for uploads: the ones that finish while a commit is running wait and go together in
/// the next transaction — one WAL fsync, and one fsync per blob folder, for the whole batch — each in
/// its own savepoint, so that one refused upload (a name conflict, the quota) leaves the others alone.
/// Every upload is still durable before it is answered. A detail of the SQLite store, as
/// `PostgresCommitQueue` is of the PostgreSQL one.
final class CommitQueue: Sendable {
    private struct Job: Sendable {
        let run: @Sendable (Database, inout WriteEffects) -> Void
        let resume: @Sendable ((any Error)?) -> Void
    }

    private struct Pending {
        var jobs: [Job] = []
        var running = false
    }

    private let database: any DatabaseWriter
    /// The store's clock: when released content became unreferenced.
    private let now: @Sendable () -> Date
    private let pending = Mutex(Pending())

    init(database: any DatabaseWriter, now: @escaping @Sendable () -> Date) {
        self.database = database
        self.now = now
    }

    /// Runs `body` in the next batch and returns its result once the batch is committed.
    /// - Throws: what `body` throws (its savepoint is rolled back), or the commit's error.
    func submit<T: Sendable>(_ body: @escaping @Sendable (Database, inout WriteEffects) throws -> T) async throws -> T {
        let box = ResultBox<T>()
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let job = Job(
                run: { db, effects in
                    do {
                        var value: T?
                        try db.inSavepoint {
                            value = try body(db, &effects)
                            return .commit
                        }
                        box.result = .success(value!)
                    } catch {
                        box.result = .failure(error)
                    }
                },
                resume: { [loop = MultiThreadedEventLoopGroup.currentEventLoop] error in
                    let resume: @Sendable () -> Void = { if let error { continuation.resume(throwing: error) } else { continuation.resume() } }
                    // Back on the request's own loop, where its answer is written (see `runOnPool`).
                    if let loop { loop.execute(resume) } else { resume() }
                })
            let start = pending.withLock { state -> Bool in
                state.jobs.append(job)
                if state.running { return false }
                state.running = true
                return true
            }
            if start { Task { await self.runBatches() } }
        }
        return try box.result!.get()
    }

    private func runBatches() async {
        while true {
            let jobs = pending.withLock { state -> [Job] in
                let jobs = state.jobs
                state.jobs = []
                if jobs.isEmpty { state.running = false }
                return jobs
            }
            if jobs.isEmpty { return }
            var failure: (any Error)?
            do {
                let now = Timestamp.milliseconds(self.now())
                try await database.write { db in
                    var effects = WriteEffects()
                    for job in jobs { job.run(db, &effects) }
                    try SQLiteMetadataStore.markUnreferenced(db, effects.touched, now: now)
                }
            } catch {
                failure = error
            }
            for job in jobs { job.resume(failure) }
        }
    }
}

/// Carries a job's result from the batch runner to the waiting request (ordered by the continuation).
private final class ResultBox<T: Sendable>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
