import Foundation
import PapersClient
import PapersCore

/// A one-line progress bar on stderr (bytes, percentage, speed, ETA), drawn only when stderr is a
/// terminal and `--quiet` is off.
final class ProgressBar: Sendable {
    let label: String
    let enabled: Bool

    init(label: String, quiet: Bool) {
        self.label = label
        self.enabled = !quiet && Console.stderrIsTerminal
    }

    /// A transfer control that draws this bar.
    func control() -> TransferControl? {
        guard enabled else { return nil }
        return TransferControl { [self] progress in self.draw(progress) }
    }

    func draw(_ progress: TransferProgress) {
        let width = 20
        var line = "\r\u{1B}[2K" + String(label.suffix(30)) + "  "
        if let total = progress.total, total > 0 {
            let fraction = min(1, Double(progress.bytes) / Double(total))
            let filled = Int(fraction * Double(width))
            line += String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            line += String(format: " %3d%%", Int(fraction * 100))
        } else {
            line += ByteCount.human(progress.bytes)
        }
        line += "  \(ByteCount.human(Int64(progress.bytesPerSecond)))/s"
        if let left = progress.secondsLeft {
            let seconds = Int(left.rounded())
            line += String(format: "  ETA %d:%02d", seconds / 60, seconds % 60)
        }
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
