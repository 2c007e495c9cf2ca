import Foundation
import PapersClient
import PapersCore
import Synchronization

/// How `papers put` and `get` present a `TreeTransfer`: a progress bar per file on stderr, a
/// `source → destination` line per file on stdout (unless `--json` or `--quiet`), and a warning per
/// skipped entry.
final class ShownTransfer: Sendable {
    private let quiet: Bool
    private let json: Bool
    /// The bar of the file being sent.
    private let bar = Mutex<ProgressBar?>(nil)

    init(quiet: Bool, json: Bool) {
        self.quiet = quiet
        self.json = json
    }

    var events: TreeTransfer.Events {
        TreeTransfer.Events(
            fileStarting: { [self] file in
                let next = ProgressBar(label: file.name, quiet: quiet)
                bar.withLock { $0 = next }
                return next.control()
            },
            fileDone: { [self] done in
                stop()
                guard !json, !quiet else { return }
                switch done {
                case .uploaded(let source, let node): Console.out("\(source) → \(node.path)")
                case .downloaded(let node, let local): Console.out("\(node.path) → \(local)")
                }
            },
            skipped: { path, reason in Console.error("\(path): skipped (\(reason))") })
    }

    /// Clears the current bar (after its file, or when the transfer stops early).
    func stop() {
        bar.withLock { current in
            current?.finish()
            current = nil
        }
    }
}
