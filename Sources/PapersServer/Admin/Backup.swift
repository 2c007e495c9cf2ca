import Foundation
import GRDB
import Logging
import PapersCore

/// `papers admin backup DIR` and `papers admin restore DIR`: a consistent copy of a running
/// server's data, and that copy brought back.
///
/// A back-up is a snapshot of the database (SQLite's `VACUUM INTO`, or `pg_dump` of an exported
/// snapshot), every content that snapshot uses — read from the blob store after the snapshot and
/// hashed on the way, so a damaged blob is found now and not at restore time — the signing key, and
/// a manifest (`papers-backup.json`). The content a snapshot uses is in the blob store at the moment
/// of the snapshot (nodes commit after their content) and stays there at least `--gc-grace` after a
/// file is deleted, so a back-up that copies within that time is whole; one that finds content
/// missing says so (`AdminFailure.incomplete`) rather than claiming success.
public enum Backup {
    /// `papers-backup.json`: what a back-up holds.
    public struct Manifest: Codable, Sendable, Equatable {
        public var format = 1
        public var createdAt: String
        /// `sqlite` (`papers.sqlite`) or `postgres` (`papers.pgdump`, `pg_dump`'s custom format).
        public var database: String
        public var contents: Int
        public var bytes: Int64
        /// Whether `secret.key` is in the back-up (not when the key came from `PAPERS_SECRET_KEY`).
        public var secretKey: Bool

        enum CodingKeys: String, CodingKey {
            case format, database, contents, bytes
            case createdAt = "created_at", secretKey = "secret_key"
        }
    }

    static let manifestName = "papers-backup.json"
    static let sqliteName = "papers.sqlite"
    static let postgresName = "papers.pgdump"
    static let page = 500

    /// Backs up the server `configuration` names into `directory` (absent or empty), while it runs.
    /// `progress` hears the contents and bytes copied so far.
    /// - Throws: `AdminFailure.invalid` (a non-empty `directory`), `.noDatabase`, `.unavailable`,
    ///   `.incomplete` (content the snapshot uses is missing or damaged; the back-up is not whole).
    public static func make(
        _ configuration: ServerConfiguration, into directory: String, logger: Logger, progress: @escaping @Sendable (Int, Int64) -> Void = { _, _ in }
    ) async throws(AdminFailure) -> Manifest {
        try makeEmptyDirectory(directory)
        let store = try await AccountAdministration.openStore(configuration, logger: logger)
        let blobs: any BlobStore
        do {
            blobs = try await AppDependencies.openBlobStore(configuration)
        } catch {
            throw .unavailable(AppDependencies.describeOpenFailure(error, configuration))
        }
        let copy = BlobFolderCopy(folder: directory + "/blobs")
        let tally: ContentTally
        do {
            switch store {
            case let sqlite as SQLiteMetadataStore:
                let snapshot = directory + "/" + sqliteName
                try await sqlite.snapshot(to: snapshot)
                try DataDirectory.makeOwnerOnly(snapshot, alsoExisting: [])
                let database = try DatabaseQueue(path: snapshot, configuration: readOnly)
                tally = try await copyContent(to: copy, from: blobs, progress: progress) { after, limit in
                    try await database.read { db in try SQLiteMetadataStore.contentInUse(db, after: after, limit: limit) }
                }
                try database.close()
            case let postgres as PostgresMetadataStore:
                guard case .postgres(let url) = configuration.database else { throw AdminFailure.invalid("no PostgreSQL URL") }
                let dump = directory + "/" + postgresName
                tally = try await postgres.withExportedSnapshot { snapshot, contentInUse in
                    try await PostgresTools.run(
                        "pg_dump", ["--format=custom", "--no-owner", "--no-privileges", "--snapshot=\(snapshot)", "--file=\(dump)"], url: url)
                    return try await copyContent(to: copy, from: blobs, progress: progress, contentInUse)
                }
            default:
                throw AdminFailure.invalid("cannot back up a \(store.kind) database")
            }
        } catch let failure as AdminFailure {
            throw failure
        } catch {
            throw .unavailable("the back-up stopped: \(error)")
        }
        if !tally.damaged.isEmpty {
            let shown = tally.damaged.prefix(5).map { "\($0.sha256) (\($0.problem))" }.joined(separator: ", ")
            throw .incomplete(
                "the back-up in \(directory) is not whole: \(tally.damaged.count) contents its snapshot uses are missing or damaged in the blob store: \(shown)"
                    + (tally.damaged.count > 5 ? ", ..." : "") + " (papers admin check names the files)")
        }
        let keyPath = configuration.dataDirectory + "/secret.key"
        let hasKey = configuration.secretKey == nil && FileManager.default.fileExists(atPath: keyPath)
        if hasKey { try copyOwnerOnly(keyPath, to: directory + "/secret.key") }
        let manifest = Manifest(
            createdAt: Timestamp.format(Date()), database: store.kind, contents: tally.contents, bytes: tally.bytes, secretKey: hasKey)
        try writeManifest(manifest, in: directory)
        return manifest
    }

