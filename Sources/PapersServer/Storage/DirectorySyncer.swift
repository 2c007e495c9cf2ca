import Foundation
import Synchronization

/// Makes new folder entries durable (fsync of the folders), one round at a time, with the requests
/// that arrive during a round gathered into the next one: concurrent uploads that renamed content
/// into the same folders (`blobs/` itself, `blobs/ab/`) share one fsync of each instead of one each.
/// A request joins only a round that starts after it was made, so the entries it made before asking
/// are covered by the fsync it waits for. Rounds run on `StagingArea.syncThreads`.
final class DirectorySyncer: Sendable {
    private struct State {
        var pending = Set<String>()
        var waiters: [CheckedContinuation<Void, Never>] = []
        var running = false
    }

    private let state = Mutex(State())

    /// Returns once every folder in `directories` has been fsynced after the call began.
    func sync(_ directories: Set<String>) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let start = state.withLock { state -> Bool in
                state.pending.formUnion(directories)
                state.waiters.append(continuation)
                if state.running { return false }
                state.running = true
                return true
            }
            if start { StagingArea.syncThreads.submit { _ in self.runRounds() } }
        }
    }

    private func runRounds() {
        while true {
            let (directories, waiters) = state.withLock { state -> (Set<String>, [CheckedContinuation<Void, Never>]) in
                let round = (state.pending, state.waiters)
                state.pending = []
                state.waiters = []
                if round.1.isEmpty { state.running = false }
                return round
            }
            if waiters.isEmpty { return }
            for directory in directories { DiskBlobStore.syncDirectory(directory) }
            for waiter in waiters { waiter.resume() }
        }
    }
}
