import HTTPTypes
import NIOCore
import NIOHTTP2
import NIOHTTPTypes
import NIOHTTPTypesHTTP2

/// Makes an HTTP/2 stream out of answers written for HTTP/1.1.
///
/// HTTP/2 forbids connection-specific header fields (RFC 9113 § 8.2.2: `Connection`, `Keep-Alive`,
/// `Transfer-Encoding`, `Upgrade`, `Proxy-Connection`) and NIO refuses to send a response that has
/// one, so they are taken out. Where a handler asked for `Connection: close` to stop an upload it
/// refused early (409, 413, 507) and the request's body is still arriving, the stream — not the
/// connection — is ended once the answer is out, with `RST_STREAM(NO_ERROR)`: RFC 9113 § 8.1's way
/// of telling the client to stop sending without making the answer an error.
final class HTTP2StreamRules: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let connectionSpecific: [HTTPField.Name] = [
        .connection, .transferEncoding, .upgrade, HTTPField.Name("Keep-Alive")!, HTTPField.Name("Proxy-Connection")!,
    ]

    private var requestBodyOpen = false
    private var stopUpload = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: requestBodyOpen = true
        case .body: break
        case .end: requestBodyOpen = false
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var response):
            stopUpload = response.headerFields[.connection]?.lowercased() == "close"
            for name in Self.connectionSpecific { response.headerFields[name] = nil }
            context.write(wrapOutboundOut(.head(response)), promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            guard stopUpload, requestBodyOpen else { return context.write(data, promise: promise) }
            stopUpload = false
            context.writeAndFlush(data, promise: promise)
            context.triggerUserOutboundEvent(NIOHTTP2FramePayloadToHTTPEvent.reset(code: .noError), promise: nil)
        }
    }
}
