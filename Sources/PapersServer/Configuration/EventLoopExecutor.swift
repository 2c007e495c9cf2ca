import NIOCore
import NIOPosix

/// Where the server's Swift tasks run.
public enum EventLoopExecutor {
    /// Makes NIO's event loops Swift concurrency's global executor, so a request's handler runs on the
    /// event loop thread that read the request instead of hopping to the cooperative pool and back
    /// (measured: the hop was the largest single cost of a small request). Blocking work — password
    /// hashing, fsync, file reads — already runs on NIO thread pools, never in a handler.
    /// Call once, before the server starts; it is a no-op where NIO cannot take over.
    public static func install() {
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
