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

extension NIOThreadPool {
    /// Runs blocking `body` on the pool and resumes the caller on the event loop it was running on.
    ///
    /// `runIfActive(_:)` resumes from the pool thread, which puts the task on whichever loop is next;
    /// the answer then crosses to its connection's loop again. Completing on the caller's own loop
    /// saves that second hop (a wake-up per fsync, per download chunk).
    func runOnPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        guard let loop = MultiThreadedEventLoopGroup.currentEventLoop else { return try await runIfActive(body) }
        return try await runIfActive(eventLoop: loop, body).get()
    }
}
