import Foundation

/// PostgreSQL's own `pg_dump` and `pg_restore`, run for back-up and restore (no library writes
/// their archive format; they are installed with PostgreSQL's client). The connection goes in the
/// environment (`PGHOST`, `PGPASSWORD`, ...), never on the command line, which every user can read.
enum PostgresTools {
    /// Runs `tool` with `arguments` against the database `url` names, waiting for it to end.
    /// `databaseArgument` adds `--dbname` (pg_restore writes to a database only when given one).
    /// - Throws: `AdminFailure.unavailable` with the tool's last lines when it fails or is not installed.
    static func run(_ tool: String, _ arguments: [String], url: String, databaseArgument: Bool = false) async throws {
        let address: PostgresURL
        do {
            address = try PostgresURL(url)
        } catch {
            throw AdminFailure.invalid("--database \(PostgresURL.redacted(url)): \(error)")
        }
        var environment = ProcessInfo.processInfo.environment
        environment["PGHOST"] = address.host
        environment["PGPORT"] = String(address.port)
        environment["PGUSER"] = address.user
        environment["PGDATABASE"] = address.database
        if let password = address.password { environment["PGPASSWORD"] = password }
        environment["PGSSLMODE"] = address.tls == .verify ? "verify-full" : address.tls.rawValue
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments + (databaseArgument ? ["--dbname=\(address.database)"] : [])
        process.environment = environment
        // A file, not a pipe: a tool that says much would block on a full pipe nobody reads yet.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("papers-\(tool)-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: log.path, contents: nil, attributes: [.posixPermissions: 0o600]),
            let errors = try? FileHandle(forWritingTo: log)
        else { throw AdminFailure.unavailable("cannot write \(log.path)") }
        defer {
            try? errors.close()
            try? FileManager.default.removeItem(at: log)
        }
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: AdminFailure.unavailable("cannot run \(tool): \(error.localizedDescription)"))
            }
        }
        let said = String(decoding: FileManager.default.contents(atPath: log.path) ?? Data(), as: UTF8.self)
        guard status == 0 else {
            if status == 127 { throw AdminFailure.unavailable("\(tool) is not installed (it comes with PostgreSQL's client: apt-get install postgresql-client)") }
            let last = said.split(separator: "\n").suffix(3).joined(separator: " / ")
            throw AdminFailure.unavailable("\(tool) failed (exit \(status)): \(last)")
        }
    }
}
