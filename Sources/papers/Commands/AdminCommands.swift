import ArgumentParser
import Foundation
import Logging
import PapersCore
import PapersServer

/// `papers admin`: operator tasks on a server's data, run on the server's machine.
struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin", abstract: "Operator tasks on a server's data (run them where the data is).",
        subcommands: [AdminUsers.self, AdminCheck.self, AdminBackup.self, AdminRestore.self, AdminExport.self, AdminMigrate.self])
}

/// `papers admin migrate --to postgres://...`: moves a data directory's SQLite metadata into PostgreSQL.
struct AdminMigrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy the SQLite database into an empty PostgreSQL database.",
        discussion: """
            Stop every server on the data directory first. Accounts, files and folders (ids, versions and \
            etags kept), content references and unexpired logouts are copied in one transaction: all or \
            nothing. The blobs stay where they are; start the servers with --database postgres://... and the \
            same --data (or --blobs). Exit codes: 0 copied, 1 refused (nothing copied).
            """)

    @Option(help: "Data directory (PAPERS_DATA). Default $XDG_DATA_HOME/papers or ~/.local/share/papers.")
    var data: String?

    @Option(help: "The SQLite database to copy: a path or sqlite:PATH. Default DATA/papers.sqlite.")
    var database: String?

    @Option(help: "The PostgreSQL database to fill: postgres://USER:PASSWORD@HOST:PORT/DB[?sslmode=...]. It must hold no accounts.")
    var to: String

    func run() async throws {
        var source = ServerConfiguration(dataDirectory: (ServerConfiguration.dataDirectory(option: data) as NSString).expandingTildeInPath)
        if let database {
            guard case .sqlite(let path) = ConfigValue.database(database) else {
                throw ValidationError("--database must be the SQLite database to copy (a path or sqlite:PATH), not \(database)")
            }
            source.database = .sqlite(path: (path as NSString).expandingTildeInPath)
        }
        guard case .postgres(let url) = ConfigValue.database(to) else {
            throw ValidationError("--to must be a postgres:// or postgresql:// URL, not \(to)")
        }
        var logger = Logger(label: "papers")
        logger.logLevel = .warning
        do {
            let summary = try await StoreMigration.copy(sqlitePath: source.sqlitePath, to: url, logger: logger)
            print("papers admin migrate: \(summary) from \(source.sqlitePath)")
        } catch {
            var target = source
            target.database = .postgres(url: url)
            FileHandle.standardError.write(Data("papers admin migrate: \(AppDependencies.describeOpenFailure(error, target))\n".utf8))
            throw ExitCode(CLIExit.usage.rawValue)
        }
    }
}
