import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers `Expect: 100-continue` as soon as a request's head arrives, so that curl and other
/// clients send the body at once instead of waiting a second (Hummingbird does not answer it).
///
/// A request whose `Content-Length` is already over the server's upload limit gets no 100: its
/// handler answers 413 without reading the body. A response marked `Connection: close` closes the
/// connection once written, so a refused upload's body is not read to its end.
///
/// That close lingers, as nginx's `lingering_close` does: when the client is still sending a body
/// (a 409, 413 or 507 answered early), the server stops writing, keeps reading and dropping what
/// arrives for up to `lingerTime`, and closes when the client does. Closing at once would reset the
/// connection while the client's bytes are unread, and the reset can destroy the answer in the
/// client's receive buffer before it reads it: the user saw "Failed sending data to the peer"
/// instead of "Something named … already exists".
/// Hand-written because neither Hummingbird nor swift-nio-extras has such a handler.
final class ExpectContinueHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let maxUpload: Int64?
    private let lingerTime: TimeAmount
    private var closeAfterResponse = false
    /// A request's head has arrived and its end has not.
    private var requestBodyOpen = false
    /// Output is closed; what arrives is dropped until the client closes or `lingerTime` passes.
    private var lingering = false
    private var closePromises: [EventLoopPromise<Void>] = []

    init(maxUpload: Int64?, lingerTime: TimeAmount = .seconds(5)) {
        self.maxUpload = maxUpload
        self.lingerTime = lingerTime
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if lingering {
            context.read()
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let request):
            requestBodyOpen = true
            if let expect = request.headerFields[.expect], expect.lowercased() == "100-continue" {
                let length = request.headerFields[.contentLength].flatMap { Int64($0) }
                let overLimit = length != nil && maxUpload != nil && length! > maxUpload!
                if !overLimit {
                    context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
                }
            }
        case .body:
            break
        case .end:
            requestBodyOpen = false
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finishLingering(context: context)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if lingering, let event = event as? ChannelEvent, event == .inputClosed {
            return finishLingering(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // The dropped bytes may not parse as HTTP; that is no reason to stop waiting for the client.
        if lingering { return }
        context.fireErrorCaught(error)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard lingering, mode == .all else { return context.close(mode: mode, promise: promise) }
        if let promise { closePromises.append(promise) }
    }

    /// Stops writing and starts dropping what the client still sends.
    private func linger(context: ChannelHandlerContext) {
        lingering = true
        context.close(mode: .output, promise: nil)
        context.eventLoop.assumeIsolated().scheduleTask(in: lingerTime) { self.finishLingering(context: context) }
        context.read()
    }

    private func finishLingering(context: ChannelHandlerContext) {
        guard lingering else { return }
        lingering = false
        let promises = closePromises
        closePromises = []
        context.close(mode: .all, promise: nil)
        promises.forEach { $0.succeed() }
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
                if requestBodyOpen {
                    context.writeAndFlush(data).assumeIsolated().whenComplete { _ in self.linger(context: context) }
                    promise?.succeed()
                } else {
                    context.writeAndFlush(data, promise: promise)
                    context.close(promise: nil)
                }
            } else {
                context.write(data, promise: promise)
            }
        }
    }
}
