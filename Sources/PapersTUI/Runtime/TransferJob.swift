import Foundation
import PapersClient
import PapersCore
import Synchronization

/// One queued transfer: files and whole folders up or down through `TreeTransfer`, with one
/// progress for all of it.
struct TransferJob {
    let transfer: Transfer
    let client: APIClient?
    let runner: EffectRunner

    func run() async {
        guard let client else { return runner.finished(transfer.id, error: .sessionExpired(message: "not logged in")) }
        if runner.isCancelled(transfer.id) { return runner.finished(transfer.id, error: .cancelled) }
        runner.progress(transfer.id, TransferProgress(bytes: 0, total: nil, bytesPerSecond: 0))
        let meter = Meter()
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
                    fileStarting: { [self] _ throws(ClientError) in try control(meter) },
                    fileDone: { _ in
                        meter.fileDone()
                        runner.fileDone(id)
                    },
                    skipped: { path, reason in runner.skipped(id, path: path, reason: reason) }))
            switch transfer.direction {
            case .upload:
                meter.begin(total: try TreeTransfer.localSize(of: transfer.localPaths))
                for path in transfer.localPaths {
                    guard FileManager.default.fileExists(atPath: path) else { throw .localIO(message: "\(path): no such file or folder") }
                    _ = try await tree.upload(path, into: transfer.remoteFolderId)
                }
            case .download:
                meter.begin(total: transfer.nodes.reduce(0) { $0 + $1.size })
                for node in transfer.nodes {
                    _ = try await tree.download(node, to: (transfer.localFolder as NSString).appendingPathComponent(node.name))
                }
            }
            runner.finished(transfer.id, error: nil)
        } catch {
            runner.finished(transfer.id, error: error)
        }
    }

    /// The control of the next file: its progress adds to the transfer's; registered so that the
    /// queue's cancel reaches it.
    private func control(_ meter: Meter) throws(ClientError) -> TransferControl {
        let id = transfer.id
        let runner = self.runner
        let control = TransferControl { progress in runner.progress(id, meter.progress(adding: progress.bytes)) }
        guard runner.register(control, for: id) else { throw .cancelled }
        return control
    }
}

/// Adds up the progress of the files of one transfer.
final class Meter: Sendable {
    private struct Totals {
        var total: Int64 = 0
        var finishedFiles: Int64 = 0
        var current: Int64 = 0
        var started = ContinuousClock.now
    }

    private let totals = Mutex(Totals())

    func begin(total: Int64) { totals.withLock { $0 = Totals(total: total) } }

    func progress(adding bytesInCurrentFile: Int64) -> TransferProgress {
        totals.withLock { t in
            t.current = bytesInCurrentFile
            let done = t.finishedFiles + t.current
            let elapsed = ContinuousClock.now - t.started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return TransferProgress(bytes: done, total: t.total, bytesPerSecond: seconds > 0 ? Double(done) / seconds : 0)
        }
    }

    func fileDone() {
        totals.withLock { t in
            t.finishedFiles += t.current
            t.current = 0
        }
    }
}
