import ArgumentParser
import Foundation
import PapersClient
import PapersCore

struct MakeFolder: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mkdir", abstract: "Make a folder.")

    @Flag(name: .short, help: "Make missing parents too; an existing folder is not an error.") var parents = false
    @Flag(help: "The folder as JSON.") var json = false
    @OptionGroup var options: ClientOptions
    @Argument(help: "A remote path, e.g. /Work/2026.") var path: String

    func run() async throws {
        try await runReportingFailures {
            let client = try ClientContext.load().client
            let target = RemotePath(path)
            guard let name = target.name else { throw CLIFailure(.conflict, "/ exists") }
            let folder: Node
            if parents {
                var current: Node?
                for component in target.components {
                    current = try await client.folder(named: component, in: current?.id)
                }
                folder = current!
            } else {
                let parent = try await client.resolve(target.parent)
                folder = try await client.createFolder(name: name, in: parent?.id)
            }
            if json { Console.json(folder) } else if !options.quiet { Console.out(folder.path + "/") }
        }
    }
}

struct Move: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mv", abstract: "Rename or move a file or folder.",
        discussion: "If DST is an existing folder (or ends with /), SRC moves into it; otherwise SRC takes DST's path and name.")

    @Flag(help: "The moved node as JSON.") var json = false
    @OptionGroup var options: ClientOptions
    @Argument(help: "What to move.") var source: String
    @Argument(help: "Where to.") var destination: String

    func run() async throws {
        try await runReportingFailures {
            let client = try ClientContext.load().client
            guard let node = try await client.resolve(RemotePath(source)) else { throw CLIFailure(.usage, "cannot move /") }
            let moved = try await client.move(node, to: RemotePath(destination))
            if json { Console.json(moved) } else if !options.quiet { Console.out("\(node.path) → \(moved.path)") }
        }
    }
}

struct Remove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Move a file, or a folder and everything in it with -r, to the trash (--permanent: delete for good).",
        discussion: "papers trash ls shows what is there; papers trash restore puts it back.")

    @Flag(name: .short, help: "Folders and everything in them.") var recursive = false
    @Flag(help: "Delete for good, without the trash.") var permanent = false
    @Flag(help: "{\"trashed\": path} (or {\"deleted\": path} with --permanent) as JSON.") var json = false
    @OptionGroup var options: ClientOptions
    @Argument(help: "A remote path.") var path: String

    func run() async throws {
        try await runReportingFailures {
            let client = try ClientContext.load().client
            guard let node = try await client.resolve(RemotePath(path)) else { throw CLIFailure(.usage, "refusing to delete /") }
            if node.isFolder, !recursive { throw CLIFailure(.usage, "\(node.path) is a folder: use -r") }
            try await client.delete(id: node.id, permanent: permanent)
            if json {
                Console.json([permanent ? "deleted" : "trashed": node.path])
            } else if !options.quiet {
                Console.out(permanent ? "deleted \(node.path) for good" : "moved \(node.path) to the trash")
            }
        }
    }
}
