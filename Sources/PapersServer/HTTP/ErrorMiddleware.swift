import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers

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
        } catch let error as DAVError {
            return error.response()
        } catch let error as ClosingConnection where error.underlying is DAVError {
            var response = (error.underlying as! DAVError).response()
            response.headers[.connection] = "close"
            return response
        } catch {
            var apiError: APIError
            if let mapped = APIError.from(error) {
                apiError = mapped
                if mapped.isFault { logger.error("server error id=\(context.requestId): \(String(reflecting: error))") }
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
        for entry in entries.withLockedValue({ $0 }) {
            // A trailing `**` takes one segment or more (`/s/{token}/**`).
            let catchAll = entry.segments.last == "**"
            let fixed = catchAll ? entry.segments.dropLast() : entry.segments[...]
            guard catchAll ? wanted.count > fixed.count : wanted.count == fixed.count else { continue }
            let matches = zip(fixed, wanted).allSatisfy { pattern, part in
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
