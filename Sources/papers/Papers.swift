import ArgumentParser
import Foundation
import PapersClient
import PapersCore
import PapersServer

/// `papers`: the Papers server and its scriptable client commands, in one binary.
@main
struct Papers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "papers",
        abstract: "Self-hosted file storage: the server and its clients.",
        discussion: "Exit codes: 0 ok, 1 usage error, 2 not found, 3 conflict, 4 not logged in or session expired, 5 network, 6 server error, 7 local I/O.",
        version: PapersVersion.string,
        subcommands: [
            TUI.self, Serve.self, Admin.self, Register.self, Login.self, Logout.self, WhoAmI.self, List.self, Stat.self, Put.self, Get.self, MakeFolder.self,
            Move.self, Remove.self, Trash.self, Versions.self, RestoreVersion.self, Find.self, AppPasswordCommand.self, ShareCommand.self, SharesCommand.self, TUIBench.self,
        ],
        defaultSubcommand: TUI.self
    )

    /// Parses and runs like ArgumentParser does, but with the documented exit codes: a usage error is 1.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if command is Serve { EventLoopExecutor.install() }
            // The CAs an https:// server is checked against: PAPERS_CA_FILE, else the session's --ca-file.
            let caFile = ProcessInfo.processInfo.environment["PAPERS_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 }
            TLSTrust.use(caFile: caFile ?? SessionStore.standard().load()?.caFile)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            let exitCode = Self.exitCode(for: error)
            if exitCode == .success {
                print(Self.fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((Self.fullMessage(for: error) + "\n").utf8))
            Foundation.exit(CLIExit.usage.rawValue)
        }
    }
}
