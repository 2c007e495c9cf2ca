import NIOCore

/// Counts connections, and the bytes each receives and sends, at the socket end of its pipeline
/// (`--metrics`). One atomic add per read and per write.
final class ByteCountingHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    let metrics: ServerMetrics

    init(metrics: ServerMetrics) {
        self.metrics = metrics
    }

    func handlerAdded(context: ChannelHandlerContext) {
        metrics.connectionsOpened.increment()
        metrics.connectionsOpen.increment()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        metrics.connectionsOpen.decrement()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        metrics.received.increment(by: Int64(unwrapInboundIn(data).readableBytes))
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .byteBuffer(let buffer): metrics.sent.increment(by: Int64(buffer.readableBytes))
        case .fileRegion(let region): metrics.sent.increment(by: Int64(region.readableBytes))
        }
        context.write(data, promise: promise)
    }
}
