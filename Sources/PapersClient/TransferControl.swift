import Foundation
import Synchronization

/// How far a transfer has come.
public struct TransferProgress: Sendable, Equatable {
    /// Bytes moved so far (sent for an upload, received for a download).
    public var bytes: Int64
    /// Total bytes, when known.
    public var total: Int64?
    /// Bytes per second since the transfer started.
    public var bytesPerSecond: Double

    public init(bytes: Int64, total: Int64?, bytesPerSecond: Double) {
        self.bytes = bytes
        self.total = total
        self.bytesPerSecond = bytesPerSecond
    }

    /// Seconds left at the current speed, when the total is known.
    public var secondsLeft: Double? {
        guard let total, bytesPerSecond > 0 else { return nil }
        return Double(max(0, total - bytes)) / bytesPerSecond
    }
}

/// Cancels a transfer from any thread and receives its progress.
public final class TransferControl: Sendable {
    private let cancelled = Atomic<Bool>(false)
    let onProgress: (@Sendable (TransferProgress) -> Void)?
    /// A transfer made of several exchanges (a resumable upload's chunks) gives each a control of
    /// its own that is cancelled with the whole one's.
    private let parent: TransferControl?

    public init(onProgress: (@Sendable (TransferProgress) -> Void)? = nil) {
        self.onProgress = onProgress
        parent = nil
    }

    /// A control cancelled with `parent` (one file of a transfer of several).
    public init(parent: TransferControl?, onProgress: (@Sendable (TransferProgress) -> Void)?) {
        self.onProgress = onProgress
        self.parent = parent
    }

    /// Stops the transfer as soon as libcurl next calls back (within a fraction of a second).
    public func cancel() { cancelled.store(true, ordering: .relaxed) }

    public var isCancelled: Bool { cancelled.load(ordering: .relaxed) || parent?.isCancelled == true }
}
