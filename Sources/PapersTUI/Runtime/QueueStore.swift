import Foundation
import PapersClient
import PapersCore

/// The transfers left unfinished when the client quit (or was killed), per server and account, in
/// `queue.json` beside the session file (mode 0600): the next start offers them again as paused
/// rows of the queue, and `r` goes on from where each stopped — the files that arrived are passed
/// over, big files resume from their recorded part or tus upload (`TransferRecords`).
public struct QueueStore: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// The store beside a session file.
    public init(besides sessions: SessionStore) {
        path = (sessions.path as NSString).deletingLastPathComponent + "/queue.json"
    }

    /// What a transfer needs to go on in another run.
    struct Saved: Codable, Equatable {
        var direction: Transfer.Direction
        var name: String
        var localPaths: [String]
        var nodes: [Node]
        var remoteFolderId: String?
        var remoteFolderPath: String
        var localFolder: String
        var done: [String]
        var bytesDone: Int64
        var skipped: [String]

        enum CodingKeys: String, CodingKey {
            case direction, name, nodes, done, skipped
            case localPaths = "local_paths"
            case remoteFolderId = "remote_folder_id"
            case remoteFolderPath = "remote_folder_path"
            case localFolder = "local_folder"
            case bytesDone = "bytes_done"
        }
    }

    /// The unfinished transfers of this server and account, as paused transfers numbered from `firstId`.
    public func load(for session: Session, firstId: Int) -> [Transfer] {
        (all()[PlaceStore.key(session)] ?? []).enumerated().map { i, saved in
            var transfer = Transfer(
                id: firstId + i, direction: saved.direction, name: saved.name, localPaths: saved.localPaths, nodes: saved.nodes,
                remoteFolderId: saved.remoteFolderId, localFolder: saved.localFolder)
            transfer.remoteFolderPath = saved.remoteFolderPath
            transfer.done = Set(saved.done)
            transfer.bytesDone = saved.bytesDone
            transfer.skipped = saved.skipped
            transfer.phase = .paused
            return transfer
        }
    }

    /// Keeps the transfers that are not done (replacing what was kept for this server and account);
    /// a file that cannot be written loses only the convenience, so failures are ignored.
    public func save(_ transfers: [Transfer], for session: Session) {
        var queues = all()
        let unfinished = transfers.filter { $0.phase != .done }.map { t in
            Saved(
                direction: t.direction, name: t.name, localPaths: t.localPaths, nodes: t.nodes, remoteFolderId: t.remoteFolderId,
                remoteFolderPath: t.remoteFolderPath, localFolder: t.localFolder, done: t.done.sorted(), bytesDone: t.bytesDone, skipped: t.skipped)
        }
        queues[PlaceStore.key(session)] = unfinished.isEmpty ? nil : unfinished
        guard let data = try? JSONEncoder().encode(queues) else { return }
        PrivateFile.write(data, to: path)
    }

    private func all() -> [String: [Saved]] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        return (try? JSONDecoder().decode([String: [Saved]].self, from: data)) ?? [:]
    }
}
