import Foundation
import PapersCore

/// Copies files and whole folders between the local disk and the server, `parallelism` files at
/// once: the one implementation behind `papers put -r` / `papers get -r` and the TUI's transfers.
/// The faces only present what it reports.
///
/// Its rules: a folder's entries go in name order; an entry that is neither a regular file nor a
/// folder (a socket, a device, a FIFO, a dangling link) is skipped and reported, never sent; an
/// existing remote folder is reused, an existing local folder is filled; remote folders are read
/// page by page; a file whose name is taken where it goes is settled by the `ConflictRule` (fail,
/// skip, keep both, overwrite, overwrite if newer, or ask — asked one at a time), and a local file
/// is never replaced without that rule saying so. Folders are made and read by the walk, in order;
/// only files' bytes move in parallel. A transfer resumed after a pause passes over the files in
/// `done` (see `Done.key`).
public struct TreeTransfer: Sendable {
    /// A file that arrived where it was going.
    public enum Done: Sendable, Equatable {
        case uploaded(source: String, node: Node)
        case downloaded(node: Node, local: String)

        /// What a resumed transfer passes over: the local source of an upload, the node of a download.
        public var key: String {
            switch self {
            case .uploaded(let source, _): return source
            case .downloaded(let node, _): return node.id
            }
        }
    }

    /// A file about to go: its number in the transfer (1, 2, ...; the same number for every try)
    /// and its name.
    public struct FileStart: Sendable, Equatable {
        public var number: Int
        public var name: String
    }

    /// What the transfer tells its face as it goes.
    public struct Events: Sendable {
        /// A file is about to go: the control to send it with (progress, cancel), or `nil`.
        /// Throwing (`.cancelled`, say) stops the whole transfer before the file is sent.
        public var fileStarting: @Sendable (_ file: FileStart) throws(ClientError) -> TransferControl?
        /// A file is done.
        public var fileDone: @Sendable (Done) -> Void
        /// A file's turn ended, whether it arrived, was skipped or failed (by its number).
        public var fileEnded: @Sendable (_ number: Int) -> Void
        /// A local entry was passed over, and why.
        public var skipped: @Sendable (_ path: String, _ reason: String) -> Void

        public init(
            fileStarting: @escaping @Sendable (_ file: FileStart) throws(ClientError) -> TransferControl? = { _ in nil },
            fileDone: @escaping @Sendable (Done) -> Void = { _ in },
            fileEnded: @escaping @Sendable (_ number: Int) -> Void = { _ in },
            skipped: @escaping @Sendable (_ path: String, _ reason: String) -> Void = { _, _ in }
        ) {
            self.fileStarting = fileStarting
            self.fileDone = fileDone
            self.fileEnded = fileEnded
            self.skipped = skipped
        }
    }

    public let client: APIClient
    public let conflicts: ConflictRule
    public let events: Events
    /// Files sent at once (at least 1).
    public let parallelism: Int
    /// Files a resumed transfer passes over (`Done.key` of each).
    public let done: Set<String>
    private let questions = AsyncGate()

    public init(client: APIClient, conflicts: ConflictRule = .fail, events: Events = Events(), parallelism: Int = 1, done: Set<String> = []) {
        self.client = client
        self.conflicts = conflicts
        self.events = events
        self.parallelism = max(1, parallelism)
        self.done = done
    }

    /// The rule's answer, asked one at a time.
    private func settle(_ conflict: Conflict) async throws(ClientError) -> ConflictAnswer {
        await questions.enter()
        defer { questions.leave() }
        return try await conflicts.settle(conflict)
    }

    /// Runs a walk whose files go through `lanes`, then waits for them.
    private func inLanes<Output: Sendable>(_ walk: (Lanes<Output>) async throws(ClientError) -> Void) async throws(ClientError) -> [Output] {
        let lanes = Lanes<Output>(limit: parallelism)
        do { try await walk(lanes) } catch {
            await lanes.drain()
            throw error
        }
        return try await lanes.finish()
    }

    // MARK: Up

    /// Uploads a file, or a folder's tree, into a remote folder (`nil`: the root), as `name` (default:
    /// the local name). Returns the uploaded files' nodes.
    /// - Throws: `ClientError.localIO` for a local entry that cannot be read or listed, the client's
    ///   errors for the uploads and folders (the first one stops the transfer), `.cancelled`.
    public func upload(_ source: String, into folderId: String?, as name: String? = nil) async throws(ClientError) -> [Node] {
        try await inLanes { (lanes: Lanes<Node?>) throws(ClientError) in try await walkUp(source, into: folderId, as: name, lanes: lanes) }
            .compactMap { $0 }
    }

    private func walkUp(_ source: String, into folderId: String?, as name: String?, lanes: Lanes<Node?>) async throws(ClientError) {
        let name = name ?? (source as NSString).lastPathComponent
        // A missing source is not a folder: the upload reports it.
        guard Self.kind(of: source) == .folder else {
            guard !done.contains(source) else { return }
            try await lanes.add { [self] number throws(ClientError) in
                defer { events.fileEnded(number) }
                guard let node = try await uploadFile(source, as: name, into: folderId, number: number) else { return nil }
                events.fileDone(.uploaded(source: source, node: node))
                return node
            }
            return
        }
        let folder = try await client.folder(named: name, in: folderId)
        for path in try Self.entries(of: source, skipped: events.skipped) {
            try await walkUp(path, into: folder.id, as: nil, lanes: lanes)
        }
    }

