import Foundation

/// Unfinished big transfers, remembered so that the same `papers put` or `papers get` (or the TUI)
/// later goes on where it stopped — after Ctrl-C, a crash, a dropped link:
/// `$XDG_STATE_HOME/papers/transfers.json` (else `~/.local/state/papers/transfers.json`, mode 0600).
/// An upload is keyed by the server, the account, the local file's absolute path, size and
/// modification time, and where it goes: a file that changed since starts over. A download is keyed
/// by the server, the account, the node and the local path, and remembers the content it was
/// fetching (SHA-256 and etag): its `NAME.part` is kept only while the node still has that content.
/// Read and written under an exclusive `flock`, so several clients at once never lose each other's
/// entries.
public struct TransferRecords: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// `$XDG_STATE_HOME/papers/transfers.json`, else `~/.local/state/papers/transfers.json`.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> TransferRecords {
        let base: String
        if let xdg = environment["XDG_STATE_HOME"], !xdg.isEmpty { base = xdg } else {
            base = (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state"
        }
        return TransferRecords(path: base + "/papers/transfers.json")
    }

    /// One unfinished upload.
    public struct Upload: Codable, Sendable, Equatable {
        public var server: String
        public var userId: String
        public var localPath: String
        public var size: Int64
        public var modified: Double
        /// Where it goes: the folder (`nil`: the root) and the name.
        public var parentId: String?
        public var name: String
        /// The tus upload's path on the server.
        public var uploadPath: String

        enum CodingKeys: String, CodingKey {
            case server, size, modified, name
            case userId = "user_id"
            case localPath = "local_path"
            case parentId = "parent_id"
            case uploadPath = "upload_path"
        }

        /// Whether this record is for the same file going to the same place.
        func matches(_ other: Upload) -> Bool {
            server == other.server && userId == other.userId && localPath == other.localPath && size == other.size
                && modified == other.modified && parentId == other.parentId && name == other.name
        }
    }

    /// One unfinished download: its bytes so far are in `partPath`.
    public struct Download: Codable, Sendable, Equatable {
        public var server: String
        public var userId: String
        public var nodeId: String
        /// The absolute path the file gets when complete.
        public var localPath: String
        /// The absolute path of the file holding the bytes so far (`NAME.part` unless that was taken).
        public var partPath: String
        /// The content being fetched: a node whose SHA-256 differs now starts over.
        public var sha256: String
        public var size: Int64
        /// The node's etag when the download started (sent in `If-Range`).
        public var etag: String

        enum CodingKeys: String, CodingKey {
            case server, sha256, size, etag
            case userId = "user_id"
            case nodeId = "node_id"
            case localPath = "local_path"
            case partPath = "part_path"
        }

        func matches(_ other: Download) -> Bool {
            server == other.server && userId == other.userId && nodeId == other.nodeId && localPath == other.localPath
        }
    }

    private struct File: Codable, Equatable {
        var uploads: [Upload] = []
        var downloads: [Download] = []

        init() {}

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            uploads = try container.decodeIfPresent([Upload].self, forKey: .uploads) ?? []
            downloads = try container.decodeIfPresent([Download].self, forKey: .downloads) ?? []
        }
    }

    /// The recorded upload of this file to this place, if any.
    public func upload(matching key: Upload) -> Upload? {
        (try? locked { file in file.uploads.first { $0.matches(key) } }) ?? nil
    }

    /// Records an upload (replacing one of the same file to the same place).
    /// - Throws: `ClientError.localIO` when the file cannot be written.
    public func save(_ upload: Upload) throws(ClientError) {
        try locked { file in
            file.uploads.removeAll { $0.matches(upload) }
            file.uploads.append(upload)
        }
    }

    /// Forgets an upload (done, or abandoned by the server).
    public func remove(uploadPath: String) {
        try? locked { file in file.uploads.removeAll { $0.uploadPath == uploadPath } }
    }

    /// The recorded download of this node to this path, if any.
    public func download(matching key: Download) -> Download? {
        (try? locked { file in file.downloads.first { $0.matches(key) } }) ?? nil
    }

    /// Records a download (replacing one of the same node to the same path).
    /// - Throws: `ClientError.localIO` when the file cannot be written.
    public func save(_ download: Download) throws(ClientError) {
        try locked { file in
            file.downloads.removeAll { $0.matches(download) }
            file.downloads.append(download)
        }
    }

    /// Forgets a download (complete, or its part given up).
    public func remove(_ download: Download) {
        try? locked { file in file.downloads.removeAll { $0.matches(download) } }
    }

    /// Every unfinished upload and download recorded (the TUI offers them again at start).
    public func all() -> (uploads: [Upload], downloads: [Download]) {
        (try? locked { file in (file.uploads, file.downloads) }) ?? ([], [])
    }

    /// Runs `body` on the file's contents under an exclusive lock, and writes them back if changed.
    private func locked<T>(_ body: (inout File) -> T) throws(ClientError) -> T {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .localIO(message: "cannot create \(directory): \(error.localizedDescription)")
        }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .localIO(message: "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        flock(descriptor, LOCK_EX)
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = read(descriptor, &buffer, buffer.count)
            if n <= 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        var file = (try? JSONDecoder().decode(File.self, from: data)) ?? File()
        let before = file
        let result = body(&file)
        if file != before {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            guard let bytes = try? encoder.encode(file) else { return result }
            _ = ftruncate(descriptor, 0)
            _ = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
            fsync(descriptor)
        }
        return result
    }
}
