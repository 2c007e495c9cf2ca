import ArgumentParser
import Foundation
import PapersClient
import PapersCore

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls", abstract: "List a folder (default /), page by page as it arrives; folders first.")

    @Flag(name: .short, help: "Long format: kind, size, modified, name.") var long = false
    @Option(help: "name, size or modified.") var sort: String = "name"
    @Flag(name: .shortAndLong, help: "Reverse the order.") var reverse = false
    @Flag(help: "One JSON document: {\"path\", \"items\": [node, ...]}.") var json = false
    @Argument(help: "A remote folder, e.g. /Work/2026.") var path: String = "/"

    func validate() throws {
        guard SortField(label: sort) != nil else { throw ValidationError("--sort must be name, size or modified") }
    }

    func run() async throws {
        try await runReportingFailures {
            let context = try ClientContext.load()
            let folder = try await context.client.resolve(RemotePath(path))
            if let folder, !folder.isFolder {
                // `ls FILE` lists the file itself, as ls does.
                if json { Console.json(ListOutput(path: folder.path, items: [folder])) } else { Console.out(Self.line(folder, long: long)) }
                return
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            if json {
                let header = String(decoding: try encoder.encode(folder?.path ?? "/"), as: UTF8.self)
                FileHandle.standardOutput.write(Data("{\"path\":\(header),\"items\":[".utf8))
            }
            var first = true
            let field = SortField(label: sort) ?? .name
            for try await page in context.client.children(of: folder?.id, sort: field, order: reverse ? .desc : .asc) {
                for node in page {
                    if json {
                        let item = String(decoding: try encoder.encode(node), as: UTF8.self)
                        FileHandle.standardOutput.write(Data(((first ? "" : ",") + "\n" + item).utf8))
                    } else {
                        Console.out(Self.line(node, long: long))
                    }
                    first = false
                }
            }
            if json { FileHandle.standardOutput.write(Data("\n]}\n".utf8)) }
        }
    }

    struct ListOutput: Encodable {
        var path: String
        var items: [Node]
    }

    /// A node's line: its name (or, for search results, its path) with `/` after a folder; with
    /// `long`, kind, size and modified date before it.
    static func line(_ node: Node, long: Bool, showing shown: String? = nil) -> String {
        let name = (shown ?? node.name) + (node.isFolder ? "/" : "")
        guard long else { return name }
        let size = ByteCount.human(node.size).padding(toLength: 10, withPad: " ", startingAt: 0)
        let modified = String(node.dateModified.prefix(16)).replacingOccurrences(of: "T", with: " ")
        return "\(node.isFolder ? "d" : "-")  \(size) \(modified)  \(name)"
    }
}

struct Stat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show every property of a file or folder.")

    @Flag(help: "The node as JSON.") var json = false
    @Argument(help: "A remote path.") var path: String

    func run() async throws {
        try await runReportingFailures {
            let context = try ClientContext.load()
            guard let node = try await context.client.resolve(RemotePath(path)) else {
                throw CLIFailure(.usage, "/ is your root folder; it has no properties of its own")
            }
            if json {
                Console.json(node)
                return
            }
            let rows: [(String, String)] = [
                ("Name", node.name), ("Path", node.path), ("Kind", node.isFolder ? "folder" : "file · \(node.mimeType)"),
                ("Size", "\(ByteCount.human(node.size)) (\(ByteCount.grouped(node.size)) bytes)"), ("SHA-256", node.sha256 ?? "-"), ("ID", node.id),
                ("Parent", node.parentId ?? "(root)"), ("Created", node.dateCreated), ("Modified", node.dateModified), ("ETag", node.etag),
            ]
            for (key, value) in rows { Console.out(key.padding(toLength: 10, withPad: " ", startingAt: 0) + value) }
        }
    }
}
