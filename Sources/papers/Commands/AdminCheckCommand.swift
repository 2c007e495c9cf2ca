import ArgumentParser
import Foundation
import PapersCore
import PapersServer

/// `papers admin check [--repair] [--json]`.
struct AdminCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Read every file's content back and hash it; find stored content no file uses and folders whose size is wrong.",
        discussion: """
            Works on a running or a stopped server. --repair recomputes folder sizes and removes stored content no \
            file uses (written over an hour ago); missing or damaged content cannot be mended here: the report names \
            the files that use it, to be restored from a back-up. Exit codes: 0 nothing wrong (or all of it repaired), \
            5 problems remain, 1 no database there, 6 the database or the blob store does not answer.
            """)

    @OptionGroup var store: AdminStoreOptions
    @Flag(help: "Recompute wrong folder sizes and remove stored content no file uses.") var repair = false
    @Flag(help: "Print the report as JSON.") var json = false

    func run() async throws {
        try await runAdministration {
            let check = try await IntegrityCheck.open(try store.configuration(), logger: store.logger)
            let showProgress = !json && Console.stderrIsTerminal
            let report = try await check.run(repair: repair) { contents, bytes in
                if showProgress, contents % 100 == 0 {
                    FileHandle.standardError.write(Data("\rchecked \(ByteCount.grouped(Int64(contents))) contents (\(ByteCount.human(bytes)))".utf8))
                }
            }
            if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            if json {
                Console.json(Output(report))
            } else {
                print(report)
            }
            if report.problemsRemain { throw ExitCode(CLIExit.problemsRemain.rawValue) }
        }
    }

    private func print(_ report: IntegrityCheck.Report) {
        Console.out("checked \(ByteCount.grouped(Int64(report.contentsChecked))) contents (\(ByteCount.human(report.bytesChecked)))")
        for damaged in report.damaged {
            let users = damaged.users.map { "\($0.email): \($0.name) (\($0.place.rawValue))" }.joined(separator: ", ")
            Console.out("\(damaged.problem.rawValue)  \(damaged.sha256) (\(ByteCount.human(damaged.size))) used by \(users)")
        }
        let removed = report.unusedRemoved == report.unused.count && !report.unused.isEmpty ? " [removed]" : ""
        for hash in report.unused { Console.out("unused  \(hash): stored, no file uses it\(removed)") }
        for wrong in report.sizeMismatches {
            let name = wrong.name.isEmpty ? "the root folder" : "folder \"\(wrong.name)\""
            Console.out(
                "size  \(wrong.email) \(name) (\(wrong.folderId)): recorded \(wrong.stored) bytes, its contents total \(wrong.actual)"
                    + (report.sizesRepaired > 0 ? " [repaired]" : ""))
        }
        let found = report.damaged.count + report.unused.count + report.sizeMismatches.count
        if found == 0 {
            Console.out("no problems found")
        } else if report.problemsRemain {
            let repaired = report.unusedRemoved + (report.sizesRepaired > 0 ? report.sizeMismatches.count : 0)
            Console.out("\(found) problems found" + (repair ? ", \(repaired) repaired" : " (--repair mends sizes and unused content)"))
        } else {
            Console.out("\(found) problems found, all repaired")
        }
    }

    struct Output: Encodable {
        struct User: Encodable {
            var email, fileId, name, place: String
            enum CodingKeys: String, CodingKey { case email, name, place, fileId = "file_id" }
        }
        struct Damaged: Encodable {
            var sha256: String
            var size: Int64
            var problem: String
            var users: [User]
        }
        struct Size: Encodable {
            var email, folderId, name: String
            var stored, actual: Int64
            enum CodingKeys: String, CodingKey { case email, name, stored, actual, folderId = "folder_id" }
        }
        var contentsChecked: Int
        var bytesChecked: Int64
        var damaged: [Damaged]
        var unused: [String]
        var unusedRemoved: Int
        var sizeMismatches: [Size]
        var sizesRepaired: Int
        var problemsRemain: Bool
        enum CodingKeys: String, CodingKey {
            case damaged, unused
            case contentsChecked = "contents_checked", bytesChecked = "bytes_checked", unusedRemoved = "unused_removed"
            case sizeMismatches = "size_mismatches", sizesRepaired = "sizes_repaired", problemsRemain = "problems_remain"
        }

        init(_ report: IntegrityCheck.Report) {
            contentsChecked = report.contentsChecked
            bytesChecked = report.bytesChecked
            damaged = report.damaged.map {
                Damaged(sha256: $0.sha256, size: $0.size, problem: $0.problem.rawValue,
                        users: $0.users.map { User(email: $0.email, fileId: $0.fileId, name: $0.name, place: $0.place.rawValue) })
            }
            unused = report.unused
            unusedRemoved = report.unusedRemoved
            sizeMismatches = report.sizeMismatches.map {
                Size(email: $0.email, folderId: $0.folderId, name: $0.name, stored: $0.stored, actual: $0.actual)
            }
            sizesRepaired = report.sizesRepaired
            problemsRemain = report.problemsRemain
        }
    }
}
