import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOSSL

/// Hummingbird's HTTP/1.1 channel with a `RequestLineMeter` in front of its decoder (Hummingbird
/// only lets handlers in after the decoder), so that `MalformedRequestHandler` can tell a URI too
/// long from header fields too large; and, with `--metrics`, a `ByteCountingHandler` in front of all.
struct MeteredHTTP1Channel: ServerChildChannel {
    let http1: HTTP1Channel
    let metrics: ServerMetrics?
    /// `--tls-cert`: TLS in front of everything but the byte count (which counts what is on the wire).
    let tls: TLSCertificates?

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        http1.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let handler = try channel.pipeline.syncOperations.handler(type: MalformedRequestHandler.self)
            try channel.pipeline.syncOperations.addHandler(handler.meter, position: .first)
            if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.current), position: .first) }
            if let metrics { try channel.pipeline.syncOperations.addHandler(ByteCountingHandler(metrics: metrics), position: .first) }
            return value
        }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}
