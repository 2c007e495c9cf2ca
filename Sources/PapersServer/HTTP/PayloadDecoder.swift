import Foundation
import Hummingbird

/// Decodes request bodies: JSON, and for the auth routes also `application/x-www-form-urlencoded`
/// (flask-restful's `reqparse` accepted both). Anything else is 415.
public struct PayloadDecoder: RequestDecoder {
    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        let mediaType = request.headers[.contentType].map(MediaTypeName.of) ?? "application/json"
        switch mediaType {
        case "application/json", "text/json":
            return try await JSONDecoder().decode(type, from: request, context: context)
        case "application/x-www-form-urlencoded":
            return try await URLEncodedFormDecoder().decode(type, from: request, context: context)
        default:
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type", message: "Send JSON (application/json).")
        }
    }
}

/// The lower-cased `type/subtype` of a Content-Type header, without parameters.
enum MediaTypeName {
    static func of(_ header: String) -> String {
        String(header.split(separator: ";", maxSplits: 1).first ?? "").trimmingCharacters(in: .whitespaces).lowercased()
    }
}
