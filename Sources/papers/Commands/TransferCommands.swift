import ArgumentParser
import Foundation
import PapersClient
import PapersServer
import PapersCore

struct Put: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upload files (and with -r folders).",
        discussion: """
            papers put LOCAL... REMOTE_FOLDER/   uploads into an existing folder
            papers put LOCAL REMOTE_PATH         uploads under that name (into it, if it is a folder)
            Every local path is checked before anything is sent: a missing one fails with exit 7.
            """)

    @Flag(name: .short, help: "Upload folders and everything in them (existing remote folders are reused).") var recursive = false
    @Option(name: .customLong("on-conflict"), help: "When a file of that name is on the server: fail, skip, rename (keep both) or overwrite.")
    var onConflict = "fail"
    @Flag(help: "One JSON document: {\"uploaded\": [node, ...]}.") var json = false
    @Flag(name: .customLong("no-resume"), help: "Start big files over instead of resuming an upload an earlier run left.")
    var noResume = false
    @Option(name: .customLong("chunked-from"), help: "Files from this size on go in resumable chunks: 16M (default), 1G; 0 for every file.")
    var chunkedFrom: String?
    @Option(help: "Files sent at once, 1 to 16 (default 4).") var transfers = 4
    @OptionGroup var options: ClientOptions
    @Argument(help: "Local files or folders, then the remote destination.") var paths: [String] = []

    func validate() throws {
        guard paths.count >= 2 else { throw ValidationError("give at least one local path and a remote destination") }
        guard ConflictRule(option: onConflict) != nil else { throw ValidationError("--on-conflict must be fail, skip, rename or overwrite") }
        if let chunkedFrom, ConfigValue.size(chunkedFrom) == nil { throw ValidationError("--chunked-from must look like 16M, 1G or 0, not \(chunkedFrom)") }
        guard (1...16).contains(transfers) else { throw ValidationError("--transfers must be 1 to 16, not \(transfers)") }
    }

    struct Output: Encodable { var uploaded: [Node] }

    func run() async throws {
        try await runReportingFailures {
            let conflicts = ConflictRule(option: onConflict)!
            let sources = Array(paths.dropLast())
            for source in sources {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else {
                    throw CLIFailure(.localIO, "\(source): no such file or folder")
                }
                if isDirectory.boolValue, !recursive { throw CLIFailure(.usage, "\(source) is a folder: use -r") }
                if !isDirectory.boolValue, !FileManager.default.isReadableFile(atPath: source) {
                    throw CLIFailure(.localIO, "\(source): cannot read it")
                }
            }
            let context = try ClientContext.load()
            var client = context.client
            if noResume {
                // Unfinished uploads of these files are left alone; new ones are not recorded.
                client.resumable?.records = nil
            }
            if let chunkedFrom, let size = ConfigValue.size(chunkedFrom) { client.resumable?.threshold = size }
            let target = RemotePath(paths.last!)
            var uploaded: [Node] = []
            let found = try await client.lookup(target)
            let shown = ShownTransfer(
                quiet: options.quiet, json: json, parallelism: transfers, total: try? TreeTransfer.localSize(of: sources))
            defer { shown.stop() }
            let tree = TreeTransfer(client: client, conflicts: conflicts, events: shown.events, parallelism: transfers)
            if let folderId = found.folderId {
                for source in sources { uploaded += try await tree.upload(source, into: folderId) }
            } else {
                if found == .missing, target.meansFolder { throw CLIFailure(.notFound, "\(target): no such folder") }
                guard sources.count == 1 else { throw CLIFailure(.usage, "\(target) is not a folder; several sources need a folder") }
                let parent = try await client.resolve(target.parent)
                uploaded += try await tree.upload(sources[0], into: parent?.id, as: target.name)
            }
            if json { Console.json(Output(uploaded: uploaded)) }
        }
    }
}

