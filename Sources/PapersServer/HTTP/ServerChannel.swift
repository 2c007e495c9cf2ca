import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOSSL
import NIOTLS

/// One connection's pipeline, in wire order:
/// - with `--metrics`, a `ByteCountingHandler` (it counts what is on the wire);
/// - `ReceiveBufferHandler` (bigger reads for uploads);
/// - with `--tls-cert`, TLS, whose ALPN picks HTTP/2 (`h2`) or HTTP/1.1 — a client that offers
///   neither gets HTTP/1.1;
/// - HTTP/1.1: Hummingbird's channel with a `RequestLineMeter` put just in front of its decoder
///   (Hummingbird only lets handlers in after the decoder), so that `MalformedRequestHandler` can tell
///   a URI too long from header fields too large;
/// - HTTP/2: Hummingbird's HTTP/2 channel and `HTTP2ShutdownHandler`, each stream with
///   `ExpectContinueHandler` and `HTTP2StreamRules`. Plain-text connections are HTTP/1.1 only (no h2c: no client needs it).
struct ServerChannel: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let channel: any Channel
        /// Completes when TLS has chosen the protocol (at once without TLS).
        let chosen: EventLoopFuture<NIONegotiatedHTTPVersion<HTTP1Channel.Value, HTTP2Channel.Value>>
    }

    let http1: HTTP1Channel
    let http2: HTTP2Channel
    let metrics: ServerMetrics?
    let tls: TLSCertificates?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        do {
            let pipeline = channel.pipeline.syncOperations
            if let metrics { try pipeline.addHandler(ByteCountingHandler(metrics: metrics)) }
            try pipeline.addHandler(ReceiveBufferHandler())
            guard let tls else {
                return setupHTTP1(channel: channel, logger: logger).map { Value(channel: channel, chosen: channel.eventLoop.makeSucceededFuture(.http1_1($0))) }
            }
            try pipeline.addHandler(NIOSSLServerHandler(context: tls.current))
            let negotiation = NIOTypedApplicationProtocolNegotiationHandler<NIONegotiatedHTTPVersion<HTTP1Channel.Value, HTTP2Channel.Value>> { result in
                switch result {
                case .negotiated("h2"):
                    return http2.setup(channel: channel, logger: logger).flatMapThrowing { connection in
                        try channel.pipeline.syncOperations.addHandler(HTTP2ShutdownHandler())
                        return .http2(connection)
                    }
                case .negotiated("http/1.1"), .fallback:
                    return setupHTTP1(channel: channel, logger: logger).map { .http1_1($0) }
                case .negotiated(let other):
                    // Only a server configured wrongly can get here: the TLS context offers h2 and http/1.1.
                    return channel.close().flatMapThrowing { throw UnexpectedProtocol(name: other) }
                }
            }
            try pipeline.addHandler(negotiation)
            return channel.eventLoop.makeSucceededFuture(Value(channel: channel, chosen: negotiation.protocolNegotiationResult))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.chosen.get() {
            case .http1_1(let connection): await http1.handle(value: connection, logger: logger)
            case .http2(let connection): await http2.handle(value: connection, logger: logger)
            }
        } catch {
            logger.debug("TLS or protocol negotiation failed: \(error)")
        }
    }

    private func setupHTTP1(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        http1.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let malformed = try pipeline.handler(type: MalformedRequestHandler.self)
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandler(malformed.meter, position: .before(decoder))
            return value
        }
    }

    struct UnexpectedProtocol: Error {
        let name: String
    }
}
