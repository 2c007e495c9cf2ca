import ArgumentParser
import Foundation
import PapersClient
import PapersCore

/// `papers trash ls|restore|rm|empty`.
struct Trash: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What was deleted: list it, put it back, or delete it for good.",
        discussion: """
            Items are named by the path they were deleted from (the newest deletion of that path when
            there are several) or by their id, as `papers trash ls` shows them. The server deletes
            items for good after its --trash-days (default 30).
            """,
        subcommands: [TrashList.self, TrashRestore.self, TrashRemove.self, TrashEmpty.self])
}

struct TrashList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List the trash, newest first.")

    @Flag(help: "{\"items\": [trash item, ...]} as JSON.") var json = false
    @OptionGroup var options: ClientOptions

    struct Output: Encodable { var items: [TrashItem] }

    func run() async throws {
        try await runReportingFailures {
            let items = try await ClientContext.load().client.trash()
            if json {
                Console.json(Output(items: items))
                return
            }
            for item in items {
                let deleted = String(item.deletedAt.prefix(16)).replacingOccurrences(of: "T", with: " ")
                let size = ByteCount.human(item.node.size).padding(toLength: 10, withPad: " ", startingAt: 0)
                Console.out("\(deleted)  \(size) \(item.originalPath)\(item.node.isFolder ? "/" : "")  \(item.node.id)")
            }
            if items.isEmpty, !options.quiet { Console.out("the trash is empty") }
        }
    }
}

struct TrashRestore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Put an item back where it was (in the root when that folder is gone).")

    @Flag(help: "When its name is taken there, restore it as NAME (1).ext instead of failing.") var rename = false
    @Flag(help: "The restored node as JSON.") var json = false
    @OptionGroup var options: ClientOptions
    @Argument(help: "The path it was deleted from, or its id.") var item: String

    func run() async throws {
        try await runReportingFailures {
            let client = try ClientContext.load().client
            let found = try await TrashItem.find(item, client: client)
            let node = try await client.restore(trashed: found.node.id, onConflict: rename ? .rename : .fail)
            if json { Console.json(node) } else if !options.quiet { Console.out("restored \(node.path)\(node.isFolder ? "/" : "")") }
        }
    }
}

struct TrashRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Delete one item of the trash for good.")

    @Flag(help: "{\"deleted\": original path} as JSON.") var json = false
    @OptionGroup var options: ClientOptions
    @Argument(help: "The path it was deleted from, or its id.") var item: String

    func run() async throws {
        try await runReportingFailures {
            let client = try ClientContext.load().client
            let found = try await TrashItem.find(item, client: client)
            try await client.erase(trashed: found.node.id)
            if json { Console.json(["deleted": found.originalPath]) } else if !options.quiet { Console.out("deleted \(found.originalPath) for good") }
        }
    }
}

struct TrashEmpty: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "empty", abstract: "Delete everything in the trash for good.")

    @Flag(help: "Do not ask (needed when standard input is not a terminal).") var yes = false
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runReportingFailures {
            let client = try ClientContext.load().client
            if !yes {
                guard Console.stdinIsTerminal else { throw CLIFailure(.usage, "papers trash empty deletes for good: add --yes to do it without asking") }
                FileHandle.standardError.write(Data("Delete everything in the trash for good? [y/N] ".utf8))
                guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else { throw CLIFailure(.usage, "nothing deleted") }
            }
            try await client.emptyTrash()
            if !options.quiet { Console.out("the trash is empty") }
        }
    }
}

extension TrashItem {
    /// The trash item `name` names: an id, or the path it was deleted from (the newest such).
    /// - Throws: `CLIFailure(.notFound)` when nothing in the trash answers to it.
    static func find(_ name: String, client: APIClient) async throws -> TrashItem {
        let items = try await client.trash()
        if let byId = items.first(where: { $0.node.id == name }) { return byId }
        let path = RemotePath(name).description
        guard let byPath = items.first(where: { $0.originalPath == path }) else {
            throw CLIFailure(.notFound, "nothing in the trash was deleted from \(path) (papers trash ls lists it)")
        }
        return byPath
    }
}
