import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// One PostgreSQL connection pool per event loop, its connections on that loop, so that a request
/// talks to the database without leaving the thread that reads it: with one shared pool, a request
/// on one loop used a connection on another about half the time, and each query then cost two
/// thread wake-ups (there and back) — measured as the largest part of the server's CPU per
/// metadata request on PostgreSQL (docs/performance.md).
final class PostgresLoopPools: Sendable {
    private let pools: [ObjectIdentifier: PostgresClient]
    private let all: [PostgresClient]

    /// Pools for every loop of `group`, sharing `totalConnections` between them (at least four each).
    init(configuration: PostgresClient.Configuration, group: MultiThreadedEventLoopGroup, totalConnections: Int, logger: Logger) {
        var pools: [ObjectIdentifier: PostgresClient] = [:]
        var all: [PostgresClient] = []
        let loops = Array(group.makeIterator())
        var configuration = configuration
        configuration.options.maximumConnections = max(4, totalConnections / max(1, loops.count))
        for loop in loops {
            let client = PostgresClient(configuration: configuration, eventLoopGroup: loop, backgroundLogger: logger)
            pools[ObjectIdentifier(loop)] = client
            all.append(client)
        }
        self.pools = pools
        self.all = all
    }

    /// The pool of the loop this code runs on; off the loops (tools, tests), the first.
    var client: PostgresClient {
        if let loop = MultiThreadedEventLoopGroup.currentEventLoop, let client = pools[ObjectIdentifier(loop)] { return client }
        return all[0]
    }

    /// Runs every pool until cancelled (`PostgresClient.run`).
    func run() async {
        await withDiscardingTaskGroup { group in
            for client in all { group.addTask { await client.run() } }
        }
    }
}