struct Get: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Download files (and with -r folders); the SHA-256 is checked and a file appears only when complete.",
        discussion: """
            papers get REMOTE... LOCAL_DIR/   downloads into a local folder
            papers get REMOTE LOCAL_PATH      downloads to that path (into it, if it is a folder)
            papers get REMOTE -               writes the content to standard output
            """)

    @Flag(name: .short, help: "Download folders and everything in them.") var recursive = false
    @Option(name: .customLong("on-conflict"), help: "When a local file of that name exists: fail, skip, rename (keep both) or overwrite.")
    var onConflict = "fail"
    @Flag(help: "One JSON document: {\"downloaded\": [{\"remote\", \"local\", \"size\", \"sha256\"}, ...]}.") var json = false
    @Option(help: "Files fetched at once, 1 to 16 (default 4).") var transfers = 4
    @Option(help: "Download this version of one file (papers versions lists them).") var version: Int64?
    @OptionGroup var options: ClientOptions
    @Argument(help: "Remote files or folders, then the local destination.") var paths: [String] = []

    func validate() throws {
        guard paths.count >= 2 else { throw ValidationError("give at least one remote path and a local destination") }
        if let version {
            guard version >= 1 else { throw ValidationError("--version is a whole number from 1") }
            guard paths.count == 2, !recursive else { throw ValidationError("--version downloads one file: give one remote file and a destination") }
        }
        guard ConflictRule(option: onConflict) != nil else { throw ValidationError("--on-conflict must be fail, skip, rename or overwrite") }
        guard (1...16).contains(transfers) else { throw ValidationError("--transfers must be 1 to 16, not \(transfers)") }
    }

    struct Item: Encodable {
        var remote: String
        var local: String
        var size: Int64
        var sha256: String
    }

    struct Output: Encodable { var downloaded: [Item] }

    func run() async throws {
        try await runReportingFailures {
            let context = try ClientContext.load()
            let client = context.client
            let sources = Array(paths.dropLast())
            let target = paths.last!
            var nodes: [Node] = []
            for source in sources {
                guard let node = try await client.resolve(RemotePath(source)) else {
                    guard recursive else { throw CLIFailure(.usage, "/ is a folder: use -r") }
                    throw CLIFailure(.usage, "download the root folder's items by name, e.g. papers get -r /Work .")
                }
                if node.isFolder, !recursive { throw CLIFailure(.usage, "\(node.path) is a folder: use -r") }
                nodes.append(node)
            }
            if let version {
                try await downloadVersion(version, of: nodes[0], to: target, client: client)
                return
            }
            if target == "-" {
                guard nodes.count == 1, !nodes[0].isFolder else { throw CLIFailure(.usage, "only one file can go to standard output") }
                try await client.download(nodes[0], into: 1)
                return
            }
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory)
            var files: [(node: Node, local: String)] = []
            // Folders' sizes are the sum of what is under them.
            let shown = ShownTransfer(quiet: options.quiet, json: json, parallelism: transfers, total: nodes.reduce(0) { $0 + $1.size })
            defer { shown.stop() }
            let tree = TreeTransfer(client: client, conflicts: ConflictRule(option: onConflict)!, events: shown.events, parallelism: transfers)
            if (exists && isDirectory.boolValue) || target.hasSuffix("/") || nodes.count > 1 {
                if !exists {
                    do { try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true) } catch {
                        throw CLIFailure(.localIO, "\(target): cannot create it")
                    }
                } else if !isDirectory.boolValue {
                    throw CLIFailure(.localIO, "\(target) is not a folder")
                }
                for node in nodes {
                    files += try await tree.download(node, to: (target as NSString).appendingPathComponent(node.name))
                }
            } else {
                files += try await tree.download(nodes[0], to: target)
            }
            let items = files.map { Item(remote: $0.node.path, local: $0.local, size: $0.node.size, sha256: $0.node.sha256 ?? "") }
            if json { Console.json(Output(downloaded: items)) }
        }
    }

    /// `--version N`: that version of one file, to a path, into a folder, or to standard output. A
    /// local file in the way is handled as `--on-conflict` says (skip and rename as for any file).
    private func downloadVersion(_ number: Int64, of file: Node, to target: String, client: APIClient) async throws {
        guard !file.isFolder else { throw CLIFailure(.usage, "\(file.path) is a folder; only files have versions") }
        guard let version = try await client.versions(of: file.id).first(where: { $0.version == number }) else {
            throw CLIFailure(.notFound, "\(file.path) has no version \(number) (papers versions \(file.path) lists them)")
        }
        if target == "-" {
            try await client.download(file, version: version, into: 1)
            return
        }
        var isDirectory: ObjCBool = false
        var local = target
        if target.hasSuffix("/") || (FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory) && isDirectory.boolValue) {
            local = (target as NSString).appendingPathComponent(file.name)
        }
        if FileManager.default.fileExists(atPath: local) {
            switch onConflict {
            case "skip": return
            case "rename": local = try TreeTransfer.freeLocalName(beside: local)
            case "overwrite": break
            default: throw CLIFailure(.conflict, "\(local) exists (use --on-conflict skip, rename or overwrite)")
            }
        }
        try await client.download(file, version: version, to: local)
        if json {
            Console.json(Output(downloaded: [Item(remote: file.path, local: local, size: version.size, sha256: version.sha256)]))
        } else if !options.quiet {
            Console.out("\(file.path) version \(number) → \(local)")
        }
    }
}
