import Crypto
import Foundation
import PapersCore

extension APIClient {
    /// Downloads a file to `localPath`, resuming where an earlier try stopped.
    ///
    /// The bytes go into a part file beside it, locked while written, renamed into place only when
    /// complete and its SHA-256 matches the node's. A dropped connection or a 5xx is retried with
    /// backoff (`resumable.attempts` tries) and goes on with `Range` + `If-Range: <etag>` after the
    /// bytes already there; when the content changed meanwhile the server answers 200 and the part
    /// starts over. Files from `resumable.threshold` on are written to `NAME.part` (unless a file of
    /// that name is there already) and recorded in `resumable.records`: a part that a stopped or
    /// failed run left is resumed by the next download of the same node to the same path, as long
    /// as the node's SHA-256 is still the recorded one. Smaller files go through a hidden
    /// `.NAME.papers-XXXXXXXX.part`, removed on failure. A part is only ever one this client made.
    /// - Throws: `ClientError.localIO` (e.g. the part is being written by another download),
    ///   `.integrity`, `.cancelled`, `.network` after the retries, or the server's refusal.
    public func download(_ node: Node, to localPath: String, control: TransferControl? = nil) async throws(ClientError) {
        try await download(node, from: Self.contentPath(node), to: localPath, control: control)
    }

    /// Downloads one version of a file to `localPath`, as `download(_:to:)` does (retried and resumed
    /// within the run; not recorded for a later one).
    /// - Throws: as `download(_:to:)`, and the server's `version_not_found`.
    public func download(_ node: Node, version: FileVersionInfo, to localPath: String, control: TransferControl? = nil) async throws(ClientError) {
        try await download(Self.asVersion(node, version), from: Self.contentPath(node, version: version), to: localPath, control: control)
    }

    /// Streams one version of a file into an open descriptor and checks its SHA-256.
    public func download(_ node: Node, version: FileVersionInfo, into descriptor: Int32, control: TransferControl? = nil) async throws(ClientError) {
        try await download(Self.asVersion(node, version), from: Self.contentPath(node, version: version), into: descriptor, control: control)
    }

    /// Where a node's content (or one version's) is.
    static func contentPath(_ node: Node, version: FileVersionInfo? = nil) -> String {
        guard let version else { return "/files/\(node.id)/content" }
        return "/files/\(node.id)/versions/\(version.version)/content"
    }

    /// The node with a version's content, size, date and entity tag in place of its own.
    static func asVersion(_ node: Node, _ version: FileVersionInfo) -> Node {
        var copy = node
        copy.sha256 = version.sha256
        copy.size = version.size
        copy.etag = version.etag
        copy.dateModified = version.dateModified
        return copy
    }

