import Synchronization

/// Runs a tree transfer's files a few at a time: the walk adds each file's work and goes on while
/// fewer than `limit` run; when one fails, no more start, the ones already going are let finish
/// (a file that started arrives whole or not at all, as one at a time would), and `finish` throws
/// the first failure. Outputs come back in the order the work was added. Used only by the task
/// that walks the tree; the file tasks report back through `done` and `failure`.
final class Lanes<Output: Sendable> {
    private let limit: Int
    private var tasks: [Task<Output, any Error>] = []
    private var running = 0
    private var numbered = 0
    private let done: AsyncStream<Void>.Continuation
    private var ended: AsyncStream<Void>.Iterator
    private let failure = FirstFailure()

    init(limit: Int) {
        self.limit = max(1, limit)
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        done = continuation
        ended = stream.makeAsyncIterator()
    }

    /// Starts `work` (given the file's number, 1, 2, ...) once a lane is free.
    /// - Throws: the first failure of the work added before, which stops the transfer.
    func add(_ work: @escaping @Sendable (_ number: Int) async throws(ClientError) -> Output) async throws(ClientError) {
        try stopIfFailed()
        if running >= limit {
            _ = await ended.next()
            running -= 1
            try stopIfFailed()
        }
        numbered += 1
        running += 1
        let (number, done, failure) = (numbered, done, failure)
        tasks.append(
            Task {
                defer { done.yield() }
                do throws(ClientError) {
                    return try await work(number)
                } catch {
                    failure.note(error)
                    throw error
                }
            })
    }

    /// Waits for all the work; its outputs in order.
    /// - Throws: the first failure (once the rest has finished).
    func finish() async throws(ClientError) -> [Output] {
        await drain()
        if let first = failure.first { throw first }
        var outputs: [Output] = []
        for task in tasks {
            do { outputs.append(try await task.value) } catch { throw error as? ClientError ?? .cancelled }
        }
        return outputs
    }

    /// Waits until the work already started has finished (the walk stopped).
    func drain() async {
        for task in tasks { _ = try? await task.value }
    }

    private func stopIfFailed() throws(ClientError) {
        if let first = failure.first { throw first }
    }

    deinit { done.finish() }
}

/// The first error of work running at once.
private final class FirstFailure: Sendable {
    private let error = Mutex<ClientError?>(nil)

    var first: ClientError? { error.withLock { $0 } }

    func note(_ failure: ClientError) {
        error.withLock { if $0 == nil { $0 = failure } }
    }
}

/// Lets one task at a time through (conflict questions of files sent at once are asked one by one).
final class AsyncGate: Sendable {
    private let state = Mutex<(held: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    func enter() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let entered = state.withLock { s in
                if !s.held {
                    s.held = true
                    return true
                }
                s.waiting.append(continuation)
                return false
            }
            if entered { continuation.resume() }
        }
    }

    func leave() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard !s.waiting.isEmpty else {
                s.held = false
                return nil
            }
            return s.waiting.removeFirst()
        }
        next?.resume()
    }
}
