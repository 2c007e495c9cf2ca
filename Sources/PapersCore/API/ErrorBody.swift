/// The body of every error response: `{"message": ..., "code": ..., "fields": {...}}`.
public struct ErrorBody: Codable, Sendable, Equatable {
    /// A sentence for people.
    public var message: String
    /// A stable machine code, e.g. `name_conflict`.
    public var code: String
    /// Per-field messages for input problems.
    public var fields: [String: String]?

    public init(message: String, code: String, fields: [String: String]? = nil) {
        self.message = message
        self.code = code
        self.fields = fields
    }
}
