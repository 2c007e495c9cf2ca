import ArgumentParser
import Foundation
import PapersClient
import PapersCore

/// Reads the password: from stdin's first line with `--password-stdin`, else prompted without echo.
func readPassword(fromStdin: Bool, prompt: String) throws -> String {
    let password = fromStdin ? readLine(strippingNewline: true) : Console.secret(prompt: prompt)
    guard let password, !password.isEmpty else { throw CLIFailure(.usage, "no password given") }
    return password
}

struct Register: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create an account on a server (then log in with papers login).")

    @Option(help: "Server URL (default: PAPERS_SERVER, the saved session's, or http://127.0.0.1:8080).") var server: String?
    @Option(help: "Your full name.") var fullname: String?
    @Option(help: "Your e-mail address.") var email: String?
    @Flag(name: .customLong("password-stdin"), help: "Read the password from the first line of standard input.") var passwordStdin = false
    @Flag(help: "Print the answer as JSON.") var json = false

    func run() async throws {
        try await runReportingFailures {
            guard let fullname = fullname ?? Console.ask("Full name: "), !fullname.isEmpty else { throw CLIFailure(.usage, "no full name given") }
            guard let email = email ?? Console.ask("E-mail: "), !email.isEmpty else { throw CLIFailure(.usage, "no e-mail given") }
            let password = try readPassword(fromStdin: passwordStdin, prompt: "Password: ")
            let confirmation = passwordStdin ? password : try readPassword(fromStdin: false, prompt: "Confirm password: ")
            let client = APIClient(server: chosenServer(server))
            let answer = try await client.register(fullname: fullname, email: email, password: password, passwordConfirmation: confirmation)
            if json { Console.json(answer) } else { Console.out("\(answer.message) (id \(answer.id))") }
        }
    }
}

struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Log in and keep the session for the other commands and the TUI.")

    @Option(help: "Server URL (default: PAPERS_SERVER, the saved session's, or http://127.0.0.1:8080).") var server: String?
    @Option(help: "Your e-mail address.") var email: String?
    @Flag(name: .customLong("password-stdin"), help: "Read the password from the first line of standard input.") var passwordStdin = false
    @Flag(help: "Print the session (without the token) as JSON.") var json = false
    @Option(name: .customLong("ca-file"), help: "Trust the certificate authorities in this PEM file for an https:// server (saved in the session).")
    var caFile: String?

    func run() async throws {
        try await runReportingFailures {
            if let caFile { TLSTrust.use(caFile: caFile) }
            let url = chosenServer(server)
            guard let email = email ?? Console.ask("E-mail: "), !email.isEmpty else { throw CLIFailure(.usage, "no e-mail given") }
            let password = try readPassword(fromStdin: passwordStdin, prompt: "Password: ")
            let client = APIClient(server: url)
            let answer: LoginResponse
            do {
                answer = try await client.login(email: email, password: password)
            } catch let error as ClientError {
                // Wrong credentials: the server's own words, without "run papers login".
                if case .sessionExpired(let message) = error { throw CLIFailure(.auth, message) }
                throw error
            }
            let session = Session(
                server: client.server, email: email.trimmingCharacters(in: .whitespaces).lowercased(), token: answer.token,
                userId: answer.userId, expiresAt: answer.expiresAt, caFile: TLSTrust.caFile)
            try SessionStore.standard().save(session)
            if json {
                Console.json(["server": session.server, "email": session.email, "user_id": session.userId, "expires_at": session.expiresAt])
            } else {
                Console.out("Logged in to \(session.server) as \(session.email) until \(session.expiresAt).")
            }
        }
    }
}

struct Logout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Revoke the session's token on the server and forget it.")

    func run() async throws {
        try await runReportingFailures {
            let context = try ClientContext.load()
            do {
                try await context.client.logout()
            } catch let error as ClientError where error.status == 401 {
                // Already unusable: forgetting it is all that is left to do.
            }
            // Kept when the server could not be reached, so the token can still be revoked later.
            context.store.clear()
            Console.out("Logged out of \(context.session.server).")
        }
    }
}

struct WhoAmI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Show the logged-in account.")

    @Flag(help: "Print the account as JSON.") var json = false

    struct Output: Encodable {
        var server: String
        var account: Account
    }

    func run() async throws {
        try await runReportingFailures {
            let context = try ClientContext.load()
            let account = try await context.client.me()
            if json {
                Console.json(Output(server: context.session.server, account: account))
            } else {
                let quota = account.quotaBytes.map { " of \(ByteCount.human($0))" } ?? ""
                Console.out("\(account.fullname) <\(account.email)> on \(context.session.server)")
                Console.out("id \(account.id), \(ByteCount.human(account.usedBytes)) used\(quota)")
            }
        }
    }
}
