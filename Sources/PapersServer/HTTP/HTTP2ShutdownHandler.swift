import NIOCore
import NIOHTTP2

/// Closes an HTTP/2 connection at graceful shutdown once no stream is open on it.
///
/// Hummingbird's connection manager answers the shutdown with GOAWAY and a PING, and closes only
/// when the client acknowledges the PING. An idle libcurl client (the TUI between two requests,
/// a pooled CLI handle) reads nothing, so the acknowledgement never comes and the server waited
/// for the client forever instead of stopping. HTTP/1.1 closes its idle kept-alive connections at
/// once; this handler does the same for HTTP/2: streams already going finish (an upload in flight
/// is not cut), then the connection closes. Sits after the connection manager, so the GOAWAY is
/// written first.
final class HTTP2ShutdownHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private var openStreams = 0
    private var stopping = false

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is NIOHTTP2StreamCreatedEvent:
            openStreams += 1
        case is StreamClosedEvent:
            openStreams = max(0, openStreams - 1)
            if stopping, openStreams == 0 { context.close(promise: nil) }
        case is ChannelShouldQuiesceEvent:
            stopping = true
            if openStreams == 0 { context.close(promise: nil) }
        default:
            break
        }
        context.fireUserInboundEventTriggered(event)
    }
}
