import ArgumentParser
import Foundation
import Logging
import PapersServer

/// Where `papers admin` finds the server's data: the same `--data`, `--database` and `--blobs` (and
/// `PAPERS_*` variables) as `papers serve`.
struct AdminStoreOptions: ParsableArguments {
    @Option(help: "Data directory (PAPERS_DATA). Default $XDG_DATA_HOME/papers or ~/.local/share/papers.")
    var data: String?

    @Option(help: "The server's database: a SQLite path or postgres://... (PAPERS_DATABASE_URL). Default DATA/papers.sqlite.")
    var database: String?

    @Option(help: "Where the server keeps file contents: a folder or s3://bucket/prefix (PAPERS_BLOBS_URL). Default DATA/blobs.")
    var blobs: String?

    /// The configuration `papers serve` would have with these options.
    /// - Throws: `ValidationError` for a malformed value.
    func configuration(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServerConfiguration {
        var arguments: [String] = []
        if let data { arguments += ["--data", data] }
        if let database { arguments += ["--database", database] }
        if let blobs { arguments += ["--blobs", blobs] }
        return try Serve.parse(arguments).resolvedConfiguration(environment: environment)
    }

    /// A logger that says only what went wrong (the commands print their own results).
    var logger: Logger {
        var logger = Logger(label: "papers")
        logger.logLevel = .error
        return logger
    }
}

/// Runs an admin command: a `Failure` becomes one line on stderr and its exit code (an unknown
/// e-mail 2, a taken one 3, bad input or a missing database 1, a back-up that cannot be made whole
/// or restored intact 5, a database that does not answer 6).
func runAdministration(_ body: () async throws -> Void) async throws {
    try await runReportingFailures {
        do {
            try await body()
        } catch let failure as AdminFailure {
            switch failure {
            case .unknownEmail: throw CLIFailure(.notFound, failure.description)
            case .emailTaken: throw CLIFailure(.conflict, failure.description)
            case .invalid, .noDatabase: throw CLIFailure(.usage, failure.description)
            case .unavailable: throw CLIFailure(.server, failure.description)
            case .incomplete: throw CLIFailure(.problemsRemain, failure.description)
            }
        }
    }
}
