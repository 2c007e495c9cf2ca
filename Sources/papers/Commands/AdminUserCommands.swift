import ArgumentParser
import Foundation
import PapersCore
import PapersServer

/// `papers admin users ...`: accounts, managed by the server's operator.
struct AdminUsers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "List, add, limit, disable, reset and remove accounts.",
        discussion: """
            Works on the server's own database, stopped or running (give the server's --data or --database). \
            Running servers see a change within a second. Exit codes: 0 done, 1 bad input or no database there, \
            2 no such e-mail, 3 the e-mail is taken, 6 the database does not answer.
            """,
        subcommands: [AdminUsersList.self, AdminUsersAdd.self, AdminUsersQuota.self, AdminUsersDisable.self, AdminUsersEnable.self,
                      AdminUsersResetPassword.self, AdminUsersRemove.self])
}

extension AdminStoreOptions {
    /// The accounts of the database these options name. Throws `AdminFailure`, `ValidationError`.
    func accounts() async throws -> AccountAdministration {
        try await AccountAdministration.open(try configuration(), logger: logger)
    }
}

struct AdminUsersList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List every account with what it stores.")
    @OptionGroup var store: AdminStoreOptions
    @Flag(help: "Print the accounts as JSON.") var json = false

    struct Output: Encodable {
        var id, email, fullname, createdAt: String
        var quotaBytes: Int64?
        var usedBytes, files: Int64
        var disabled: Bool
        enum CodingKeys: String, CodingKey {
            case id, email, fullname, files, disabled
            case createdAt = "created_at", quotaBytes = "quota_bytes", usedBytes = "used_bytes"
        }
        /// Written out with `null` for no quota (the synthesised encoding would leave the key out).
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(email, forKey: .email)
            try c.encode(fullname, forKey: .fullname)
            try c.encode(createdAt, forKey: .createdAt)
            try c.encode(quotaBytes, forKey: .quotaBytes)
            try c.encode(usedBytes, forKey: .usedBytes)
            try c.encode(files, forKey: .files)
            try c.encode(disabled, forKey: .disabled)
        }
    }

    func run() async throws {
        try await runAdministration {
            let accounts = try await store.accounts().list()
            if json {
                Console.json(accounts.map {
                    Output(id: $0.id, email: $0.email, fullname: $0.fullname, createdAt: Timestamp.format(milliseconds: $0.createdMs),
                           quotaBytes: $0.quotaBytes, usedBytes: $0.usedBytes, files: $0.files, disabled: $0.disabled)
                })
                return
            }
            let rows = accounts.map { a in
                [a.email, a.fullname, ByteCount.human(a.usedBytes), a.quotaBytes.map(ByteCount.human) ?? "unlimited", ByteCount.grouped(a.files),
                 a.disabled ? "disabled" : "active", String(Timestamp.format(milliseconds: a.createdMs).prefix(10))]
            }
            let header = ["EMAIL", "NAME", "USED", "QUOTA", "FILES", "STATE", "CREATED"]
            let widths = header.indices.map { i in ([header] + rows).map { $0[i].count }.max()! }
            for row in [header] + rows {
                Console.out(row.indices.map { $0 == row.count - 1 ? row[$0] : row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                    .joined(separator: "  "))
            }
        }
    }
}

/// `unlimited` or a size such as `512M`, `2G` (`--quota`, `users quota`).
func parseQuota(_ text: String) throws -> Int64? {
    if text.lowercased() == "unlimited" { return nil }
    guard let bytes = ConfigValue.size(text) else {
        throw CLIFailure(.usage, "a quota must be a size such as 1048576, 512M, 2G or unlimited, not \(text)")
    }
    return bytes
}

struct AdminUsersAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Create an account (whatever --registration says).")
    @OptionGroup var store: AdminStoreOptions
    @Argument(help: "The account's e-mail address.") var email: String
    @Option(help: "The account's full name.") var fullname: String
    @Flag(name: .customLong("password-stdin"), help: "Read the password from the first line of standard input.") var passwordStdin = false
    @Option(help: "A quota: 512M, 2G, ... or unlimited. Default: the server's --default-quota is not known here, so unlimited.")
    var quota: String?

    func run() async throws {
        try await runAdministration {
            let quotaBytes = try quota.flatMap(parseQuota)
            let password = try readPassword(fromStdin: passwordStdin, prompt: "Password: ")
            let accounts = try await store.accounts()
            let made = try await accounts.add(email: email, fullname: fullname, password: password, quotaBytes: quotaBytes)
            Console.out("added \(made.email) (\(made.id))")
        }
    }
}

struct AdminUsersQuota: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quota", abstract: "Set an account's quota; files over it stay, new uploads are refused.")
    @OptionGroup var store: AdminStoreOptions
    @Argument(help: "The account's e-mail address.") var email: String
    @Argument(help: "512M, 2G, 1T, bytes, or unlimited.") var size: String

    func run() async throws {
        try await runAdministration {
            let bytes = try parseQuota(size)
            try await store.accounts().setQuota(email: email, bytes: bytes)
            Console.out("quota of \(AccountAdministration.canonical(email)): \(bytes.map(ByteCount.human) ?? "unlimited")")
        }
    }
}

struct AdminUsersDisable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable", abstract: "Refuse the account's logins and tokens (within a second on running servers); its files stay.")
    @OptionGroup var store: AdminStoreOptions
    @Argument(help: "The account's e-mail address.") var email: String

    func run() async throws {
        try await runAdministration {
            try await store.accounts().setDisabled(email: email, true)
            Console.out("disabled \(AccountAdministration.canonical(email))")
        }
    }
}

struct AdminUsersEnable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enable", abstract: "Let a disabled account log in again.")
    @OptionGroup var store: AdminStoreOptions
    @Argument(help: "The account's e-mail address.") var email: String

    func run() async throws {
        try await runAdministration {
            try await store.accounts().setDisabled(email: email, false)
            Console.out("enabled \(AccountAdministration.canonical(email))")
        }
    }
}

struct AdminUsersResetPassword: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset-password",
        abstract: "Give an account a new password and end its sessions (app passwords stay; revoke them one by one).")
    @OptionGroup var store: AdminStoreOptions
    @Argument(help: "The account's e-mail address.") var email: String
    @Flag(name: .customLong("password-stdin"), help: "Read the new password from the first line of standard input.") var passwordStdin = false

    func run() async throws {
        try await runAdministration {
            let password = try readPassword(fromStdin: passwordStdin, prompt: "New password: ")
            try await store.accounts().resetPassword(email: email, password: password)
            Console.out("new password for \(AccountAdministration.canonical(email)); its sessions are ended")
        }
    }
}

struct AdminUsersRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Delete an account with all its files, trash, versions, links and app passwords.")
    @OptionGroup var store: AdminStoreOptions
    @Argument(help: "The account's e-mail address.") var email: String
    @Flag(help: "Do not ask (asked only when standard input is a terminal).") var yes = false

    func run() async throws {
        try await runAdministration {
            let accounts = try await store.accounts()
            let account = try await accounts.account(email: email)
            if !yes, Console.stdinIsTerminal {
                let answer = Console.ask(
                    "Delete \(account.email) and its \(ByteCount.grouped(account.files)) files (\(ByteCount.human(account.usedBytes)))? Type yes: ")
                guard answer?.lowercased() == "yes" else { throw CLIFailure(.usage, "nothing deleted") }
            }
            try await accounts.remove(email: account.email)
            Console.out("removed \(account.email) with \(ByteCount.grouped(account.files)) files; their content is collected like any deleted file's")
        }
    }
}