    private func download(_ node: Node, from contentPath: String, to localPath: String, control: TransferControl?) async throws(ClientError) {
        let settings = resumable ?? ResumableSettings()
        let isCurrent = contentPath == Self.contentPath(node)
        let records = node.size >= settings.threshold && isCurrent ? settings.records : nil
        var record = TransferRecords.Download(
            server: server, userId: credentials?.userId ?? "", nodeId: node.id, localPath: Self.absolute(localPath), partPath: "",
            sha256: node.sha256 ?? "", size: node.size, etag: node.etag)
        var descriptor: Int32 = -1
        if let recorded = records?.download(matching: record) {
            if recorded.sha256 == record.sha256, !record.sha256.isEmpty {
                descriptor = open(recorded.partPath, O_RDWR | O_CLOEXEC)
                if descriptor >= 0 { record.partPath = recorded.partPath }
            } else {
                unlink(recorded.partPath)  // the bytes of content the node no longer has
            }
        }
        if descriptor < 0, records != nil {
            record.partPath = Self.absolute(localPath + ".part")
            descriptor = open(record.partPath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        }
        if descriptor < 0 {
            let name = (localPath as NSString).lastPathComponent
            let folder = (localPath as NSString).deletingLastPathComponent
            record.partPath = Self.absolute((folder.isEmpty ? "" : folder + "/") + ".\(name).papers-\(UUID().uuidString.prefix(8)).part")
            descriptor = open(record.partPath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        }
        guard descriptor >= 0 else {
            throw .localIO(message: "cannot write beside \(localPath): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            throw .localIO(message: "\(record.partPath) is being written by another download")
        }
        try records?.save(record)
        do {
            try await fetchRetrying(node, from: contentPath, into: descriptor, settings: settings, control: control)
        } catch {
            switch error {
            case .cancelled, .network:
                if records == nil { unlink(record.partPath) }  // else kept, to be resumed
            case .server(let status, _, _) where status >= 500:
                if records == nil { unlink(record.partPath) }
            default:
                records?.remove(record)
                unlink(record.partPath)
            }
            throw error
        }
        guard fsync(descriptor) == 0, rename(record.partPath, localPath) == 0 else {
            throw .localIO(message: "cannot save \(localPath): \(String(cString: strerror(errno)))")
        }
        records?.remove(record)
    }

    /// Fills `descriptor` (a part, perhaps holding the content's first bytes) with the node's whole
    /// content, retrying and resuming after failures worth another try; a resumed part whose whole
    /// does not match the node's SHA-256 starts over once.
    private func fetchRetrying(_ node: Node, from contentPath: String, into descriptor: Int32, settings: ResumableSettings, control: TransferControl?)
        async throws(ClientError)
    {
        var failures = 0
        var startedOver = false
        while true {
            let kept = try Self.size(of: descriptor)
            do {
                try await fetch(node, from: contentPath, into: descriptor, after: kept > node.size ? 0 : kept, control: control)
                return
            } catch let error where Self.isWorthRetrying(error) && failures + 1 < settings.attempts {
                failures += 1
                await Self.backOff(after: failures, control: control)
                if control?.isCancelled == true { throw .cancelled }
            } catch .integrity(let message) {
                guard kept > 0, !startedOver else { throw .integrity(message: message) }
                startedOver = true
                guard ftruncate(descriptor, 0) == 0 else { throw .localIO(message: "cannot start the download over: \(String(cString: strerror(errno)))") }
            }
        }
    }

    /// One exchange: the content after the part's first `kept` bytes (all of it when `kept` is 0),
    /// then the whole part's SHA-256 and size checked against the node's.
    private func fetch(_ node: Node, from contentPath: String, into descriptor: Int32, after kept: Int64, control: TransferControl?)
        async throws(ClientError)
    {
        guard ftruncate(descriptor, off_t(kept)) == 0, lseek(descriptor, off_t(kept), SEEK_SET) == kept else {
            throw .localIO(message: "cannot write the download: \(String(cString: strerror(errno)))")
        }
        let received: (sha256: String?, bytes: Int64)
        if kept > 0, kept == node.size {
            // Everything is there already (the run stopped before the rename).
            received = (try Self.sha256(of: descriptor, size: kept), kept)
        } else {
            var prefix: CurlTransfer.Prefix?
            if kept > 0 { prefix = CurlTransfer.Prefix(bytes: kept, hasher: try Self.hasher(of: descriptor, size: kept)) }
            var transfer = CurlTransfer(
                method: "GET", url: try url(try userPath(contentPath)), sink: .file(descriptor: descriptor, prefix: prefix))
            if kept > 0 { transfer.headers = ["Range: bytes=\(kept)-", "If-Range: \(node.etag)"] }
            let result = try await exchange(transfer, control: control)
            if result.status == 206, !(result.headers["content-range"] ?? "").hasPrefix("bytes \(kept)-") {
                throw .badResponse(message: "the server sent another range than the one asked for (\(result.headers["content-range"] ?? "none"))")
            }
            received = (result.receivedSHA256, result.receivedBytes)
        }
        try Self.checkWhole(node, sha256: received.sha256, bytes: received.bytes)
    }

    /// Streams a file's content into an open descriptor (stdout for `papers get - `) and checks its SHA-256.
    /// - Throws: `ClientError.integrity`, `.localIO`, `.cancelled`, `.network`, or the server's refusal.
    public func download(_ node: Node, into descriptor: Int32, control: TransferControl? = nil) async throws(ClientError) {
        try await download(node, from: Self.contentPath(node), into: descriptor, control: control)
    }

    private func download(_ node: Node, from contentPath: String, into descriptor: Int32, control: TransferControl?) async throws(ClientError) {
        let transfer = CurlTransfer(method: "GET", url: try url(try userPath(contentPath)), sink: .file(descriptor: descriptor))
        let result = try await exchange(transfer, control: control)
        try Self.checkWhole(node, sha256: result.receivedSHA256, bytes: result.receivedBytes)
    }

    /// Whether what arrived is the node's content.
    /// - Throws: `ClientError.integrity` when its size or SHA-256 differs.
    static func checkWhole(_ node: Node, sha256: String?, bytes: Int64) throws(ClientError) {
        guard sha256 == node.sha256, bytes == node.size else {
            throw .integrity(
                message: "\(node.name): received \(bytes) bytes with SHA-256 \(sha256 ?? "-"), expected \(node.size) bytes with \(node.sha256 ?? "-")")
        }
    }

    static func size(of descriptor: Int32) throws(ClientError) -> Int64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .localIO(message: "cannot read the download: \(String(cString: strerror(errno)))") }
        return Int64(info.st_size)
    }
}
