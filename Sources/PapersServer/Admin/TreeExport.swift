import Foundation
import Logging

/// `papers admin export DIR [--user EMAIL]`: every account's tree (the trash and earlier versions
/// left out) written under `DIR/<e-mail>/` as plain folders and files, names as stored and
/// modification times kept — the way out of content-addressed storage, with nothing but the file
/// system needed to read it.
///
/// Streaming (a page of a folder at a time, each file copied in chunks), verified (each file hashed
/// as it is written and renamed into place only when it matches its SHA-256), and resumable: a file
/// already there with the same size and modification time is left alone, so an export stopped
/// half-way goes on where it was. It reads the live tree: a file changed during the export is
/// exported as it was when its folder was read, or left out when it went meanwhile (reported).
public struct TreeExport: Sendable {
    /// A file that was not exported.
    public struct Skipped: Sendable {
        public var email: String
        public var path: String
        /// `missing`, `corrupt` (its content is not as stored: see `papers admin check`), or
        /// `unsafe name` (a name the file system cannot hold as such; never written).
        public var reason: String
    }

    /// What one run did.
    public struct Summary: Sendable {
        public var accounts = 0
        public var folders = 0
        public var files = 0
        public var bytes: Int64 = 0
        /// Files found already exported (same size and time), not written again.
        public var unchanged = 0
        public var skipped: [Skipped] = []
    }

    let store: any MetadataStore
    let blobs: any BlobStore

    /// Opens the server's database (never creating one) and blob store.
    /// - Throws: `AdminFailure.noDatabase`, `.unavailable`.
    public static func open(_ configuration: ServerConfiguration, logger: Logger) async throws(AdminFailure) -> TreeExport {
        let check = try await IntegrityCheck.open(configuration, logger: logger)
        return TreeExport(store: check.store, blobs: check.blobs)
    }

    init(store: any MetadataStore, blobs: any BlobStore) {
        self.store = store
        self.blobs = blobs
    }

    /// Exports every account's tree, or only `email`'s, into `directory` (made when missing; what
    /// is in it already stays). `progress` hears the files and bytes written so far.
    /// - Throws: `AdminFailure.unknownEmail`, `.invalid` (a `directory` that cannot be made),
    ///   `.unavailable` when the database, the blob store or the disk fails.
    public func run(into directory: String, email: String?, progress: @Sendable (Int, Int64) -> Void = { _, _ in }) async throws(AdminFailure)
        -> Summary
    {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .invalid("cannot create \(directory): \(error.localizedDescription)")
        }
        var summary = Summary()
        do {
            var accounts = try await store.accounts()
            if let email {
                let wanted = AccountAdministration.canonical(email)
                accounts = accounts.filter { $0.email == wanted }
                if accounts.isEmpty { throw AdminFailure.unknownEmail(wanted) }
            }
            for account in accounts {
                try await export(account, into: directory + "/" + account.email, &summary, progress: progress)
                summary.accounts += 1
            }
        } catch let failure as AdminFailure {
            throw failure
        } catch let failure as BlobFolderCopy.Failure {
            throw .unavailable("the export stopped: \(failure)")
        } catch {
            throw .unavailable("the export stopped: \(error)")
        }
        return summary
    }

    /// One account's tree, folder by folder (depth first); folders get their times once their
    /// contents are written (writing into a folder changes its time).
    private func export(_ account: AccountSummary, into root: String, _ summary: inout Summary, progress: @Sendable (Int, Int64) -> Void)
        async throws
    {
        var pending: [(id: String?, path: String, display: String)] = [(nil, root, "")]
        var folderTimes: [(path: String, ms: Int64)] = []
        try Self.makeFolder(root)
        while let folder = pending.popLast() {
            var query = ListQuery(limit: ListQuery.maxLimit)
            while true {
                let page = try await store.children(ownerId: account.id, parentId: folder.id, query: query)
                for node in page.items {
                    let shown = folder.display + "/" + node.name
                    guard Self.isSafe(node.name) else {
                        summary.skipped.append(Skipped(email: account.email, path: shown, reason: "unsafe name"))
                        continue
                    }
                    let path = folder.path + "/" + node.name
                    if node.isFolder {
                        try Self.makeFolder(path)
                        summary.folders += 1
                        pending.append((node.id, path, shown))
                        folderTimes.append((path, node.modifiedMs))
                        continue
                    }
                    if Self.isExported(path, size: node.size, modifiedMs: node.modifiedMs) {
                        summary.unchanged += 1
                        continue
                    }
                    do {
                        try await BlobFolderCopy.copy(node.sha256 ?? "", size: node.size, from: blobs, to: path)
                    } catch BlobFolderCopy.Failure.missing {
                        summary.skipped.append(Skipped(email: account.email, path: shown, reason: "missing"))
                        continue
                    } catch BlobFolderCopy.Failure.corrupt {
                        summary.skipped.append(Skipped(email: account.email, path: shown, reason: "corrupt"))
                        continue
                    }
                    Self.setTime(path, ms: node.modifiedMs)
                    summary.files += 1
                    summary.bytes += node.size
                    progress(summary.files, summary.bytes)
                }
                guard let next = page.next else { break }
                query.after = next
            }
        }
        for folder in folderTimes.reversed() { Self.setTime(folder.path, ms: folder.ms) }
    }

    /// A name that is one path component as it is: not empty, `.` or `..`, no `/` or NUL.
    static func isSafe(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.utf8.contains(0x2F) && !name.utf8.contains(0)
    }

    /// Whether `path` is a file of this size and modification time (to the millisecond).
    static func isExported(_ path: String, size: Int64, modifiedMs: Int64) -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size == size else { return false }
        return Int64(info.st_mtim.tv_sec) * 1000 + Int64(info.st_mtim.tv_nsec) / 1_000_000 == modifiedMs
    }

    /// Creates a folder unless one is there. Throws `BlobFolderCopy.Failure.write`.
    static func makeFolder(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw BlobFolderCopy.Failure.write("cannot create \(path): \(error.localizedDescription)")
        }
    }

    /// Sets the access and modification times to `ms` (without following a link).
    static func setTime(_ path: String, ms: Int64) {
        let time = timespec(tv_sec: Int(ms / 1000), tv_nsec: Int(ms % 1000) * 1_000_000)
        var times = [time, time]
        _ = utimensat(AT_FDCWD, path, &times, AT_SYMLINK_NOFOLLOW)
    }
}
