import Foundation
import PapersCore

extension APIClient {
    /// Uploads a local file, streamed (never read whole into memory), into a folder (`nil`: the root).
    /// The server's SHA-256 is checked against the bytes that were sent. Files from
    /// `resumable.threshold` on go in chunks that resume after failures (`uploadResumably`).
    /// - Throws: `ClientError.localIO` when the file cannot be read, `.integrity`, `.cancelled`, or the server's refusal.
    public func upload(
        file localPath: String, as name: String? = nil, into parentId: String?, onConflict: OnConflict = .fail, control: TransferControl? = nil
    ) async throws(ClientError) -> Node {
        let (descriptor, size) = try Self.openForReading(localPath)
        defer { close(descriptor) }
        if let resumable, size >= resumable.threshold {
            return try await uploadResumably(
                descriptor: descriptor, size: size, localPath: localPath, name: name ?? (localPath as NSString).lastPathComponent,
                into: parentId, onConflict: onConflict, settings: resumable, control: control)
        }
        var query = ["name": name ?? (localPath as NSString).lastPathComponent, "on_conflict": onConflict.rawValue]
        if let parentId { query["parent_id"] = parentId }
        let transfer = CurlTransfer(
            method: "POST", url: try url(try userPath("/files/"), query: query),
            body: .file(descriptor: descriptor, size: size, contentType: "application/octet-stream"))
        return try await checkedUpload(transfer, control: control)
    }

    /// Replaces a file's content with a local file's, streamed.
    public func replaceContent(of id: String, with localPath: String, control: TransferControl? = nil) async throws(ClientError) -> Node {
        let (descriptor, size) = try Self.openForReading(localPath)
        defer { close(descriptor) }
        let transfer = CurlTransfer(
            method: "PUT", url: try url(try userPath("/files/\(id)")),
            body: .file(descriptor: descriptor, size: size, contentType: "application/octet-stream"))
        return try await checkedUpload(transfer, control: control)
    }

    private func checkedUpload(_ transfer: CurlTransfer, control: TransferControl?) async throws(ClientError) -> Node {
        let result = try await exchange(transfer, control: control)
        let node: Node = try decode(result)
        if let sent = result.sentSHA256, sent != node.sha256 {
            throw .integrity(message: "the server stored \(node.sha256 ?? "nothing") but \(sent) was sent; upload it again")
        }
        return node
    }

    static func openForReading(_ path: String) throws(ClientError) -> (Int32, Int64) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw .localIO(message: "cannot read \(path): \(String(cString: strerror(errno)))") }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw .localIO(message: "\(path) is not a regular file")
        }
        return (descriptor, Int64(info.st_size))
    }
}
