import Foundation

/// The rules for a file or folder name.
///
/// A valid name is 1–255 bytes of UTF-8 once normalised to NFC, holds no `/`, NUL or other
/// control character, is not `.` or `..`, and has no leading or trailing white space.
public enum NodeName {
    public static let maxBytes = 255

    /// Returns the name normalised to NFC.
    /// - Throws: `ValidationError` (field `field`) naming the rule the name breaks.
    public static func validated(_ raw: String, field: String = "name") throws(ValidationError) -> String {
        let name = raw.precomposedStringWithCanonicalMapping
        func fail(_ message: String) -> ValidationError { ValidationError(field: field, message: message) }
        if name.isEmpty { throw fail("A name cannot be empty.") }
        if name.utf8.count > maxBytes { throw fail("A name can be at most \(maxBytes) bytes of UTF-8.") }
        if name == "." || name == ".." { throw fail("A name cannot be \".\" or \"..\".") }
        if name.contains("/") { throw fail("A name cannot contain \"/\".") }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw fail("A name cannot contain control characters.")
        }
        if let first = name.unicodeScalars.first, first.properties.isWhitespace {
            throw fail("A name cannot start with a space.")
        }
        if let last = name.unicodeScalars.last, last.properties.isWhitespace {
            throw fail("A name cannot end with a space.")
        }
        return name
    }

    /// The key names sort by: case-insensitive (Unicode lower case), ties broken by the name itself.
    public static func sortKey(_ name: String) -> String {
        name.lowercased()
    }

    /// The `n`th alternative for a clashing name: `report (2).pdf`, `.profile (2)`, `notes (2)`, or
    /// `nil` when no such name keeps the rules: a stem is shortened (never mid-character) to stay
    /// within the byte limit, but never to nothing, and the result must be a valid name.
    public static func numbered(_ name: String, _ n: Int) -> String? {
        let suffix = " (\(n))"
        let (stem, ext) = splitExtension(name)
        var shortened = stem
        var candidate = shortened + suffix + ext
        while candidate.utf8.count > maxBytes, !shortened.isEmpty {
            shortened.removeLast()
            candidate = shortened + suffix + ext
        }
        guard !shortened.isEmpty, let valid = try? validated(candidate), valid.utf8.count <= maxBytes else { return nil }
        return valid
    }

    /// Splits `report.tar.gz` into `report.tar` and `.gz`; a dotfile or a name without a dot has no extension.
    public static func splitExtension(_ name: String) -> (stem: String, ext: String) {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return (name, "") }
        return (String(name[..<dot]), String(name[dot...]))
    }
}
