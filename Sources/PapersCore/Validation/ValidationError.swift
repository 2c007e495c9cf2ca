/// Bad input, naming the field it is about (`name`, `email`, `password`, ...).
public struct ValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request field at fault, as the API spells it.
    public var field: String
    /// A sentence for people.
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}
