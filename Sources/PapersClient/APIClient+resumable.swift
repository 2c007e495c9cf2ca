import Crypto
import Foundation
import PapersCore

/// How big files are uploaded: through the server's tus endpoint (`/uploads/`) in chunks, each
/// retried with backoff after a dropped connection or a 5xx and resumed from the server's offset;
/// an unfinished upload is remembered in `records` so that the same upload started again later
/// (after Ctrl-C or a crash) goes on instead of starting over.
public struct ResumableSettings: Sendable, Equatable {
    /// Files from this size on go in chunks (smaller ones in one request).
    public var threshold: Int64 = 16 << 20
    public var chunkSize: Int64 = 8 << 20
    /// Tries per chunk before the upload fails (it stays resumable): with the backoff, about two
    /// minutes. (A server answers 423 for at most 3 s while it takes the upload over from a
    /// request of a dead connection; 423 is retried like a 5xx.)
    public var attempts = 12
    /// `nil`: nothing remembered across runs (the upload still resumes within this one).
    public var records: TransferRecords? = TransferRecords.standard()

    public init() {}

    public static func == (a: Self, b: Self) -> Bool {
        a.threshold == b.threshold && a.chunkSize == b.chunkSize && a.attempts == b.attempts && a.records?.path == b.records?.path
    }
}

extension APIClient {
    /// Uploads a file through tus, resuming a recorded upload of the same file to the same place.
    /// The SHA-256 the server computed is checked against the file's.
    /// - Throws: `ClientError.localIO`, `.integrity`, `.cancelled`, `.network` after the retries (the
    ///   upload stays recorded), or the server's refusal.
    func uploadResumably(
        descriptor: Int32, size: Int64, localPath: String, name: String, into parentId: String?, onConflict: OnConflict,
        settings: ResumableSettings, control: TransferControl?
    ) async throws(ClientError) -> Node {
        var info = stat()
        fstat(descriptor, &info)
        let key = TransferRecords.Upload(
            server: server, userId: credentials?.userId ?? "", localPath: Self.absolute(localPath), size: size,
            modified: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9, parentId: parentId, name: name,
            uploadPath: "")
        var uploadPath: String?
        var offset: Int64 = 0
        var nodeId: String?
        if let recorded = settings.records?.upload(matching: key) {
            // Resume what an earlier run left, if the server still has it.
            if let state = try? await uploadState(recorded.uploadPath) {
                (uploadPath, offset, nodeId) = (recorded.uploadPath, state.offset, state.nodeId)
            } else {
                settings.records?.remove(uploadPath: recorded.uploadPath)
            }
        }
        if uploadPath == nil {
            let created = try await createUpload(length: size, name: name, parentId: parentId, onConflict: onConflict)
            (uploadPath, offset, nodeId) = (created.path, created.offset, created.nodeId)
            var record = key
            record.uploadPath = created.path
            if nodeId == nil { try settings.records?.save(record) }
        }
        let path = uploadPath!
        var failures = 0
        while nodeId == nil, offset < size {
            if control?.isCancelled == true { throw .cancelled }
            let start = offset
            let length = min(settings.chunkSize, size - offset)
            let chunkControl = TransferControl(parent: control) { progress in
                control?.onProgress?(TransferProgress(bytes: start + progress.bytes, total: size, bytesPerSecond: progress.bytesPerSecond))
            }
            var transfer = CurlTransfer(
                method: "PATCH", url: server + path,
                body: .fileRange(descriptor: descriptor, offset: offset, length: length, contentType: "application/offset+octet-stream"))
            transfer.headers = ["Tus-Resumable: 1.0.0", "Upload-Offset: \(offset)"]
            do {
                let result = try await exchange(transfer, control: chunkControl)
                offset = result.headers["upload-offset"].flatMap { Int64($0) } ?? offset + length
                nodeId = result.headers["papers-node-id"]
                failures = 0
            } catch let error where Self.isWorthRetrying(error) && failures + 1 < settings.attempts {
                failures += 1
                // Then go on from what the server has.
                await Self.backOff(after: failures, control: control)
                if control?.isCancelled == true { throw .cancelled }
                if let state = try? await uploadState(path) { (offset, nodeId) = (state.offset, state.nodeId) }
            } catch .server(409, "offset_mismatch", _) {
                let state = try await uploadState(path)
                (offset, nodeId) = (state.offset, state.nodeId)
            } catch .server(404, _, let message), .server(410, _, let message) {
                settings.records?.remove(uploadPath: path)
                throw .server(status: 410, code: "upload_expired", message: "The server no longer has this upload (\(message)); run it again.")
            }
        }
        settings.records?.remove(uploadPath: path)
        guard let nodeId else { throw .badResponse(message: "the upload reached its end without naming its file") }
        let node = try await node(id: nodeId)
        let local = try Self.sha256(of: descriptor, size: size)
        guard node.sha256 == local else {
            throw .integrity(message: "the server stored \(node.sha256 ?? "nothing") but the file's SHA-256 is \(local); upload it again")
        }
        return node
    }

