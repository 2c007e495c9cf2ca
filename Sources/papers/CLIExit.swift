import ArgumentParser
import Foundation
import PapersClient

/// The documented exit codes of the client commands.
enum CLIExit: Int32 {
    case ok = 0
    case usage = 1
    case notFound = 2
    case conflict = 3
    case auth = 4
    case network = 5
    case server = 6
    case localIO = 7

    /// `papers admin check` / `backup` / `restore`: problems remain (damaged or missing content). They
    /// reach no server, so the client commands' 5 (no answer) never arises there.
    static let problemsRemain = CLIExit.network

    /// The exit code for a client error: 404 → 2, 409 → 3, 401/403 → 4, no answer → 5, 400 → 1, other
    /// refusals and 5xx → 6, local files → 7.
    static func of(_ error: ClientError) -> CLIExit {
        switch error {
        case .sessionExpired: return .auth
        case .network: return .network
        case .localIO: return .localIO
        case .cancelled: return .localIO
        case .localConflict: return .conflict
        case .integrity, .badResponse: return .server
        case .server(let status, _, _):
            switch status {
            case 404: return .notFound
            case 409: return .conflict
            case 401, 403: return .auth
            case 400, 405, 415, 416: return .usage
            default: return .server
            }
        }
    }
}

/// A command failure: one line on stderr, then the exit code.
struct CLIFailure: Error {
    var exit: CLIExit
    var message: String

    init(_ exit: CLIExit, _ message: String) {
        self.exit = exit
        self.message = message
    }

    init(_ error: ClientError) {
        exit = CLIExit.of(error)
        switch error {
        case .sessionExpired(let serverMessage): message = "\(serverMessage) (run papers login)"
        case .localConflict: message = error.description + " (use --on-conflict skip, rename or overwrite)"
        case .network:
            message = error.description
            if let saved = SessionStore.standard().load(), let data = saved.bundledData {
                message += " — the session is with the bundled server at \(saved.server), which runs only while `papers` (the TUI) is open;"
                    + " start `papers`, or run `papers serve --data \(data)` and `papers login`"
            }
        default: message = error.description
        }
    }
}

/// Runs a command body, turning failures into one line on stderr and the documented exit code.
func runReportingFailures(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let failure as CLIFailure {
        Console.error(failure.message)
        throw ExitCode(failure.exit.rawValue)
    } catch let error as ClientError {
        let failure = CLIFailure(error)
        Console.error(failure.message)
        throw ExitCode(failure.exit.rawValue)
    }
}

/// Writing to the terminal and to pipes.
enum Console {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data("papers: \(message)\n".utf8))
    }

    static func out(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }
    static var stdinIsTerminal: Bool { isatty(0) == 1 }

    /// Encodes one JSON document on stdout.
    static func json(_ value: some Encodable) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("null".utf8)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }

    /// Reads a line without echo when stdin is a terminal.
    static func secret(prompt: String) -> String? {
        guard stdinIsTerminal else { return readLine(strippingNewline: true) }
        FileHandle.standardError.write(Data(prompt.utf8))
        var old = termios()
        tcgetattr(0, &old)
        var silent = old
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(0, TCSANOW, &silent)
        defer {
            tcsetattr(0, TCSANOW, &old)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return readLine(strippingNewline: true)
    }

    static func ask(_ prompt: String) -> String? {
        FileHandle.standardError.write(Data(prompt.utf8))
        return readLine(strippingNewline: true)
    }
}
