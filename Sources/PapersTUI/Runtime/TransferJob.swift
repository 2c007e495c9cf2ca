import Foundation
import PapersClient
import PapersCore
import Synchronization

/// One queued transfer: files and whole folders up or down through `TreeTransfer`, a few files at
/// once, with one progress for all of it and one per file. A resumed transfer passes over the files
/// that already arrived, and big files go on from their recorded part or tus upload.
struct TransferJob {
    let transfer: Transfer
    let client: APIClient?
    let runner: EffectRunner

    func run() async {
        guard let client else { return runner.finished(transfer.id, error: .sessionExpired(message: "not logged in")) }
        let whole = TransferControl()
        guard runner.register(whole, for: transfer.id) else { return runner.finished(transfer.id, error: .cancelled) }
        let meter = Meter()
        runner.progress(transfer.id, TransferProgress(bytes: transfer.bytesDone, total: nil, bytesPerSecond: 0))
        do throws(ClientError) {
            let id = transfer.id
            let runner = self.runner
            let tree = TreeTransfer(
                client: client,
                conflicts: .ask { conflict throws(ClientError) in
                    guard let answer = await runner.answer(id, conflict) else { throw .cancelled }
                    return answer
                },
                events: TreeTransfer.Events(
                    fileStarting: { file throws(ClientError) in
                        if whole.isCancelled { throw .cancelled }
                        return TransferControl(parent: whole) { progress in
                            runner.fileProgress(id, file, progress)
                            runner.progress(id, meter.progress(file: file.number, bytes: progress.bytes))
                        }
                    },
                    fileDone: { done in
                        let bytes = meter.fileDone(done)
                        runner.fileDone(id, key: done.key, bytes: bytes)
                    },
                    fileEnded: { number in
                        meter.fileEnded(number)
                        runner.fileEnded(id, number: number)
                    },
                    skipped: { path, reason in runner.skipped(id, path: path, reason: reason) }),
                parallelism: transfer.parallelism, done: transfer.done)
            switch transfer.direction {
            case .upload:
                meter.begin(total: try TreeTransfer.localSize(of: transfer.localPaths), done: transfer.bytesDone)
                for path in transfer.localPaths {
                    guard FileManager.default.fileExists(atPath: path) else { throw .localIO(message: "\(path): no such file or folder") }
                    _ = try await tree.upload(path, into: transfer.remoteFolderId)
                }
            case .download:
                meter.begin(total: transfer.nodes.reduce(0) { $0 + $1.size }, done: transfer.bytesDone)
                for node in transfer.nodes {
                    _ = try await tree.download(node, to: (transfer.localFolder as NSString).appendingPathComponent(node.name))
                }
            }
            runner.finished(transfer.id, error: nil)
        } catch {
            runner.finished(transfer.id, error: error)
        }
    }
}

/// Adds up the progress of the files of one transfer, several of them at once.
final class Meter: Sendable {
    private struct Totals {
        var total: Int64 = 0
        /// Bytes of the files that arrived (before this run too).
        var finished: Int64 = 0
        /// Bytes so far of each file being sent, by number.
        var current: [Int: Int64] = [:]
        var started = ContinuousClock.now
        var atStart: Int64 = 0
    }

    private let totals = Mutex(Totals())

    func begin(total: Int64, done: Int64) { totals.withLock { $0 = Totals(total: total, finished: done, atStart: done) } }

    func progress(file number: Int, bytes: Int64) -> TransferProgress {
        totals.withLock { t in
            t.current[number] = bytes
            let done = t.finished + t.current.values.reduce(0, +)
            let elapsed = ContinuousClock.now - t.started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return TransferProgress(bytes: done, total: t.total, bytesPerSecond: seconds > 0 ? Double(done - t.atStart) / seconds : 0)
        }
    }

    /// A file arrived: its size, now counted as done.
    func fileDone(_ done: TreeTransfer.Done) -> Int64 {
        let size: Int64
        switch done {
        case .uploaded(_, let node), .downloaded(let node, _): size = node.size
        }
        totals.withLock { $0.finished += size }
        return size
    }

    func fileEnded(_ number: Int) { totals.withLock { _ = $0.current.removeValue(forKey: number) } }
}
