import ArgumentParser
import Foundation
import PapersClient
import PapersCore

extension ShareDuration: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// `papers share PATH [--expires 7d] [--password-stdin]`.
struct ShareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share", abstract: "Make a link to a file or folder for someone without an account, and print its URL.",
        discussion: """
            The URL is shown this once (the server keeps only a hash of it). A folder's link opens
            everything inside it and nothing above it. papers shares ls lists links; papers shares rm revokes one.
            """)

    @Flag(help: "The new link as JSON, with \"url\".") var json = false
    @OptionGroup var options: ClientOptions
    @Option(help: "How long the link works: 30m, 12h, 7d, 2w (default: until revoked).") var expires: ShareDuration?
    @Flag(name: .customLong("password-stdin"), help: "Ask visitors for a password, read from the first line of standard input.")
    var passwordStdin = false
    @Argument(help: "A remote file or folder.") var path: String

    struct Output: Encodable {
        var share: NewShare
        var url: String
        func encode(to encoder: any Encoder) throws {
            try share.encode(to: encoder)
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(url, forKey: .url)
        }
        enum Key: String, CodingKey { case url }
    }

    func run() async throws {
        try await runReportingFailures {
            var password: String?
            if passwordStdin {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw CLIFailure(.usage, "no password given") }
                password = line
            }
            let client = try ClientContext.load().client
            guard let node = try await client.resolve(RemotePath(path)) else {
                throw CLIFailure(.usage, "the root folder cannot be shared; share a folder in it")
            }
            let made = try await client.createShare(nodeId: node.id, expiresAt: expires.map { Date().addingTimeInterval($0.seconds) }, password: password)
            let url = client.shareURL(made.urlPath)
            if json {
                Console.json(Output(share: made, url: url))
                return
            }
            Console.out(url)
            if !options.quiet {
                let until = made.expiresAt.map { " until \(String($0.prefix(16)).replacingOccurrences(of: "T", with: " ")) UTC" } ?? ""
                Console.error("link to \(node.path) made\(until)\(made.hasPassword ? ", with a password" : ""); the URL is not shown again.")
            }
        }
    }
}

/// `papers shares ls|rm`.
struct SharesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shares", abstract: "Your share links: list them, revoke one.", subcommands: [SharesList.self, SharesRemove.self])
}

struct SharesList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List your share links (newest first; never their URLs).")

    @Flag(help: "{\"items\": [share, ...]} as JSON.") var json = false
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runReportingFailures {
            let items = try await ClientContext.load().client.shares()
            if json {
                Console.json(SharePage(items: items, nextCursor: nil))
                return
            }
            let now = Timestamp.format(Date())
            for item in items {
                let made = String(item.dateCreated.prefix(16)).replacingOccurrences(of: "T", with: " ")
                var state = item.expiresAt.map { $0 <= now ? "expired" : "until " + String($0.prefix(10)) } ?? "no expiry"
                if item.hasPassword { state += ", password" }
                let name = item.name + (item.isFolder ? "/" : "")
                Console.out("\(made)  \(item.id)  \(name)  (\(state); \(item.downloads) downloads)")
            }
            if items.isEmpty, !options.quiet { Console.out("no share links") }
        }
    }
}

struct SharesRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Revoke a share link: it stops working at once.")

    @Flag(help: "{\"revoked\": id} as JSON.") var json = false
    @OptionGroup var options: ClientOptions
    @Argument(help: "Its id (papers shares ls).") var id: String

    func run() async throws {
        try await runReportingFailures {
            let client = try ClientContext.load().client
            do {
                try await client.deleteShare(id: id)
            } catch ClientError.server(status: 404, _, _) {
                throw CLIFailure(.notFound, "no share link \"\(id)\" (papers shares ls lists them)")
            }
            if json { Console.json(["revoked": id]) } else if !options.quiet { Console.out("revoked \(id)") }
        }
    }
}
