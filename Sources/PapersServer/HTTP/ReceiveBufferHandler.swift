import NIOCore

/// Lets a connection read up to 256 KiB at a time (NIO's default stops at 64 KiB).
///
/// An upload arrives in as many reads as it has chunks, and every chunk costs a trip through the
/// HTTP decoder, the request body stream and a `write` to its staging file. NIO's adaptive allocator
/// only grows the buffer while reads fill it, so idle and small requests keep small buffers.
/// Hummingbird has no setting for this; the handler sets the channel option when it is added.
final class ReceiveBufferHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    static let maximum = 256 << 10

    func handlerAdded(context: ChannelHandlerContext) {
        let allocator = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: Self.maximum)
        context.channel.setOption(ChannelOptions.recvAllocator, value: allocator).whenComplete { _ in }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
