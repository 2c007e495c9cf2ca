import Foundation
import PapersCore

/// A name that is already taken where a transfer is putting a file: on the server for an upload,
/// on the local disk for a download.
public struct Conflict: Sendable, Equatable {
    public enum Place: Sendable, Equatable { case local, remote }

    /// Where the taken name is.
    public var place: Place
    /// The path that is taken: a local path, or the remote path (`/Work/report.pdf`).
    public var path: String
    /// What is there now.
    public var existing: Version
    /// What the transfer would put there.
    public var incoming: Version

    /// One side of a conflict.
    public struct Version: Sendable, Equatable {
        public var size: Int64
        public var modified: Date?
        public var isFolder: Bool

        public init(size: Int64, modified: Date?, isFolder: Bool = false) {
            self.size = size
            self.modified = modified
            self.isFolder = isFolder
        }
    }

    public init(place: Place, path: String, existing: Version, incoming: Version) {
        self.place = place
        self.path = path
        self.existing = existing
        self.incoming = incoming
    }

    /// The name that is taken.
    public var name: String { (path as NSString).lastPathComponent }

    /// True when the incoming file was modified after the one that is there (both dates known).
    public var incomingIsNewer: Bool {
        guard let new = incoming.modified, let old = existing.modified else { return false }
        return new > old
    }
}

/// What to do about one conflict (mc's copy dialog).
public enum ConflictAnswer: Sendable, Equatable {
    /// Replace what is there (an upload keeps the node's id: its content is replaced).
    case overwrite
    /// Leave what is there and pass this file over (reported as skipped).
    case skip
    /// Put the file beside it as `name (1).ext`.
    case keepBoth
    /// Replace it only when the incoming file is newer; else skip.
    case overwriteIfNewer
}

/// How a transfer settles conflicts: one rule for all (the CLI's `--on-conflict`), or by asking
/// (the TUI's dialog; the asker remembers "apply to all").
public enum ConflictRule: Sendable {
    /// Fail with the conflict (exit 3 in the CLI), the default: the server's 409 for an upload,
    /// `ClientError.localConflict` for a download.
    case fail
    case always(ConflictAnswer)
    /// Ask for each conflict; throwing (`.cancelled`) stops the transfer.
    case ask(@Sendable (Conflict) async throws(ClientError) -> ConflictAnswer)

    /// The rule for a CLI `--on-conflict` value: `fail`, `skip`, `rename` or `overwrite`; `nil` for others.
    public init?(option: String) {
        switch option {
        case "fail": self = .fail
        case "skip": self = .always(.skip)
        case "rename": self = .always(.keepBoth)
        case "overwrite": self = .always(.overwrite)
        default: return nil
        }
    }

    /// The `--on-conflict` values, for help and errors.
    public static let options = ["fail", "skip", "rename", "overwrite"]

    /// What to do about one conflict, with "overwrite if newer" settled: `.overwrite`, `.skip` or `.keepBoth`.
    /// - Throws: `ClientError.localConflict` under `.fail`; what the asker throws under `.ask`.
    func settle(_ conflict: Conflict) async throws(ClientError) -> ConflictAnswer {
        let answer: ConflictAnswer
        switch self {
        case .fail: throw .localConflict(path: conflict.path)
        case .always(let always): answer = always
        case .ask(let ask): answer = try await ask(conflict)
        }
        if answer == .overwriteIfNewer { return conflict.incomingIsNewer ? .overwrite : .skip }
        return answer
    }
}
