import ArgumentParser
import Foundation
import PapersClient
import PapersCore

/// `papers find QUERY`: files and folders by name, anywhere but the trash.
struct Find: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find files and folders whose name contains QUERY (any case), anywhere but the trash; folders first, by name.")

    @Option(help: "Only file or folder.") var kind: String?
    @Flag(name: .short, help: "Long format: kind, size, modified, path.") var long = false
    @Flag(help: "One JSON document: {\"query\", \"items\": [node, ...]}.") var json = false
    @OptionGroup var options: ClientOptions
    @Argument(help: "A part of a name, e.g. report.") var query: String

    func validate() throws {
        if let kind, !["file", "folder"].contains(kind) { throw ValidationError("--kind must be file or folder") }
        guard !query.isEmpty else { throw ValidationError("say what to find") }
    }

    struct Output: Encodable {
        var query: String
        var items: [Node]
    }

    func run() async throws {
        try await runReportingFailures {
            let client = try ClientContext.load().client
            var found: [Node] = []
            for try await page in client.search(query, kind: kind) {
                if json {
                    found += page
                } else {
                    for node in page { Console.out(Self.line(node, long: long)) }
                }
            }
            if json { Console.json(Output(query: query, items: found)) }
        }
    }

    static func line(_ node: Node, long: Bool) -> String { List.line(node, long: long, showing: node.path) }
}
