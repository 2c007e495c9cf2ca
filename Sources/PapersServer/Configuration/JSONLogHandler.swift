import Foundation
import Logging
import PapersCore
import Synchronization

/// `--log-format json`: one JSON object per line on standard error, for log shippers (Loki, Vector,
/// journald's JSON export): `time` (RFC 3339, milliseconds, UTC), `level`, `label`, `message`, the
/// metadata as fields (`request_id`, `method`, `path`, `status`, ...), and `source`/`file`/`line` for
/// warnings and worse. swift-log has no JSON handler of its own, hence this one.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    private static let output = Mutex(FileHandle.standardError)

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: Any] = [:]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { fields[key] = Self.json(value) }
        fields["time"] = Timestamp.format(Date())
        fields["level"] = event.level.rawValue
        fields["label"] = label
        fields["message"] = event.message.description
        if event.level >= .warning {
            fields["source"] = event.source
            fields["file"] = event.file
            fields["line"] = Int(event.line)
        }
        guard var line = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        line.append(0x0A)
        Self.output.withLock { $0.write(line) }
    }

    /// A metadata value as JSON: strings, arrays and objects as they are.
    static func json(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let text): return text
        case .stringConvertible(let convertible): return convertible.description
        case .array(let values): return values.map(json)
        case .dictionary(let entries): return entries.mapValues(json)
        }
    }
}
