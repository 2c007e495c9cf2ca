import Foundation
import Metrics
import Prometheus
import Synchronization

/// `--metrics`: Prometheus text at `/metrics` (or on `--metrics-listen`'s address).
///
/// Requests by route template, method and status with latency histograms come from Hummingbird's
/// `MetricsMiddleware` through swift-metrics, pointed at this registry (its labels are route
/// templates such as `/api/v1/user/{user_id}/files/{file_id}`, never ids); bytes in and out from
/// `ByteCountingHandler`; uploads in flight and the database pool's use are read from the counters
/// the stores and uploads always keep (`ActivityCounter`) when the page is asked for.
public final class ServerMetrics: Sendable {
    /// The process's one registry: swift-metrics can be pointed at a factory once per process.
    public static let shared = ServerMetrics()

    let registry = PrometheusCollectorRegistry()
    let received: Prometheus.Counter
    let sent: Prometheus.Counter
    let connectionsOpened: Prometheus.Counter
    let connectionsOpen: Prometheus.Gauge
    private let uploadsInFlight: Prometheus.Gauge
    private let databaseInUse: Prometheus.Gauge
    private let databaseConnections: Prometheus.Gauge
    private let databaseOperations: Prometheus.Counter
    private let databaseOperationsSeen = Mutex(0)

    /// The names Hummingbird's middleware records under, as Prometheus names them.
    static let renamed = [
        "hb.requests": "papers_http_requests_total",
        "hb.request.errors": "papers_http_request_errors_total",
        "http.server.request.duration": "papers_http_request_duration_seconds",
        "http.server.active_requests": "papers_http_requests_in_flight",
    ]
    static let renamedLabels = ["http.route": "route", "http.request.method": "method", "http.response.status_code": "status", "error.type": "status"]

    private init() {
        received = registry.makeCounter(name: "papers_http_received_bytes_total", help: "Bytes received from clients, HTTP framing included.")
        sent = registry.makeCounter(name: "papers_http_sent_bytes_total", help: "Bytes sent to clients, HTTP framing included.")
        connectionsOpened = registry.makeCounter(name: "papers_http_connections_total", help: "Client connections accepted.")
        connectionsOpen = registry.makeGauge(name: "papers_http_connections_open", help: "Client connections open now.")
        uploadsInFlight = registry.makeGauge(name: "papers_uploads_in_flight", help: "Upload bodies being received now (tus PATCHes included).")
        databaseInUse = registry.makeGauge(name: "papers_database_connections_in_use", help: "Database operations holding a connection now.")
        databaseConnections = registry.makeGauge(name: "papers_database_connections", help: "Connections the database pool keeps.")
        databaseOperations = registry.makeCounter(name: "papers_database_operations_total", help: "Database operations run.")
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = { name, labels in
            (Self.renamed[name] ?? Self.prometheusName(name), labels.map { (Self.renamedLabels[$0.0] ?? Self.prometheusName($0.0), $0.1) })
        }
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
            .seconds(30), .seconds(60),
        ]
        MetricsSystem.bootstrap(factory)
    }

    /// `a.b-c` → `a_b_c`: what Prometheus allows in a name.
    static func prometheusName(_ name: String) -> String {
        String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") ? $0 : "_" })
    }

    /// The page, with the gauges read from the server's counters now.
    func exposition(_ dependencies: AppDependencies) -> [UInt8] {
        uploadsInFlight.set(Int64(dependencies.staging.uploads.current + dependencies.resumableUploads.appending.current))
        databaseInUse.set(Int64(dependencies.store.activity.current))
        databaseConnections.set(Int64(dependencies.store.connections))
        let total = dependencies.store.activity.total
        let added = databaseOperationsSeen.withLock { seen in
            defer { seen = max(seen, total) }
            return max(0, total - seen)
        }
        if added > 0 { databaseOperations.increment(by: Int64(added)) }
        return registry.emitToBuffer()
    }
}
