import Foundation
import HTTPTypes
import Hummingbird
import Logging

extension HTTPField.Name {
    static let requestId = Self("X-Request-Id")!
    static let contentSHA256 = Self("X-Content-SHA256")!
}

/// Gives every request an id (the client's `X-Request-Id` when it is sane, else a new one), returns it
/// on the response, and logs one line per request: method, path, status, bytes, duration, id. With
/// `structured` (`--log-format json`) the same figures also go as metadata, fields of their own for
/// a log shipper.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let logger: Logger
    var structured = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.requestId = Self.requestId(from: request.headers[.requestId])
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // Only reached when the error middleware itself failed: still answer, never leak.
            logger.error("unhandled error id=\(context.requestId): \(String(reflecting: error))")
            response = try APIError.internalError.response(from: request, context: context)
        }
        response.headers[.requestId] = context.requestId
        let elapsed = ContinuousClock.now - started
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let length = response.headers[.contentLength] ?? "-"
        let metadata: Logger.Metadata? =
            structured
            ? [
                "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)", "bytes": "\(length)",
                "duration_ms": "\(String(format: "%.1f", ms))", "request_id": "\(context.requestId)",
            ] : nil
        logger.info(
            "\(request.method) \(request.uri.path) \(response.status.code) \(length) \(String(format: "%.1f", ms))ms id=\(context.requestId)",
            metadata: metadata)
        return response
    }

    static func requestId(from header: String?) -> String {
        if let header, !header.isEmpty, header.utf8.count <= 128, header.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            return header
        }
        // 16 hex digits of a random 64-bit number (Foundation's UUID string work was ~3 % of a small request).
        let hex = String(UInt64.random(in: .min ... .max), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
