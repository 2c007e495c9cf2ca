import Foundation
import Logging
import Testing

@testable import PapersServer

/// The small readers behind `--metrics-listen` and `/metrics`' names.
@Suite struct OperatorOptionsTests {
    @Test func listenAddressesAreHostColonPort() {
        #expect(ServerConfiguration.ListenAddress("127.0.0.1:9464") == .init(host: "127.0.0.1", port: 9464))
        #expect(ServerConfiguration.ListenAddress("[::1]:9464") == .init(host: "::1", port: 9464))
        #expect(ServerConfiguration.ListenAddress("metrics.internal:0") == .init(host: "metrics.internal", port: 0))
        for bad in ["9464", ":9464", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:http", "a b:1", ""] {
            #expect(ServerConfiguration.ListenAddress(bad) == nil, "\(bad)")
        }
    }

    @Test func metricNamesBecomePrometheusNames() {
        #expect(ServerMetrics.prometheusName("http.server.active_requests") == "http_server_active_requests")
        #expect(ServerMetrics.prometheusName("a-b c/é") == "a_b_c__")
        #expect(ServerMetrics.renamed["hb.requests"] == "papers_http_requests_total")
    }

    @Test func jsonLogValuesKeepTheirShape() throws {
        let value: Logger.MetadataValue = .dictionary(["a": .array([.string("x"), .stringConvertible(42)])])
        let json = JSONLogHandler.json(value) as? [String: Any]
        #expect((json?["a"] as? [Any])?.count == 2)
        #expect((json?["a"] as? [Any])?.last as? String == "42")
    }
}
