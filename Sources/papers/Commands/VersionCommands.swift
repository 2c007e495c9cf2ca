import ArgumentParser
import Foundation
import PapersClient
import PapersCore

/// `papers versions PATH` and `papers restore-version PATH N`.
struct Versions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A file's versions, newest first: the current content and what it replaced.",
        discussion: "papers get PATH --version N downloads one; papers restore-version PATH N makes it current again.")

    @Flag(help: "{\"path\", \"items\": [version, ...]} as JSON.") var json = false
    @OptionGroup var options: ClientOptions
    @Argument(help: "A remote file.") var path: String

    struct Output: Encodable {
        var path: String
        var items: [FileVersionInfo]
    }

    func run() async throws {
        try await runReportingFailures {
            let client = try ClientContext.load().client
            let file = try await client.resolveFile(path)
            let versions = try await client.versions(of: file.id)
            if json {
                Console.json(Output(path: file.path, items: versions))
                return
            }
            for version in versions {
                let modified = String(version.dateModified.prefix(16)).replacingOccurrences(of: "T", with: " ")
                let size = ByteCount.human(version.size).padding(toLength: 10, withPad: " ", startingAt: 0)
                let number = String(version.version).padding(toLength: 6, withPad: " ", startingAt: 0)
                Console.out("\(number)\(modified)  \(size) \(version.sha256.prefix(12))\(version.current ? "  (current)" : "")")
            }
        }
    }
}

struct RestoreVersion: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore-version", abstract: "Make version N a file's current content (the present content is kept as a version).")

    @Flag(help: "The file as JSON.") var json = false
    @OptionGroup var options: ClientOptions
    @Argument(help: "A remote file.") var path: String
    @Argument(help: "The version, as papers versions lists them.") var version: Int64

    func validate() throws {
        guard version >= 1 else { throw ValidationError("a version is a whole number from 1") }
    }

    func run() async throws {
        try await runReportingFailures {
            let client = try ClientContext.load().client
            let file = try await client.resolveFile(path)
            let restored = try await client.restore(version: version, of: file.id)
            if json {
                Console.json(restored)
            } else if !options.quiet {
                Console.out("\(restored.path): version \(version) is current again (\(ByteCount.human(restored.size)))")
            }
        }
    }
}

extension APIClient {
    /// The file a path names.
    /// - Throws: `CLIFailure(.usage)` for the root or a folder; `ClientError` when it is missing.
    func resolveFile(_ path: String) async throws -> Node {
        guard let node = try await resolve(RemotePath(path)), !node.isFolder else {
            throw CLIFailure(.usage, "\(RemotePath(path)) is a folder; only files have versions")
        }
        return node
    }
}
