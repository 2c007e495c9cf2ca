import Foundation
import PapersClient
import PapersCore
import Synchronization

/// One queued transfer: files and whole folders up or down, with one progress for all of it.
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
            switch transfer.direction {
            case .upload:
                var total: Int64 = 0
                for path in transfer.localPaths { total += try LocalFolder.totalSize(path) }
                meter.begin(total: total)
                for path in transfer.localPaths { try await upload(path, into: transfer.remoteFolderId, client: client, meter: meter) }
            case .download:
                meter.begin(total: transfer.nodes.reduce(0) { $0 + $1.size })
                for node in transfer.nodes {
                    try await download(node, into: transfer.localFolder, client: client, meter: meter)
                }
            }
            runner.finished(transfer.id, error: nil)
        } catch {
            runner.finished(transfer.id, error: error)
        }
    }

    private func control(_ meter: Meter) throws(ClientError) -> TransferControl {
        let id = transfer.id
        let runner = self.runner
        let control = TransferControl { progress in runner.progress(id, meter.progress(adding: progress.bytes)) }
        guard runner.register(control, for: id) else { throw .cancelled }
        return control
    }

    private func upload(_ path: String, into folderId: String?, client: APIClient, meter: Meter) async throws(ClientError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .localIO(message: "\(path): no such file or folder")
        }
        let name = (path as NSString).lastPathComponent
        if !isDirectory.boolValue {
            _ = try await client.upload(file: path, as: name, into: folderId, control: try control(meter))
            meter.fileDone()
            return
        }
        let folder = try await client.folder(named: name, in: folderId)
        for entry in try LocalFolder.list(path) where entry.isFolder || LocalFolder.isRegularFile(path + "/" + entry.name) {
            try await upload(path + "/" + entry.name, into: folder.id, client: client, meter: meter)
        }
    }

    private func download(_ node: Node, into folder: String, client: APIClient, meter: Meter) async throws(ClientError) {
        let target = (folder as NSString).appendingPathComponent(node.name)
        if !node.isFolder {
            try await client.download(node, to: target, control: try control(meter))
            meter.fileDone()
            return
        }
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory) {
            do { try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false) } catch {
                throw .localIO(message: "\(target): cannot create it")
            }
        } else if !isDirectory.boolValue {
            throw .localIO(message: "\(target) exists and is not a folder")
        }
        var cursor: String?
        repeat {
            let page = try await client.listPage(parentId: node.id, cursor: cursor)
            for child in page.items { try await download(child, into: target, client: client, meter: meter) }
            cursor = page.nextCursor
        } while cursor != nil
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
