import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import PapersCore

/// Answers a request the HTTP decoder cannot read — a head too large, a URI too long, a duplicate
/// `Content-Length`, bad framing — with the API's JSON error body and the right status (431, 414 or
/// 400), then closes the connection. Hummingbird answers these with an empty 400.
///
/// Sits after the HTTP codec, where the decoder's errors arrive. Errors in the middle of a request
/// (its body) are left to the request's handler, which sees its body stream fail.
final class MalformedRequestHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let logger: Logger
    /// This connection's meter, put in front of the decoder by `ServerChannel`.
    let meter = RequestLineMeter()
    /// Requests whose head arrived and whose response has not been written to its end.
    private var requestsInProgress = 0

    init(logger: Logger) {
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: requestsInProgress += 1
        case .body: break
        case .end: meter.requestEnded()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { requestsInProgress = max(0, requestsInProgress - 1) }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError, requestsInProgress == 0 else {
            context.fireErrorCaught(error)
            return
        }
        let answer = Self.answer(for: parserError, requestLineTooLong: meter.requestLineTooLong)
        logger.info("refused a malformed request from \(context.remoteAddress?.ipAddress ?? "?"): \(parserError) -> \(answer.status.code)")
        let body = (try? answer.body()) ?? Data()
        let head = HTTPResponse(
            status: answer.status,
            headerFields: [
                .contentType: "application/json; charset=utf-8", .contentLength: String(body.count), .connection: "close",
                HTTPField.Name("X-Request-Id")!: RandomID.uuid(),
            ])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }

    static func answer(for error: HTTPParserError, requestLineTooLong: Bool) -> APIError {
        switch error {
        case .headerOverflow where requestLineTooLong:
            return APIError(.uriTooLong, code: "uri_too_long", message: "The request's URI is too long (at most 80 KiB).")
        case .headerOverflow:
            return APIError(
                .requestHeaderFieldsTooLarge, code: "request_head_too_large",
                message: "The request's header fields are too large (at most 80 KiB, 1000 fields).")
        case .invalidContentLength, .unexpectedContentLength:
            return .badRequest("The request's Content-Length is invalid or given more than once.")
        default:
            return .badRequest("The request is not valid HTTP/1.1.")
        }
    }
}

/// Watches the raw bytes before the HTTP decoder to tell, when the decoder overflows, whether the
/// request line was too long (a URI too long: 414) or the header fields were (431): the decoder's
/// error is the same for both. Measures the first line after each request's end (or the
/// connection's start). Requests pipelined into one read are measured as one: the second's request
/// line then counts as short, so its overflow is reported as 431.
final class RequestLineMeter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// The decoder's limit on one field, which the request line counts against (Hummingbird's default).
    static let lineLimit = 80 * 1024

    private var lineLength = 0
    private var lineFinished = false

    /// Whether the current request line is unfinished or alone over the limit.
    var requestLineTooLong: Bool { !lineFinished || lineLength >= Self.lineLimit }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !lineFinished {
            let bytes = unwrapInboundIn(data).readableBytesView
            if let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) {
                lineLength += newline - bytes.startIndex
                lineFinished = true
            } else {
                lineLength += bytes.count
            }
        }
        context.fireChannelRead(data)
    }

    /// Called when the decoder finished a request: the next bytes start a new request line.
    func requestEnded() {
        lineLength = 0
        lineFinished = false
    }
}