    /// Waits before another try: 0.5 s, 1 s, 2 s, ... up to 15 s — cut short when the transfer is
    /// cancelled (a pause in the TUI takes effect at once, not after the wait).
    static func backOff(after failures: Int, control: TransferControl?) async {
        let wait = ContinuousClock.now + .milliseconds(min(15_000, 500 << min(failures - 1, 5)))
        while ContinuousClock.now < wait, control?.isCancelled != true {
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Dropped connections and the server's 5xx are worth another try; refusals are not.
    static func isWorthRetrying(_ error: ClientError) -> Bool {
        switch error {
        case .network: return true
        case .server(let status, _, _): return status >= 500 || status == 423
        case .badResponse: return true  // a proxy's error page
        default: return false
        }
    }

    private func createUpload(length: Int64, name: String, parentId: String?, onConflict: OnConflict) async throws(ClientError)
        -> (path: String, offset: Int64, nodeId: String?)
    {
        var metadata = ["filename": name, "on_conflict": onConflict.rawValue]
        if let parentId { metadata["parent_id"] = parentId }
        let encoded = metadata.sorted { $0.key < $1.key }.map { "\($0.key) \(Data($0.value.utf8).base64EncodedString())" }.joined(separator: ",")
        var transfer = CurlTransfer(method: "POST", url: try url(try userPath("/uploads/")))
        transfer.headers = ["Tus-Resumable: 1.0.0", "Upload-Length: \(length)", "Upload-Metadata: \(encoded)"]
        let result = try await exchange(transfer)
        guard let location = result.headers["location"] else { throw .badResponse(message: "the server made an upload without a Location") }
        let path = location.hasPrefix("http") ? String(location.dropFirst(server.count)) : location
        return (path, result.headers["upload-offset"].flatMap { Int64($0) } ?? 0, result.headers["papers-node-id"])
    }

    private func uploadState(_ path: String) async throws(ClientError) -> (offset: Int64, nodeId: String?) {
        var transfer = CurlTransfer(method: "HEAD", url: server + path)
        transfer.headers = ["Tus-Resumable: 1.0.0"]
        let result = try await exchange(transfer)
        guard let offset = result.headers["upload-offset"].flatMap({ Int64($0) }) else {
            throw .badResponse(message: "the server's answer about an upload has no Upload-Offset")
        }
        return (offset, result.headers["papers-node-id"])
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    /// The hex SHA-256 of an open file's first `size` bytes.
    static func sha256(of descriptor: Int32, size: Int64) throws(ClientError) -> String {
        CurlTransfer.hex(try hasher(of: descriptor, size: size).finalize())
    }

    /// A SHA-256 fed with an open file's first `size` bytes.
    static func hasher(of descriptor: Int32, size: Int64) throws(ClientError) -> SHA256 {
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset: Int64 = 0
        while offset < size {
            let n = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, min($0.count, Int(size - offset)), off_t(offset)) }
            guard n > 0 else { throw .localIO(message: "cannot read the file again: \(String(cString: strerror(errno)))") }
            buffer.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            offset += Int64(n)
        }
        return hasher
    }
}
