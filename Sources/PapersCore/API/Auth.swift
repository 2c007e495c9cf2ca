/// `POST /auth/register`. Every field is optional here so that a missing one is reported by name.
public struct RegisterRequest: Codable, Sendable, Equatable {
    public var fullname: String?
    public var email: String?
    public var password: String?
    public var passwordConf: String?

    public init(fullname: String?, email: String?, password: String?, passwordConf: String?) {
        self.fullname = fullname
        self.email = email
        self.password = password
        self.passwordConf = passwordConf
    }

    enum CodingKeys: String, CodingKey {
        case fullname, email, password
        case passwordConf = "password_conf"
    }
}

/// `POST /auth/register` → 201.
public struct RegisterResponse: Codable, Sendable, Equatable {
    public var message: String
    public var id: String

    public init(message: String, id: String) {
        self.message = message
        self.id = id
    }
}

/// `POST /auth/login`.
public struct LoginRequest: Codable, Sendable, Equatable {
    public var email: String?
    public var password: String?

    public init(email: String?, password: String?) {
        self.email = email
        self.password = password
    }
}

/// `POST /auth/login` → 200.
public struct LoginResponse: Codable, Sendable, Equatable {
    public var token: String
    public var userId: String
    public var expiresAt: String

    public init(token: String, userId: String, expiresAt: String) {
        self.token = token
        self.userId = userId
        self.expiresAt = expiresAt
    }

    enum CodingKeys: String, CodingKey {
        case token
        case userId = "user_id"
        case expiresAt = "expires_at"
    }
}

/// `GET /auth/me` → 200.
public struct Account: Codable, Sendable, Equatable {
    public var id: String
    public var fullname: String
    public var email: String
    public var dateCreated: String
    /// `nil` when the account has no quota.
    public var quotaBytes: Int64?
    /// Everything the quota counts: files, the trash and kept versions.
    public var usedBytes: Int64
    /// The part of `usedBytes` in the trash (`nil` from a server older than the trash).
    public var trashBytes: Int64?
    /// The part of `usedBytes` kept as earlier versions of files.
    public var versionsBytes: Int64?

    public init(
        id: String, fullname: String, email: String, dateCreated: String, quotaBytes: Int64?, usedBytes: Int64, trashBytes: Int64? = nil,
        versionsBytes: Int64? = nil
    ) {
        self.id = id
        self.fullname = fullname
        self.email = email
        self.dateCreated = dateCreated
        self.quotaBytes = quotaBytes
        self.usedBytes = usedBytes
        self.trashBytes = trashBytes
        self.versionsBytes = versionsBytes
    }

    enum CodingKeys: String, CodingKey {
        case id, fullname, email
        case dateCreated = "date_created"
        case quotaBytes = "quota_bytes"
        case usedBytes = "used_bytes"
        case trashBytes = "trash_bytes"
        case versionsBytes = "versions_bytes"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(fullname, forKey: .fullname)
        try c.encode(email, forKey: .email)
        try c.encode(dateCreated, forKey: .dateCreated)
        try c.encode(quotaBytes, forKey: .quotaBytes)
        try c.encode(usedBytes, forKey: .usedBytes)
        try c.encodeIfPresent(trashBytes, forKey: .trashBytes)
        try c.encodeIfPresent(versionsBytes, forKey: .versionsBytes)
    }
}

/// `GET /health` → 200.
public struct HealthStatus: Codable, Sendable, Equatable {
    public var status: String
    public var version: String
    /// The metadata backend: `sqlite` (or `postgres`).
    public var database: String?
    /// The content backend: `file`.
    public var blobs: String?

    public init(status: String, version: String, database: String? = nil, blobs: String? = nil) {
        self.status = status
        self.version = version
        self.database = database
        self.blobs = blobs
    }
}
