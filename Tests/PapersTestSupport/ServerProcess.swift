import Crypto
import Foundation
import PapersClient
import PapersCore

/// The real `papers serve` binary on a free loopback port over a temporary data directory.
public final class ServerProcess: @unchecked Sendable {
    public static let binary: String = {
        if let path = ProcessInfo.processInfo.environment["PAPERS_BIN"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/papers").path
    }()

    public let process = Process()
    public let dataDirectory: String

    /// Files staged under `tmp/` (each server process stages in its own `tmp/<instance>/`).
    public var stagedFiles: [String] { PapersTestSupport.stagedFiles(dataDirectory) }
    public private(set) var url = ""
    private let output = Pipe()

    public init(environment: [String: String] = [:]) throws {
        dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("papers-client-\(UUID().uuidString)").path
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", "0", "--data", dataDirectory, "--log-level", "notice"]
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // The server logs `listening on http://127.0.0.1:PORT` once it accepts connections.
        var seen = ""
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            seen += String(decoding: data, as: UTF8.self)
            if let range = seen.range(of: #"listening on (http://127\.0\.0\.1:\d+)"#, options: .regularExpression) {
                url = String(seen[range].dropFirst("listening on ".count))
                break
            }
        }
        guard !url.isEmpty else {
            process.terminate()
            throw ClientError.network(message: "the server did not start: \(seen)")
        }
        // Keep draining the log so the server never blocks on a full pipe.
        let handle = output.fileHandleForReading
        handle.readabilityHandler = { $0.availableData.isEmpty ? ($0.readabilityHandler = nil) : () }
    }

    /// Peak resident memory of the server in KiB (VmHWM).
    public var peakMemoryKiB: Int { Self.status(pid: process.processIdentifier, field: "VmHWM") }

    public static func status(pid: Int32, field: String) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }

    public func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    public func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: dataDirectory)
    }

    deinit { stop() }

    /// Registers a user and returns a logged-in client.
    public func loggedInClient(name: String = "ada") async throws -> APIClient {
        let anonymous = APIClient(server: url)
        let email = "\(name)-\(UUID().uuidString.prefix(8).lowercased())@example.com"
        _ = try await anonymous.register(fullname: name, email: email, password: "correct horse", passwordConfirmation: "correct horse")
        let login = try await anonymous.login(email: email, password: "correct horse")
        var client = anonymous.with(Credentials(token: login.token, userId: login.userId))
        // Unfinished transfers are remembered beside the server's data, never in the real ~/.local/state.
        client.resumable?.records = TransferRecords(path: dataDirectory + "-client/transfers.json")
        return client
    }
}

/// A temporary local folder for files to upload and download.
public struct Scratch: Sendable {
    public let path: String

    public init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("papers-scratch-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    /// A file of `size` pseudo-random bytes, written in chunks (never whole in memory).
    public func bigFile(_ name: String, size: Int64) throws -> String {
        let file = path + "/" + name
        FileManager.default.createFile(atPath: file, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        var generator = SystemRandomNumberGenerator()
        var block = [UInt8](repeating: 0, count: 1 << 20)
        for i in block.indices { block[i] = generator.next() }
        var written: Int64 = 0
        var counter: UInt64 = 0
        while written < size {
            counter += 1
            withUnsafeBytes(of: counter) { block.replaceSubrange(0..<8, with: $0) }
            let n = Int(min(Int64(block.count), size - written))
            try handle.write(contentsOf: block[0..<n])
            written += Int64(n)
        }
        try handle.close()
        return file
    }

    public func entries() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}

public func sha256File(_ path: String) throws -> String {
    let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    var hasher = SHA256()
    while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty { hasher.update(data: data) }
    return hasher.finalize().map { String(format: "%02x", $0) }.joined()
}

/// The files staged under a data directory's `tmp/`, in the staging folders of the processes using it.
public func stagedFiles(_ dataDirectory: String) -> [String] {
    let tmp = dataDirectory + "/tmp"
    guard let walker = FileManager.default.enumerator(atPath: tmp) else { return [] }
    var files: [String] = []
    while let relative = walker.nextObject() as? String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: tmp + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue {
            files.append(relative)
        }
    }
    return files
}
