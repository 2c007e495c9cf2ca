import ArgumentParser
import Foundation
import PapersCore
import PapersServer

/// `papers admin export DIR [--user EMAIL] [--json]`.
struct AdminExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every account's files (or one account's) under DIR/<e-mail>/ as plain folders and files.",
        discussion: """
            Names as stored, modification times kept, each file hashed as it is written. The trash and earlier \
            versions are left out. Run it again to resume: files already there with the same size and time are \
            left alone. Exit codes: 0 done, 1 DIR cannot be made or no database there, 2 no such e-mail, 5 some \
            files could not be exported (their content is missing or damaged: see papers admin check), 6 the \
            database or the store does not answer.
            """)

    @OptionGroup var store: AdminStoreOptions
    @Argument(help: "Where to write the files (made when missing; an earlier export there is resumed).") var directory: String
    @Option(help: "Export only this account.") var user: String?
    @Flag(help: "Print the summary as JSON.") var json = false

    struct Output: Encodable {
        struct Skipped: Encodable {
            var email, path, reason: String
        }
        var accounts, folders, files, unchanged: Int
        var bytes: Int64
        var skipped: [Skipped]
    }

    func run() async throws {
        try await runAdministration {
            let export = try await TreeExport.open(try store.configuration(), logger: store.logger)
            let path = (directory as NSString).expandingTildeInPath
            let showProgress = !json && Console.stderrIsTerminal
            let summary = try await export.run(into: path, email: user) { files, bytes in
                if showProgress, files % 100 == 0 {
                    FileHandle.standardError.write(Data("\rwrote \(ByteCount.grouped(Int64(files))) files (\(ByteCount.human(bytes)))".utf8))
                }
            }
            if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            if json {
                Console.json(
                    Output(
                        accounts: summary.accounts, folders: summary.folders, files: summary.files, unchanged: summary.unchanged, bytes: summary.bytes,
                        skipped: summary.skipped.map { Output.Skipped(email: $0.email, path: $0.path, reason: $0.reason) }))
            } else {
                for skipped in summary.skipped { Console.out("not exported (\(skipped.reason)): \(skipped.email) \(skipped.path)") }
                Console.out(
                    "exported \(ByteCount.grouped(Int64(summary.files))) files (\(ByteCount.human(summary.bytes))) in "
                        + "\(ByteCount.grouped(Int64(summary.folders))) folders of \(summary.accounts) accounts into \(path)"
                        + (summary.unchanged > 0 ? "; \(ByteCount.grouped(Int64(summary.unchanged))) were there already" : ""))
            }
            if !summary.skipped.isEmpty { throw ExitCode(CLIExit.problemsRemain.rawValue) }
        }
    }
}
