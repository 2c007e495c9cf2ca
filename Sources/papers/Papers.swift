import ArgumentParser
import PapersCore

/// `papers`: the Papers server and (in later issues) its clients, in one binary.
@main
struct Papers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "papers",
        abstract: "Self-hosted file storage: the server and its clients.",
        version: PapersVersion.string,
        subcommands: [Serve.self]
    )
}
