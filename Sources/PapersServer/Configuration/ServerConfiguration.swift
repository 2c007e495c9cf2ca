import Foundation
import Logging

/// Everything `papers serve` can be told, from options or `PAPERS_*` environment variables.
public struct ServerConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 picks a free port.
    public var port: Int = 8080
    public var dataDirectory: String
    /// Where the metadata lives (`--database`): a SQLite file or a PostgreSQL URL; `nil`:
    /// `DATA/papers.sqlite`.
    public var database: ConfigValue.Database?

    /// The SQLite file the server uses when `database` names no PostgreSQL server.
    public var sqlitePath: String {
        if case .sqlite(let path) = database { return path }
        return dataDirectory + "/papers.sqlite"
    }
    /// Whether `database` names a PostgreSQL server (else the metadata is in `sqlitePath`).
    public var usesPostgres: Bool {
        if case .postgres = database { return true }
        return false
    }
    /// Where file contents live (`--blobs`); `nil`: the folder `DATA/blobs`.
    public var blobs: ConfigValue.Blobs?
    /// Seconds a token stays valid.
    public var tokenLifetime: TimeInterval = 24 * 3600
    /// Largest accepted upload in bytes; `nil`: no limit.
    public var maxUploadBytes: Int64?
    /// Quota given to new accounts; `nil`: unlimited.
    public var defaultQuotaBytes: Int64?
    /// The JWT signing key; `nil`: read or create `secret.key` in the data directory.
    public var secretKey: [UInt8]?
    /// Free space uploads must leave on the data directory's disk, in bytes; 0 turns the check off.
    public var minFreeSpaceBytes: Int64 = 256 << 20
    /// Seconds a connection may stay without a request in progress before it is closed; a request
    /// head must also arrive whole within this time, however slowly its bytes trickle in.
    public var idleTimeout: TimeInterval = 60
    /// Seconds content stays after its last file is gone before the collector removes it (0: at
    /// its next round).
    public var gcGrace: TimeInterval = 3600
    /// Seconds between the collector's rounds.
    public var gcInterval: TimeInterval = 600
    /// Seconds a resumable (tus) upload waits for its bytes before it is removed.
    public var uploadExpiry: TimeInterval = 24 * 3600
    /// Days a deleted item stays in the trash before the server deletes it for good; 0 turns the trash off.
    public var trashDays: Int = Retention.defaultTrashDays
    /// Earlier versions kept of each file's content; 0 keeps none.
    public var keepVersions: Int = Retention.defaultKeepVersions
    public var passwordRounds: Int = 600_000
    /// `--tls-cert` and `--tls-key`: PEM files of the certificate chain and its key; both or neither.
    public var tlsCertificate: String?
    public var tlsKey: String?

    /// Whether `GET /metrics` serves Prometheus text (`--metrics`).
    public var metrics = false
    /// Where `/metrics` is served instead of the main address (`--metrics-listen`; implies `metrics`).
    public var metricsListen: ListenAddress?

    /// A host and a port to listen on.
    public struct ListenAddress: Sendable, Equatable {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `HOST:PORT` or `[IPv6]:PORT`; `nil` for anything else.
        public init?(_ text: String) {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
                return nil
            }
            var host = String(text[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty, !host.contains(" ") else { return nil }
            self.init(host: host, port: port)
        }
    }

    /// Whether anyone may register (`--registration`); `nil`: open only on a loopback address.
    public var registration: Registration?

    /// `--registration open|closed`.
    public enum Registration: String, Sendable, CaseIterable {
        case open, closed
    }

    /// Whether `POST /auth/register` creates accounts: as `registration` says, or by default only
    /// when the server listens on a loopback address (nobody else can reach it).
    public var registrationIsOpen: Bool {
        switch registration {
        case .open: return true
        case .closed: return false
        case nil: return Self.isLoopback(host)
        }
    }

    /// `localhost`, `127.0.0.0/8` and `::1`; a wildcard address (`0.0.0.0`, `::`) or any other is not.
    public static func isLoopback(_ host: String) -> Bool {
        let h = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
        if h == "localhost" || h == "::1" || h == "0:0:0:0:0:0:0:1" { return true }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
    public var logLevel: Logger.Level = .info
    /// `--log-format`.
    public var logFormat: LogFormat = .text

    public enum LogFormat: String, Sendable {
        /// swift-log's lines: `2026-12-04T10:00:00+0000 info papers: ...`.
        case text
        /// `JSONLogHandler`'s objects.
        case json
    }

    /// `trashDays` and `keepVersions` as the stores take them.
    var retention: Retention { Retention(trashDays: trashDays, keepVersions: keepVersions) }

    public init(dataDirectory: String) {
        self.dataDirectory = dataDirectory
    }

    /// `option` (`--data`), else `PAPERS_DATA`, else `defaultDataDirectory`.
    public static func dataDirectory(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        option ?? environment["PAPERS_DATA"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultDataDirectory(environment: environment)
    }

    /// `$XDG_DATA_HOME/papers`, else `~/.local/share/papers`.
    public static func defaultDataDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return xdg + "/papers" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/share/papers"
    }
}

/// Reads sizes (`1048576`, `512K`, `100M`, `2G`, `1T`; powers of 1024) and durations (`3600`, `30m`, `24h`, `7d`).
public enum ConfigValue {
    /// What `--database` names.
    public enum Database: Equatable, Sendable {
        case sqlite(path: String)
        case postgres(url: String)
    }

    /// A path, `sqlite:PATH` (also `sqlite://PATH`), or a `postgres://` / `postgresql://` URL; `nil` for anything else.
    public static func database(_ text: String) -> Database? {
        let t = text.trimmingCharacters(in: .whitespaces)
        let lower = t.lowercased()
        if lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") { return .postgres(url: t) }
        var path = t
        if lower.hasPrefix("sqlite://") {
            path = String(t.dropFirst("sqlite://".count))
        } else if lower.hasPrefix("sqlite:") {
            path = String(t.dropFirst("sqlite:".count))
        } else if t.contains("://") {
            return nil
        }
        return path.isEmpty ? nil : .sqlite(path: path)
    }

    /// What `--blobs` names.
    public enum Blobs: Equatable, Sendable {
        case folder(path: String)
        case s3(S3Location)
    }

    /// What `--blobs` names: `s3://...`, or a folder (`blobsFolder`).
    /// - Throws: `S3Location.Invalid` (its one line) for a malformed `s3://` value, and for anything
    ///   that is neither.
    public static func blobs(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(S3Location.Invalid) -> Blobs {
        if text.trimmingCharacters(in: .whitespaces).lowercased().hasPrefix("s3://") {
            return .s3(try S3Location(text.trimmingCharacters(in: .whitespaces), environment: environment))
        }
        guard let path = blobsFolder(text) else {
            throw S3Location.Invalid(description: "blobs must look like a folder path, file:///path or s3://bucket/prefix, not \(text)")
        }
        return .folder(path: (path as NSString).expandingTildeInPath)
    }

    /// The folder `--blobs` names: a path, or `file:///path` (an absolute path; percent-escapes
    /// decoded); `nil` for anything else (other URL schemes, another host's `file://`).
    public static func blobsFolder(_ text: String) -> String? {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.lowercased().hasPrefix("file://") {
            // file:///path: an empty host (or localhost) and an absolute path.
            guard let url = URL(string: t), url.isFileURL, url.host == nil || url.host == "" || url.host == "localhost" else { return nil }
            let path = url.path
            return path.hasPrefix("/") ? path : nil
        }
        if t.contains("://") || t.isEmpty { return nil }
        return t
    }

    public static func size(_ text: String) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces).uppercased()
        guard let last = t.last else { return nil }
        let multipliers: [Character: Int64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var number = t
        var multiplier: Int64 = 1
        if let m = multipliers[last] {
            multiplier = m
            number = String(t.dropLast())
        } else if last == "B" {
            number = String(t.dropLast())
        }
        guard let value = Int64(number), value >= 0 else { return nil }
        let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }

    /// A whole number from 0 to 36,500 (`--trash-days`, `--keep-versions`); `nil` for anything else.
    public static func count(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty, t.allSatisfy(\.isASCII), let value = Int(t), (0...36_500).contains(value) else { return nil }
        return value
    }

    /// Like `duration`, but `0` (or `0s`, ...) is allowed.
    public static func durationOrZero(_ text: String) -> TimeInterval? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let zero = Double(t.filter { $0.isNumber || $0 == "." }), zero == 0, duration("1" + t.drop { $0.isNumber || $0 == "." }) != nil {
            return 0
        }
        return duration(text)
    }

    public static func duration(_ text: String) -> TimeInterval? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let last = t.last else { return nil }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var number = t
        var unit = 1.0
        if let u = units[last] {
            unit = u
            number = String(t.dropLast())
        }
        guard let value = Double(number), value > 0, value.isFinite else { return nil }
        return value * unit
    }
}