    /// Brings the back-up in `directory` back: the database into `configuration`'s (a data directory
    /// that is absent or empty, and for a PostgreSQL back-up the empty database `--database` names),
    /// every content into its blob folder, hashed again on the way, and the signing key.
    /// - Throws: `AdminFailure.invalid` (not a back-up, a non-empty target, a back-up of the other
    ///   database kind, an object store as target), `.unavailable`, `.incomplete` (damaged content).
    public static func restore(from directory: String, into configuration: ServerConfiguration, logger: Logger) async throws(AdminFailure) -> Manifest {
        guard let data = FileManager.default.contents(atPath: directory + "/" + manifestName),
            let manifest = try? JSONDecoder().decode(Manifest.self, from: data)
        else { throw .invalid("\(directory) is not a Papers back-up (it has no readable \(manifestName))") }
        let target: String
        switch configuration.blobs {
        case .s3:
            throw .invalid(
                "restore writes content into a folder: give --blobs a folder (or leave it out), then copy that folder into the bucket")
        case .folder(let path): target = path
        case nil: target = configuration.dataDirectory + "/blobs"
        }
        switch (manifest.database, configuration.database) {
        case ("sqlite", .postgres):
            throw .invalid("this back-up holds a SQLite database: restore it into a data directory without --database, then papers admin migrate")
        case ("postgres", .postgres): break
        case ("postgres", _):
            throw .invalid("this back-up holds a PostgreSQL dump: give --database postgres://... of an empty database to restore it into")
        default: break
        }
        try makeEmptyDirectory(configuration.dataDirectory)
        do {
            if case .postgres(let url) = configuration.database {
                try await PostgresTools.run(
                    "pg_restore", ["--exit-on-error", "--single-transaction", "--no-owner", "--no-privileges", directory + "/" + postgresName],
                    url: url, databaseArgument: true)
            } else {
                let path = configuration.sqlitePath
                try FileManager.default.createDirectory(
                    atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                guard !FileManager.default.fileExists(atPath: path) else { throw AdminFailure.invalid("\(path) exists: restore into a new place") }
                try copyOwnerOnly(directory + "/" + sqliteName, to: path)
            }
            let source = try DiskBlobStore(directory: directory + "/blobs")
            let copy = BlobFolderCopy(folder: target)
            var copied = 0
            var damaged: [String] = []
            try await source.stored(writtenBefore: .distantFuture) { hashes in
                for hash in hashes {
                    var info = stat()
                    guard stat(source.path(for: hash), &info) == 0 else { continue }
                    do {
                        try await copy.copy(hash, size: Int64(info.st_size), from: source)
                        copied += 1
                    } catch BlobFolderCopy.Failure.corrupt {
                        damaged.append(hash)
                    }
                }
            }
            if !damaged.isEmpty || copied < manifest.contents {
                throw AdminFailure.incomplete(
                    "the back-up in \(directory) is damaged: \(manifest.contents) contents expected, \(copied) copied intact"
                        + (damaged.isEmpty ? "" : "; damaged: \(damaged.prefix(5).joined(separator: ", "))"))
            }
        } catch let failure as AdminFailure {
            throw failure
        } catch {
            throw .unavailable("the restore stopped: \(error)")
        }
        if manifest.secretKey { try copyOwnerOnly(directory + "/secret.key", to: configuration.dataDirectory + "/secret.key") }
        return manifest
    }

    /// What copying a snapshot's content came to.
    struct ContentTally: Sendable {
        var contents = 0
        var bytes: Int64 = 0
        var damaged: [(sha256: String, problem: BlobFolderCopy.Failure)] = []
    }

    /// Copies every content `contentInUse` pages through; missing or damaged ones are tallied, not thrown.
    static func copyContent(
        to copy: BlobFolderCopy, from blobs: any BlobStore, progress: @Sendable (Int, Int64) -> Void,
        _ contentInUse: (String?, Int) async throws -> [ContentInUse]
    ) async throws -> ContentTally {
        var tally = ContentTally()
        var after: String?
        while true {
            let page = try await contentInUse(after, page)
            for content in page {
                do {
                    try await copy.copy(content.sha256, size: content.size, from: blobs)
                    tally.contents += 1
                    tally.bytes += content.size
                    progress(tally.contents, tally.bytes)
                } catch let failure as BlobFolderCopy.Failure {
                    if case .write(let detail) = failure { throw AdminFailure.unavailable(detail) }
                    tally.damaged.append((content.sha256, failure))
                }
            }
            guard page.count == Self.page, let last = page.last else { return tally }
            after = last.sha256
        }
    }

    static var readOnly: Configuration {
        var configuration = Configuration()
        configuration.readonly = true
        return configuration
    }

    /// Creates `path` (owner-only) unless it exists; refuses one that holds anything.
    /// - Throws: `AdminFailure.invalid`.
    static func makeEmptyDirectory(_ path: String) throws(AdminFailure) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .invalid("\(path) is a file, not a folder") }
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            guard entries.isEmpty else { throw .invalid("\(path) is not empty: give a new or an empty folder") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .invalid("cannot create \(path): \(error.localizedDescription)")
        }
    }

    /// Copies a file, readable by its owner only.
    /// - Throws: `AdminFailure.unavailable` when it cannot.
    static func copyOwnerOnly(_ source: String, to target: String) throws(AdminFailure) {
        do {
            try FileManager.default.copyItem(atPath: source, toPath: target)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: target)
        } catch {
            throw .unavailable("cannot copy \(source) to \(target): \(error.localizedDescription)")
        }
    }

    static func writeManifest(_ manifest: Manifest, in directory: String) throws(AdminFailure) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(manifest).write(to: URL(fileURLWithPath: directory + "/" + manifestName), options: .atomic)
        } catch {
            throw .unavailable("cannot write the manifest in \(directory): \(error.localizedDescription)")
        }
    }
}
