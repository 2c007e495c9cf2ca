import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers `Expect: 100-continue` as soon as a request's head arrives, so that curl and other
/// clients send the body at once instead of waiting a second (Hummingbird does not answer it).
///
/// A request whose `Content-Length` is already over the server's upload limit gets no 100: its
/// handler answers 413 without reading the body. A response marked `Connection: close` closes the
/// connection once written, so a refused upload's body is not read to its end.
/// Hand-written because neither Hummingbird nor swift-nio-extras has such a handler.
final class ExpectContinueHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let maxUpload: Int64?
    private var closeAfterResponse = false

    init(maxUpload: Int64?) {
        self.maxUpload = maxUpload
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let request) = unwrapInboundIn(data),
            let expect = request.headerFields[.expect], expect.lowercased() == "100-continue"
        {
            let length = request.headerFields[.contentLength].flatMap { Int64($0) }
            let overLimit = length != nil && maxUpload != nil && length! > maxUpload!
            if !overLimit {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
            }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let response):
            closeAfterResponse = response.headerFields[.connection]?.lowercased() == "close"
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            if closeAfterResponse {
                closeAfterResponse = false
                context.writeAndFlush(data, promise: promise)
                context.close(promise: nil)
            } else {
                context.write(data, promise: promise)
            }
        }
    }
}
