import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers

extension HTTPField.Name {
    static let requestId = Self("X-Request-Id")!
    static let contentSHA256 = Self("X-Content-SHA256")!
}

/// Gives every request an id (the client's `X-Request-Id` when it is sane, else a new one), returns it
/// on the response, and logs one line per request: method, path, status, bytes, duration, id.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let logger: Logger

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
        logger.info(
            "\(request.method) \(request.uri.path) \(response.status.code) \(response.headers[.contentLength] ?? "-") \(String(format: "%.1f", ms))ms id=\(context.requestId)"
        )
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

/// Turns every error into the JSON error body (mapping it once, in `APIError.from`). Unexpected errors
/// become a bare 500 and are logged with the request id; the client never sees their text.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let logger: Logger
    /// The methods each route pattern answers, to tell 405 from 404.
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var apiError: APIError
            if let mapped = APIError.from(error) {
                apiError = mapped
                if mapped.status.code >= 500, mapped.code != "quota_exceeded" { logger.error("server error id=\(context.requestId): \(String(reflecting: error))") }
            } else {
                logger.error("internal error id=\(context.requestId): \(String(reflecting: error))")
                apiError = .internalError
            }
            if apiError.code == "not_found", let error = error as? HTTPError, error.status == .notFound {
                let allowed = routes.methods(for: request.uri.path)
                if !allowed.isEmpty {
                    apiError = APIError(
                        .methodNotAllowed, code: "method_not_allowed", message: "\(request.method) is not allowed here.",
                        headers: [.allow: allowed.joined(separator: ", ")])
                }
            }
            return try apiError.response(from: request, context: context)
        }
    }
}

/// The route patterns of the router and their methods (`/api/v1/user/{user_id}/files/{file_id}`),
/// loaded once the routes are added.
final class RouteTable: Sendable {
    private let entries = NIOLockedValueBox<[(segments: [String], method: String)]>([])

    func load(_ routes: [(path: String, method: String)]) {
        entries.withLockedValue { $0 = routes.map { (Self.segments($0.path), $0.method) } }
    }

    func methods(for path: String) -> [String] {
        let wanted = Self.segments(path)
        var methods: [String] = []
        for entry in entries.withLockedValue({ $0 }) where entry.segments.count == wanted.count {
            let matches = zip(entry.segments, wanted).allSatisfy { pattern, part in
                pattern.hasPrefix(":") || pattern.hasPrefix("{") || pattern == part
            }
            if matches, !methods.contains(entry.method) { methods.append(entry.method) }
        }
        return methods
    }

    static func segments(_ path: String) -> [String] {
        path.split(separator: "/").map(String.init)
    }
}
