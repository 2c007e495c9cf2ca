import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PapersClient
import PapersServer
import PapersTUI
import Synchronization

/// `papers` / `papers tui`: the two-pane terminal file manager.
struct TUI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tui",
        abstract: "The terminal file manager (the default command).",
        discussion: """
            With no --server (and no PAPERS_SERVER), it uses the saved session's server (retrying while it does
            not answer); with no session, or one made with the bundled server, it starts the bundled server on a
            free loopback port over the data directory ($XDG_DATA_HOME/papers) and talks to it over HTTP.
            Keys: $XDG_CONFIG_HOME/papers/keys.toml. Themes: default, light, monochrome, high-contrast, or a path.
            """)

    @Option(help: "Server URL, e.g. http://files.example.com:8080.") var server: String?
    @Option(name: .customLong("ca-file"), help: "Trust the certificate authorities in this PEM file for an https:// server.") var caFile: String?
    @Option(help: "Theme name or path to a .toml (NO_COLOR selects monochrome).") var theme: String?
    @Option(help: "Data directory of the bundled server (default $XDG_DATA_HOME/papers).") var data: String?
    @Option(help: "Files a folder transfer sends at once, 1 to 16 (default 4).") var transfers = 4

    func validate() throws {
        guard (1...16).contains(transfers) else { throw ValidationError("--transfers must be 1 to 16, not \(transfers)") }
    }

    func run() async throws {
        if let caFile { TLSTrust.use(caFile: caFile) }
        // Without a terminal there is no one to read keys from (reading /dev/null spun at 99 % CPU).
        guard isatty(0) == 1, isatty(1) == 1 else {
            Console.error("standard \(isatty(0) == 1 ? "output" : "input") is not a terminal (papers tui needs one; see papers --help for the scriptable commands)")
            throw ExitCode(CLIExit.usage.rawValue)
        }
        let environment = ProcessInfo.processInfo.environment
        let chosenTheme: Theme
        let keyMap: KeyMap
        do {
            chosenTheme = try Theme.select(requested: theme, environment: environment)
            keyMap = try KeyMap.load(path: SessionStore.configDirectory() + "/keys.toml")
        } catch {
            Console.error("\(error)")
            throw ExitCode(CLIExit.usage.rawValue)
        }
        let store = SessionStore.standard()
        var session = store.load()
        var url = server ?? environment["PAPERS_SERVER"].flatMap { $0.isEmpty ? nil : $0 }
        var bundled: BundledServer?
        if let given = url {
            if session.map({ APIClient(server: $0.server).server }) != APIClient(server: given).server { session = nil }
        } else if let saved = session, saved.bundledData == nil {
            // A server that runs on its own: used whether or not it answers now (the TUI says it is
            // unreachable and retries); never swapped for the bundled one.
            url = saved.server
        } else {
            let directory = data ?? session?.bundledData ?? ServerConfiguration.defaultDataDirectory()
            let started = try await BundledServer.start(dataDirectory: directory)
            bundled = started
            url = started.url
            // The bundled server keeps its signing key in its data directory, so a session made with
            // it (on an earlier port) is still valid; only such a session follows it to the new port.
            if let saved = session, saved.bundledData == directory {
                session?.server = started.url
                try? store.save(session!)
            } else {
                session = nil
            }
        }
        var state = AppState(
            session: session, server: url ?? "", localPath: FileManager.default.currentDirectoryPath, keyMap: keyMap,
            bundledData: bundled?.dataDirectory, place: session.flatMap { PlaceStore(besides: store).load(for: $0) })
        state.parallelism = transfers
        let runtime = Runtime(terminal: NcursesTerminal(), theme: chosenTheme, state: state, sessionStore: store)
        let stoppedBy = Mutex<Int32?>(nil)
        let signals = [SIGTERM, SIGINT, SIGHUP].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                stoppedBy.withLock { $0 = $0 ?? number }
                runtime.requestStop()
            }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        let outcome: Result<AppState, any Error> = await withCheckedContinuation { continuation in
            Thread {
                continuation.resume(returning: Result { try runtime.run() })
            }.start()
        }
        await bundled?.stop()
        do {
            _ = try outcome.get()
        } catch {
            Console.error("\(error)")
            throw ExitCode(CLIExit.localIO.rawValue)
        }
        // Stopped by a signal: the shell's convention, 128 + its number (143 for SIGTERM).
        if let number = stoppedBy.withLock({ $0 }) { throw ExitCode(128 + number) }
    }

}

/// The server started inside the TUI's process, on a free loopback port, silent (its log would
/// draw over the screen).
struct BundledServer {
    let url: String
    let dataDirectory: String
    let task: Task<Void, any Error>

    static func start(dataDirectory: String) async throws -> BundledServer {
        var configuration = ServerConfiguration(dataDirectory: dataDirectory)
        configuration.port = 0
        configuration.logLevel = .critical
        var logger = Logger(label: "papers-bundled")
        logger.logLevel = .critical
        if let key = ProcessInfo.processInfo.environment["PAPERS_SECRET_KEY"], !key.isEmpty { configuration.secretKey = Array(key.utf8) }
        let dependencies = try await AppDependencies.open(configuration, logger: logger)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = buildApplication(dependencies, logger: logger) { port in continuation.yield(port) }
        let task = Task { try await app.run() }
        var port = 0
        for await value in ports {
            port = value
            break
        }
        return BundledServer(url: "http://127.0.0.1:\(port)", dataDirectory: dataDirectory, task: task)
    }

    func stop() async {
        task.cancel()
        _ = await task.result
    }
}
