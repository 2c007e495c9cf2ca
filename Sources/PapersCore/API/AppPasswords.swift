/// An app password as listed (`GET /auth/app-passwords`): never its secret.
public struct AppPassword: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var dateCreated: String

    public init(id: String, name: String, dateCreated: String) {
        self.id = id
        self.name = name
        self.dateCreated = dateCreated
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case dateCreated = "date_created"
    }
}

/// A new app password (`POST /auth/app-passwords`, 201): the secret is shown this once.
public struct NewAppPassword: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var password: String
    public var dateCreated: String

    public init(id: String, name: String, password: String, dateCreated: String) {
        self.id = id
        self.name = name
        self.password = password
        self.dateCreated = dateCreated
    }

    enum CodingKeys: String, CodingKey {
        case id, name, password
        case dateCreated = "date_created"
    }
}

/// `GET /auth/app-passwords`: `{"items": [...]}`, oldest first.
public struct AppPasswordList: Codable, Sendable, Equatable {
    public var items: [AppPassword]

    public init(items: [AppPassword]) {
        self.items = items
    }
}

/// The body of `POST /auth/app-passwords`.
public struct CreateAppPasswordRequest: Codable, Sendable, Equatable {
    public var name: String?

    public init(name: String?) {
        self.name = name
    }
}
