import ArgumentParser
import Foundation
import PapersCore
import PapersServer

/// `papers admin backup DIR [--json]`.
struct AdminBackup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy a running (or stopped) server's data into DIR: a database snapshot, every content it uses, the signing key.",
        discussion: """
            DIR must be absent or empty. The content is read after the snapshot and hashed on the way; it stays \
            in the store at least --gc-grace after a file is deleted, so finish within that (default 1h). \
            Exit codes: 0 done, 1 DIR not empty or no database there, 5 content the snapshot uses is missing or \
            damaged (the back-up is not whole; papers admin check names the files), 6 the database or the \
            store does not answer.
            """)

    @OptionGroup var store: AdminStoreOptions
    @Argument(help: "Where to write the back-up (absent or empty).") var directory: String
    @Flag(help: "Print the manifest as JSON.") var json = false

    func run() async throws {
        try await runAdministration {
            let showProgress = !json && Console.stderrIsTerminal
            let path = (directory as NSString).expandingTildeInPath
            let manifest = try await Backup.make(try store.configuration(), into: path, logger: store.logger) { contents, bytes in
                if showProgress, contents % 100 == 0 {
                    FileHandle.standardError.write(Data("\rcopied \(ByteCount.grouped(Int64(contents))) contents (\(ByteCount.human(bytes)))".utf8))
                }
            }
            if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            if json {
                Console.json(manifest)
            } else {
                Console.out(
                    "backed up the \(manifest.database) database and \(ByteCount.grouped(Int64(manifest.contents))) contents "
                        + "(\(ByteCount.human(manifest.bytes)))\(manifest.secretKey ? " and the signing key" : "") into \(path)")
            }
        }
    }
}

/// `papers admin restore DIR --data NEWDIR [--database URL] [--blobs DIR]`.
struct AdminRestore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Bring a back-up back into a new data directory (and, for a PostgreSQL back-up, an empty database).",
        discussion: """
            --data must be absent or empty; a PostgreSQL back-up needs --database postgres://... of an empty \
            database. Every content is hashed again on the way. Then start papers serve with the same --data \
            (and --database). Exit codes: 0 done, 1 bad target or not a back-up, 5 the back-up is damaged, \
            6 the database does not answer or pg_restore failed.
            """)

    @OptionGroup var store: AdminStoreOptions
    @Argument(help: "The back-up folder (made by papers admin backup).") var directory: String

    func run() async throws {
        try await runAdministration {
            guard store.data != nil || ProcessInfo.processInfo.environment["PAPERS_DATA"].map({ !$0.isEmpty }) == true else {
                throw CLIFailure(.usage, "give --data NEWDIR: the data directory to restore into (absent or empty)")
            }
            let path = (directory as NSString).expandingTildeInPath
            let configuration = try store.configuration()
            let manifest = try await Backup.restore(from: path, into: configuration, logger: store.logger)
            Console.out(
                "restored the back-up of \(manifest.createdAt) (\(ByteCount.grouped(Int64(manifest.contents))) contents) into "
                    + "\(configuration.dataDirectory); start it with papers serve --data \(configuration.dataDirectory)"
                    + (configuration.usesPostgres ? " --database ..." : ""))
        }
    }
}
