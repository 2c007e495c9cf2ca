import ArgumentParser
import Foundation
import PapersClient
import PapersCore

/// `papers app-password create|ls|rm`.
struct AppPasswordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app-password",
        abstract: "Passwords for WebDAV clients (Finder, Explorer, GNOME Files, rclone, phones), one per device.",
        discussion: """
            An app password opens the server's /dav/ with your e-mail address as the user name; it
            cannot log in to the API. It is shown once, when made; revoke it here when the device is gone.
            """,
        subcommands: [AppPasswordCreate.self, AppPasswordList.self, AppPasswordRemove.self])
}

struct AppPasswordCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Make an app password and print it (this once).")

    @Flag(help: "{\"id\", \"name\", \"password\", \"date_created\", \"webdav\"} as JSON.") var json = false
    @OptionGroup var options: ClientOptions
    @Argument(help: "What it is for, such as \"Laptop (Finder)\".") var name: String

    struct Output: Encodable {
        var id, name, password: String
        var dateCreated: String
        var webdav: String
        enum CodingKeys: String, CodingKey {
            case id, name, password, webdav
            case dateCreated = "date_created"
        }
    }

    func run() async throws {
        try await runReportingFailures {
            let client = try ClientContext.load().client
            let made = try await client.createAppPassword(name: name)
            if json {
                Console.json(Output(id: made.id, name: made.name, password: made.password, dateCreated: made.dateCreated, webdav: client.webDAVAddress))
                return
            }
            Console.out(made.password)
            if !options.quiet {
                Console.error("app password \"\(made.name)\" made; it is not shown again. Connect to \(client.webDAVAddress) with your e-mail address and it.")
            }
        }
    }
}

struct AppPasswordList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List your app passwords (never their secrets).")

    @Flag(help: "{\"items\": [{\"id\", \"name\", \"date_created\"}, ...]} as JSON.") var json = false
    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runReportingFailures {
            let items = try await ClientContext.load().client.appPasswords()
            if json {
                Console.json(PapersCore.AppPasswordList(items: items))
                return
            }
            for item in items {
                let made = String(item.dateCreated.prefix(16)).replacingOccurrences(of: "T", with: " ")
                Console.out("\(made)  \(item.id)  \(item.name)")
            }
            if items.isEmpty, !options.quiet { Console.out("no app passwords") }
        }
    }
}

struct AppPasswordRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Revoke an app password: its next use is refused.")

    @Flag(help: "{\"revoked\": id} as JSON.") var json = false
    @OptionGroup var options: ClientOptions
    @Argument(help: "Its id, or its name when no other has it.") var item: String

    func run() async throws {
        try await runReportingFailures {
            let client = try ClientContext.load().client
            let all = try await client.appPasswords()
            let named = all.filter { $0.name == item }
            let found: AppPassword
            if let byId = all.first(where: { $0.id == item }) {
                found = byId
            } else if named.count == 1 {
                found = named[0]
            } else if named.count > 1 {
                throw CLIFailure(.usage, "\(named.count) app passwords are named \"\(item)\": give the id (papers app-password ls)")
            } else {
                throw CLIFailure(.notFound, "no app password \"\(item)\" (papers app-password ls lists them)")
            }
            try await client.deleteAppPassword(id: found.id)
            if json { Console.json(["revoked": found.id]) } else if !options.quiet { Console.out("revoked \"\(found.name)\"") }
        }
    }
}
