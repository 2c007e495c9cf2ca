import Foundation

/// The logged-in session shared by the TUI and the scriptable commands:
/// `$XDG_CONFIG_HOME/papers/session.json` (mode 0600). It never holds the password.
public struct Session: Codable, Sendable, Equatable {
    public var server: String
    public var email: String
    public var token: String
    public var userId: String
    public var expiresAt: String
    /// The data directory of the bundled server this session was made with (the server the TUI
    /// starts inside itself, on a new port each time); `nil` for a server that runs on its own.
    /// Only such a session follows the bundled server to its new port; any other is never
    /// pointed at another server.
    public var bundledData: String?
    /// The PEM file of certificate authorities the session trusts for its `https://` server (`--ca-file`).
    public var caFile: String?

    public init(
        server: String, email: String, token: String, userId: String, expiresAt: String, bundledData: String? = nil, caFile: String? = nil
    ) {
        self.caFile = caFile
        self.server = server
        self.email = email
        self.token = token
        self.userId = userId
        self.expiresAt = expiresAt
        self.bundledData = bundledData
    }

    enum CodingKeys: String, CodingKey {
        case server, email, token
        case userId = "user_id"
        case expiresAt = "expires_at"
        case bundledData = "bundled_data"
        case caFile = "ca_file"
    }

    public var credentials: Credentials { Credentials(token: token, userId: userId) }
}

/// Reads and writes the session file.
public struct SessionStore: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// `$XDG_CONFIG_HOME/papers/session.json`, else `~/.config/papers/session.json`.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> SessionStore {
        SessionStore(path: configDirectory(environment: environment) + "/session.json")
    }

    /// `$XDG_CONFIG_HOME/papers`, else `~/.config/papers`.
    public static func configDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty { return xdg + "/papers" }
        return (environment["HOME"] ?? NSHomeDirectory()) + "/.config/papers"
    }

    /// The saved session, or `nil` when there is none (or it is unreadable).
    public func load() -> Session? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(Session.self, from: data)
    }

    /// Saves atomically with mode 0600.
    /// - Throws: `ClientError.localIO`.
    public func save(_ session: Session) throws(ClientError) {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .localIO(message: "cannot create \(directory): \(error.localizedDescription)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data: Data
        do { data = try encoder.encode(session) } catch { throw .localIO(message: "cannot encode the session") }
        let temporary = path + ".new"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .localIO(message: "cannot write \(temporary): \(String(cString: strerror(errno)))") }
        fchmod(descriptor, 0o600)
        let written = data.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        fsync(descriptor)
        close(descriptor)
        guard written == data.count, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw .localIO(message: "cannot write \(path)")
        }
    }

    /// Forgets the session.
    public func clear() {
        unlink(path)
    }
}
