import Foundation
import PapersCore

/// Copies files and whole folders between the local disk and the server, one file after another:
/// the one implementation behind `papers put -r` / `papers get -r` and the TUI's transfers. The
/// faces only present what it reports.
///
/// Its rules: a folder's entries go in name order; an entry that is neither a regular file nor a
/// folder (a socket, a device, a FIFO, a dangling link) is skipped and reported, never sent; an
/// existing remote folder is reused, an existing local folder is filled; remote folders are read
/// page by page.
public struct TreeTransfer: Sendable {
    /// A file that arrived where it was going.
    public enum Done: Sendable, Equatable {
        case uploaded(source: String, node: Node)
        case downloaded(node: Node, local: String)
    }

    /// What the transfer tells its face as it goes.
    public struct Events: Sendable {
        /// A file is about to go: the control to send it with (progress, cancel), or `nil`.
        /// Throwing (`.cancelled`, say) stops the whole transfer before the file is sent.
        public var fileStarting: @Sendable (_ name: String) throws(ClientError) -> TransferControl?
        /// A file is done.
        public var fileDone: @Sendable (Done) -> Void
        /// A local entry was passed over, and why.
        public var skipped: @Sendable (_ path: String, _ reason: String) -> Void

        public init(
            fileStarting: @escaping @Sendable (_ name: String) throws(ClientError) -> TransferControl? = { _ in nil },
            fileDone: @escaping @Sendable (Done) -> Void = { _ in },
            skipped: @escaping @Sendable (_ path: String, _ reason: String) -> Void = { _, _ in }
        ) {
            self.fileStarting = fileStarting
            self.fileDone = fileDone
            self.skipped = skipped
        }
    }

    public let client: APIClient
    public let onConflict: OnConflict
    public let events: Events

    public init(client: APIClient, onConflict: OnConflict = .fail, events: Events = Events()) {
        self.client = client
        self.onConflict = onConflict
        self.events = events
    }

    // MARK: Up

    /// Uploads a file, or a folder's tree, into a remote folder (`nil`: the root), as `name` (default:
    /// the local name). Returns the uploaded files' nodes.
    /// - Throws: `ClientError.localIO` for a local entry that cannot be read or listed, the client's
    ///   errors for the uploads and folders (the first one stops the transfer), `.cancelled`.
    public func upload(_ source: String, into folderId: String?, as name: String? = nil) async throws(ClientError) -> [Node] {
        let name = name ?? (source as NSString).lastPathComponent
        // A missing source is not a folder: the upload reports it.
        guard Self.kind(of: source) == .folder else {
            let node = try await client.upload(
                file: source, as: name, into: folderId, onConflict: onConflict, control: try events.fileStarting(name))
            events.fileDone(.uploaded(source: source, node: node))
            return [node]
        }
        let folder = try await client.folder(named: name, in: folderId)
        var nodes: [Node] = []
        for path in try Self.entries(of: source, skipped: events.skipped) {
            nodes += try await upload(path, into: folder.id)
        }
        return nodes
    }

    /// Bytes an upload of these paths sends: regular files, and those under folders by the walk's rules.
    /// - Throws: `ClientError.localIO` for a path that does not exist or a folder that cannot be listed.
    public static func localSize(of paths: [String]) throws(ClientError) -> Int64 {
        var total: Int64 = 0
        for path in paths {
            var info = stat()
            guard stat(path, &info) == 0 else { throw .localIO(message: "\(path): no such file or folder") }
            if (info.st_mode & S_IFMT) != S_IFDIR {
                total += Int64(info.st_size)
                continue
            }
            total += try localSize(of: entries(of: path, skipped: nil))
        }
        return total
    }

    /// A local folder's entries to send, in name order; the rest reported as skipped.
    private static func entries(of folder: String, skipped: (@Sendable (String, String) -> Void)?) throws(ClientError) -> [String] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted() } catch {
            throw .localIO(message: "\(folder): cannot list it")
        }
        var paths: [String] = []
        for name in names {
            let path = folder + "/" + name
            switch Self.kind(of: path) {
            case .file, .folder: paths.append(path)
            case .other: skipped?(path, "not a regular file or folder")
            case .missing: throw .localIO(message: "\(path): cannot read it")
            }
        }
        return paths
    }

    private enum Kind { case file, folder, other, missing }

    private static func kind(of path: String) -> Kind {
        var info = stat()
        guard stat(path, &info) == 0 else { return lstat(path, &info) == 0 ? .other : .missing }  // a dangling link is "other"
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .folder
        default: return .other
        }
    }

    // MARK: Down

    /// Downloads a file to `local`, or a folder's tree into the folder `local` (made when missing,
    /// filled when it exists). Returns each file with where it went.
    /// - Throws: `ClientError.localIO` when `local` exists and is not a folder or cannot be made,
    ///   the client's errors for the downloads and listings, `.cancelled`.
    public func download(_ node: Node, to local: String) async throws(ClientError) -> [(node: Node, local: String)] {
        guard node.isFolder else {
            try await client.download(node, to: local, control: try events.fileStarting(node.name))
            events.fileDone(.downloaded(node: node, local: local))
            return [(node, local)]
        }
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: local, isDirectory: &isDirectory) {
            do { try FileManager.default.createDirectory(atPath: local, withIntermediateDirectories: false) } catch {
                throw .localIO(message: "\(local): cannot create it")
            }
        } else if !isDirectory.boolValue {
            throw .localIO(message: "\(local) exists and is not a folder")
        }
        var files: [(node: Node, local: String)] = []
        var pages = client.children(of: node.id).makeAsyncIterator()
        while true {
            let page: [Node]?
            do { page = try await pages.next() } catch { throw error as? ClientError ?? .badResponse(message: "\(error)") }
            guard let page else { break }
            for child in page {
                files += try await download(child, to: (local as NSString).appendingPathComponent(child.name))
            }
        }
        return files
    }
}