    /// One file, with a taken name settled by the rule: the server settles fail, keep both and
    /// overwrite by itself (`on_conflict`); skip, overwrite-if-newer and asking try `fail` first and,
    /// on its 409, look at what is there. `nil`: skipped.
    private func uploadFile(_ source: String, as name: String, into folderId: String?, number: Int) async throws(ClientError) -> Node? {
        let file = FileStart(number: number, name: name)
        let first: OnConflict
        switch conflicts {
        case .fail: first = .fail
        case .always(.overwrite): first = .overwrite
        case .always(.keepBoth): first = .rename
        case .always, .ask: first = .fail
        }
        do {
            return try await client.upload(file: source, as: name, into: folderId, onConflict: first, control: try events.fileStarting(file))
        } catch .server(409, "name_conflict", let message) where first == .fail && !conflicts.isFail {
            guard let existing = try await client.child(named: name.precomposedStringWithCanonicalMapping, in: folderId) else {
                throw .server(status: 409, code: "name_conflict", message: message)
            }
            let conflict = Conflict(
                place: .remote, path: existing.path,
                existing: Conflict.Version(size: existing.size, modified: Timestamp.parse(existing.dateModified), isFolder: existing.isFolder),
                incoming: Self.version(of: source))
            switch try await settle(conflict) {
            case .skip:
                events.skipped(source, "\(existing.path) is already on the server")
                return nil
            case .keepBoth:
                return try await client.upload(file: source, as: name, into: folderId, onConflict: .rename, control: try events.fileStarting(file))
            case .overwrite, .overwriteIfNewer:
                return try await client.upload(file: source, as: name, into: folderId, onConflict: .overwrite, control: try events.fileStarting(file))
            }
        }
    }

    /// A local entry's size and modification time (zero and `nil` when it cannot be read).
    static func version(of path: String) -> Conflict.Version {
        var info = stat()
        guard stat(path, &info) == 0 else { return Conflict.Version(size: 0, modified: nil) }
        let modified = Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
        return Conflict.Version(size: Int64(info.st_size), modified: modified, isFolder: (info.st_mode & S_IFMT) == S_IFDIR)
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
    /// filled when it exists). A file that is already there is settled by the rule. Returns each
    /// file with where it went.
    /// - Throws: `ClientError.localConflict` for a file that is there under `.fail`; `.localIO` when
    ///   `local` exists and is not a folder or cannot be made, or a file would replace a folder; the
    ///   client's errors for the downloads and listings, `.cancelled`.
    public func download(_ node: Node, to local: String) async throws(ClientError) -> [(node: Node, local: String)] {
        try await inLanes { (lanes: Lanes<(node: Node, local: String)?>) throws(ClientError) in try await walkDown(node, to: local, lanes: lanes) }
            .compactMap { $0 }
    }

    private func walkDown(_ node: Node, to local: String, lanes: Lanes<(node: Node, local: String)?>) async throws(ClientError) {
        guard node.isFolder else {
            guard !done.contains(node.id), let destination = try await settledDestination(of: node, at: local) else { return }
            try await lanes.add { [self] number throws(ClientError) in
                defer { events.fileEnded(number) }
                try await client.download(node, to: destination, control: try events.fileStarting(FileStart(number: number, name: node.name)))
                events.fileDone(.downloaded(node: node, local: destination))
                return (node, destination)
            }
            return
        }
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: local, isDirectory: &isDirectory) {
            do { try FileManager.default.createDirectory(atPath: local, withIntermediateDirectories: false) } catch {
                throw .localIO(message: "\(local): cannot create it")
            }
        } else if !isDirectory.boolValue {
            throw .localIO(message: "\(local) exists and is not a folder")
        }
        var pages = client.children(of: node.id).makeAsyncIterator()
        while true {
            let page: [Node]?
            do { page = try await pages.next() } catch { throw error as? ClientError ?? .badResponse(message: "\(error)") }
            guard let page else { break }
            for child in page {
                try await walkDown(child, to: (local as NSString).appendingPathComponent(child.name), lanes: lanes)
            }
        }
    }

    /// Where a downloaded file goes: `local` when it is free or to be overwritten, the first free
    /// `name (n).ext` beside it to keep both, `nil` to skip it.
    private func settledDestination(of node: Node, at local: String) async throws(ClientError) -> String? {
        var info = stat()
        guard lstat(local, &info) == 0 else { return local }
        let existing = Self.version(of: local)
        let conflict = Conflict(
            place: .local, path: local, existing: existing,
            incoming: Conflict.Version(size: node.size, modified: Timestamp.parse(node.dateModified)))
        switch try await settle(conflict) {
        case .skip:
            events.skipped(local, "already exists")
            return nil
        case .overwrite, .overwriteIfNewer:
            guard !existing.isFolder else { throw .localIO(message: "\(local) is a folder; a file cannot replace it") }
            return local
        case .keepBoth:
            return try Self.freeLocalName(beside: local)
        }
    }

    /// The first `NAME (n).ext` beside a local path that nothing has (keep both); with `orItself`,
    /// the path itself when nothing has it.
    /// - Throws: `ClientError.localIO` when there is none.
    public static func freeLocalName(beside local: String, orItself: Bool = false) throws(ClientError) -> String {
        let folder = (local as NSString).deletingLastPathComponent
        let name = (local as NSString).lastPathComponent
        var info = stat()
        if orItself, lstat(local, &info) != 0 { return local }
        for n in 1...10_000 {
            guard let numbered = NodeName.numbered(name, n) else { break }
            let candidate = (folder as NSString).appendingPathComponent(numbered)
            if lstat(candidate, &info) != 0 { return candidate }
        }
        throw .localIO(message: "\(local): no free name beside it")
    }
}

extension ConflictRule {
    var isFail: Bool {
        if case .fail = self { return true }
        return false
    }
}
