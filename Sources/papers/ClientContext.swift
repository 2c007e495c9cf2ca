import ArgumentParser
import Foundation
import PapersClient
import PapersCore

/// Options every client command shares.
struct ClientOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "No progress bar and no messages on success.")
    var quiet = false
}

/// The saved session and an API client for it.
struct ClientContext {
    let store: SessionStore
    let session: Session
    let client: APIClient

    /// - Throws: `CLIFailure` (exit 4) when nobody is logged in.
    static func load() throws -> ClientContext {
        let store = SessionStore.standard()
        guard let session = store.load() else { throw CLIFailure(.auth, "not logged in: run papers login") }
        return ClientContext(store: store, session: session, client: APIClient(server: session.server, credentials: session.credentials))
    }
}

/// The server a command without a session talks to: `--server`, else `PAPERS_SERVER`, else the saved
/// session's, else the default local server.
func chosenServer(_ option: String?) -> String {
    if let option, !option.isEmpty { return option }
    if let env = ProcessInfo.processInfo.environment["PAPERS_SERVER"], !env.isEmpty { return env }
    if let saved = SessionStore.standard().load()?.server { return saved }
    return "http://127.0.0.1:8080"
}
