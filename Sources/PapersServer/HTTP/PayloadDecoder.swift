import Foundation
import Hummingbird
import NIOCore

/// Decodes request bodies: JSON, and for the auth routes also `application/x-www-form-urlencoded`
/// (flask-restful's `reqparse` accepted both). Anything else is 415.
struct PayloadDecoder: RequestDecoder {
    /// - Throws: `APIError` 400 `invalid_json` for a body that is not RFC 8259 JSON, 400 `invalid_form`
    ///   for a form that repeats a key or cannot be decoded, 415 for another media type; the
    ///   decoder's `DecodingError` for JSON of the wrong shape (mapped once, in `APIError.from`).
    func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        let mediaType = request.headers[.contentType].map(MediaTypeName.of) ?? "application/json"
        switch mediaType {
        case "application/json", "text/json":
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            let bytes = Array(buffer.readableBytesView)
            do {
                try StrictJSON.validate(bytes)
            } catch {
                throw APIError.badRequest("The request body is not valid JSON (at byte \(error.offset)).", code: "invalid_json")
            }
            return try JSONDecoder().decode(type, from: Data(bytes))
        case "application/x-www-form-urlencoded":
            do {
                return try await URLEncodedFormDecoder().decode(type, from: request, context: context)
            } catch let error as URLEncodedFormError {
                throw APIError.badRequest("The form body cannot be read: \(error.description).", code: "invalid_form")
            }
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
