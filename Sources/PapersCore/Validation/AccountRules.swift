/// The rules for the fields of an account.
public enum AccountRules {
    public static let passwordMinLength = 8
    public static let passwordMaxLength = 1024
    public static let fullnameMaxLength = 200
    public static let emailMaxLength = 254

    /// The canonical form of an e-mail address: trimmed and lower-cased (addresses compare case-insensitively).
    /// - Throws: `ValidationError` (field `email`) when it is not an address.
    public static func email(_ raw: String) throws(ValidationError) -> String {
        let email = raw.trimmingWhitespace().lowercased()
        let bad = ValidationError(field: "email", message: "Enter a valid e-mail address.")
        guard !email.isEmpty, email.unicodeScalars.count <= emailMaxLength else { throw bad }
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw bad }
        let domain = parts[1]
        guard domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains("..") else { throw bad }
        guard !email.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control })
        else { throw bad }
        return email
    }

    /// Checks a new password's length: 8–1024 characters, counted as Unicode code points (as JSON
    /// Schema's `minLength` and most clients count them, not as grapheme clusters).
    /// - Throws: `ValidationError` (field `password`).
    public static func password(_ password: String) throws(ValidationError) {
        if password.unicodeScalars.count < passwordMinLength {
            throw ValidationError(field: "password", message: "A password needs at least \(passwordMinLength) characters.")
        }
        if password.unicodeScalars.count > passwordMaxLength {
            throw ValidationError(field: "password", message: "A password can have at most \(passwordMaxLength) characters.")
        }
    }

    /// Returns the trimmed full name (at most 200 code points).
    /// - Throws: `ValidationError` (field `fullname`) when it is empty, too long or holds control characters.
    public static func fullname(_ raw: String) throws(ValidationError) -> String {
        let name = raw.trimmingWhitespace()
        if name.isEmpty { throw ValidationError(field: "fullname", message: "You need to enter your full name") }
        if name.unicodeScalars.count > fullnameMaxLength {
            throw ValidationError(field: "fullname", message: "A full name can have at most \(fullnameMaxLength) characters.")
        }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw ValidationError(field: "fullname", message: "A full name cannot contain control characters.")
        }
        return name
    }

    public static let appPasswordNameMaxLength = 100

    /// An app password's name, trimmed: 1 to 100 characters (Unicode scalars), no control characters.
    /// - Throws: `ValidationError` (field `name`).
    public static func appPasswordName(_ raw: String) throws(ValidationError) -> String {
        let name = raw.trimmingWhitespace()
        func invalid(_ message: String) -> ValidationError { ValidationError(field: "name", message: message) }
        if name.isEmpty { throw invalid("Give the app password a name, such as the device or app it is for.") }
        if name.unicodeScalars.count > appPasswordNameMaxLength {
            throw invalid("A name can have at most \(appPasswordNameMaxLength) characters.")
        }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw invalid("A name cannot contain control characters.")
        }
        return name
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return String(scalars[start...end])
    }
}
