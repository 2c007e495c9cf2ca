import Foundation
import HTTPTypes
import Hummingbird
import PapersCore

/// An error as the client sees it: a status, a stable `code`, a sentence, optional per-field messages
/// and extra headers. Every other layer's error is mapped to one of these once, in `APIError+mapping.swift`.
struct APIError: Error, HTTPResponseError, Sendable {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var fields: [String: String]?
    var headers: HTTPFields
    /// Whether the server is at fault, so the error middleware logs the error behind it (with its
    /// detail): every 5xx by default; a refusal by rule (507 quota) is not.
    var isFault: Bool

    init(
        _ status: HTTPResponse.Status, code: String, message: String, fields: [String: String]? = nil, headers: HTTPFields = [:],
        isFault: Bool? = nil
    ) {
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.headers = headers
        self.isFault = isFault ?? (status.code >= 500)
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json; charset=utf-8"
        let body = try self.body()
        headers[.contentLength] = String(body.count)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The JSON error body: `{"code", "fields"?, "message"}`.
    func body() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return try encoder.encode(ErrorBody(message: message, code: code, fields: fields))
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
    static let accountDisabled = APIError(
        .forbidden, code: "account_disabled", message: "This account is disabled. Ask the server's operator to enable it.")
    static let registrationClosed = APIError(
        .forbidden, code: "registration_closed", message: "Registration is closed on this server. Ask its operator for an account.")
    static let notFound = APIError(.notFound, code: "not_found", message: "No such file or folder.")
    static let internalError = APIError(.internalServerError, code: "internal_error", message: "Something went wrong on the server.")
    static let lockedStatus = HTTPResponse.Status(code: 423, reasonPhrase: "Locked")
    static let insufficientStorageStatus = HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")
}

/// An error after which the connection closes once the answer is sent, so a client still sending a
/// body it was refused stops instead of the server reading (and discarding) all of it. Mapped like
/// the error it wraps, plus `Connection: close`; the log still sees the wrapped error's detail.
struct ClosingConnection: Error {
    let underlying: any Error
}
