/// Everything a client call can fail with, in one type: what the server said, or what stopped us
/// from hearing it.
public enum ClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server answered with an error body (`message`, `code`) and status.
    case server(status: Int, code: String, message: String)
    /// 401: no session, or it expired or was revoked. Log in again.
    case sessionExpired(message: String)
    /// No answer: connection refused, DNS, timeout, reset.
    case network(message: String)
    /// A local file could not be read or written.
    case localIO(message: String)
    /// The bytes that arrived are not the bytes the server holds (SHA-256 differs).
    case integrity(message: String)
    /// A download found something at the local path it was to write, and was told to fail.
    case localConflict(path: String)
    /// The transfer was cancelled.
    case cancelled
    /// The server answered something that is not the API (wrong URL?).
    case badResponse(message: String)

    public var description: String {
        switch self {
        case .server(_, _, let message): return message
        case .sessionExpired(let message): return "session expired: \(message)"
        case .network(let message): return "server unreachable: \(message)"
        case .localIO(let message): return message
        case .localConflict(let path): return "\(path) already exists"
        case .integrity(let message): return message
        case .cancelled: return "cancelled"
        case .badResponse(let message): return "unexpected answer from the server: \(message)"
        }
    }

    /// No answer from the server (as opposed to a refusal).
    public var isNetwork: Bool {
        if case .network = self { return true }
        return false
    }

    /// The HTTP status for `.server` and `.sessionExpired`, else `nil`.
    public var status: Int? {
        switch self {
        case .server(let status, _, _): return status
        case .sessionExpired: return 401
        default: return nil
        }
    }
}
