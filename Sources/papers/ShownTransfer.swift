import Foundation
import PapersClient
import PapersCore
import Synchronization

/// How `papers put` and `get` present a `TreeTransfer`: a progress bar on stderr — per file when
/// files go one at a time, one for the whole transfer (bytes of every file, files arrived) when
/// several go at once — a `source → destination` line per file on stdout as each arrives (unless
/// `--json` or `--quiet`), and a warning per skipped entry.
final class ShownTransfer: Sendable {
    private let quiet: Bool
    private let json: Bool
    private let parallel: Bool
    /// The bar on screen.
    private let bar = Mutex<ProgressBar?>(nil)
    /// With several files at once: bytes of the files that arrived, and so far of each file going.
    private let totals = Mutex((total: Int64?.none, arrived: Int64(0), files: 0, going: [Int: Int64](), started: ContinuousClock.now))

    /// `total`: the bytes of the whole transfer, when known (shown as a percentage).
    init(quiet: Bool, json: Bool, parallelism: Int = 1, total: Int64? = nil) {
        self.quiet = quiet
        self.json = json
        parallel = parallelism > 1
        totals.withLock { $0.total = total }
    }

    var events: TreeTransfer.Events {
        TreeTransfer.Events(
            fileStarting: { [self] file in parallel ? aggregateControl(file) : singleBar(file) },
            fileDone: { [self] done in
                if parallel {
                    totals.withLock { t in
                        switch done {
                        case .uploaded(_, let node), .downloaded(let node, _): t.arrived += node.size
                        }
                        t.files += 1
                    }
                }
                stop()
                guard !json, !quiet else { return }
                switch done {
                case .uploaded(let source, let node): Console.out("\(source) → \(node.path)")
                case .downloaded(let node, let local): Console.out("\(node.path) → \(local)")
                }
            },
            fileEnded: { [self] number in
                if parallel { totals.withLock { _ = $0.going.removeValue(forKey: number) } }
            },
            skipped: { path, reason in Console.error("\(path): skipped (\(reason))") })
    }

    private func singleBar(_ file: TreeTransfer.FileStart) -> TransferControl? {
        let next = ProgressBar(label: file.name, quiet: quiet)
        bar.withLock { $0 = next }
        return next.control()
    }

    /// A control whose progress adds to the whole transfer's bar.
    private func aggregateControl(_ file: TreeTransfer.FileStart) -> TransferControl? {
        let shown = ProgressBar(label: "", quiet: quiet)
        guard shown.enabled else { return nil }
        return TransferControl { [self] progress in
            let (whole, files) = totals.withLock { t in
                t.going[file.number] = progress.bytes
                let bytes = t.arrived + t.going.values.reduce(0, +)
                let elapsed = ContinuousClock.now - t.started
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                return (TransferProgress(bytes: bytes, total: t.total, bytesPerSecond: seconds > 0 ? Double(bytes) / seconds : 0), t.files)
            }
            bar.withLock { current in
                let drawn = ProgressBar(label: "\(files) file\(files == 1 ? "" : "s") done, \(file.name)", quiet: quiet)
                drawn.draw(whole)
                current = drawn
            }
        }
    }

    /// Clears the bar (after a file, or when the transfer stops early).
    func stop() {
        bar.withLock { current in
            current?.finish()
            current = nil
        }
    }
}
