import Foundation

/// The opaque form of a page's position handed to clients: the position's JSON in base64url,
/// without padding. Listings, the trash and search all page this way (keyset pagination: a page
/// is an index range, so page 1,000 costs what page 1 costs).
enum OpaqueCursor {
    /// Longer cursors are refused before decoding.
    static let maxLength = 4096

    static func encode<T: Encodable>(_ position: T) -> String {
        let data = try! JSONEncoder().encode(position)
        return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The position in a string made by `encode`; `nil` when it is not one.
    static func decode<T: Decodable>(_ text: String, as _: T.Type = T.self) -> T? {
        guard text.count <= maxLength else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64) else { return nil }
        return try? JSONDecoder().decode(T.self, from: data)
    }
}
