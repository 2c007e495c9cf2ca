import Foundation
import HTTPTypes
import Hummingbird
import PapersCore

/// An error as the client sees it: a status, a stable `code`, a sentence, optional per-field messages
/// and extra headers. Every other layer's error is mapped to one of these once, in `APIError+mapping.swift`.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var fields: [String: String]?
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, message: String, fields: [String: String]? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        let body = try encoder.encode(ErrorBody(message: message, code: code, fields: fields))
        headers[.contentLength] = String(body.count)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension APIError {
    static func badRequest(_ message: String, code: String = "bad_request") -> APIError {
        APIError(.badRequest, code: code, message: message)
    }
    static func validation(_ error: ValidationError) -> APIError {
        APIError(.badRequest, code: "validation_failed", message: error.message, fields: [error.field: error.message])
    }
    static func unauthorized(_ message: String, code: String = "unauthorized") -> APIError {
        APIError(.unauthorized, code: code, message: message, headers: [.wwwAuthenticate: "Bearer"])
    }
    static let forbidden = APIError(.forbidden, code: "forbidden", message: "This token cannot reach another user's files.")
    static let notFound = APIError(.notFound, code: "not_found", message: "No such file or folder.")
    static let internalError = APIError(.internalServerError, code: "internal_error", message: "Something went wrong on the server.")
}
