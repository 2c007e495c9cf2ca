import Foundation
import Hummingbird
import Logging
import PapersCore
import Testing

@testable import PapersServer

/// docs/openapi.yaml and the router must list the same routes: a route the spec lacks, or a spec
/// entry no route serves, fails here.
@Suite struct OpenAPISyncTests {
    static let specPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml").path

    /// `METHOD /path` pairs from the spec's `paths:` section (paths at two spaces, operations at four).
    static func specRoutes() throws -> Set<String> {
        let text = try String(contentsOfFile: specPath, encoding: .utf8)
        var routes = Set<String>()
        var inPaths = false
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("paths:") { inPaths = true; continue }
            guard inPaths else { continue }
            if let first = line.first, first != " ", first != "#" { break }  // the next top-level key
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                current = String(line.dropFirst(2).dropLast())
            } else if let current, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let key = line.trimmingCharacters(in: .whitespaces).dropLast().uppercased()
                if ["GET", "PUT", "POST", "DELETE", "HEAD", "PATCH", "OPTIONS"].contains(key) {
                    routes.insert("\(key) \(Self.normalise(current))")
                }
            }
        }
        return routes
    }

    /// `/api/v1/user/{user_id}/files/` and `/api/v1/user/:user_id/files` compare equal, and so do
    /// the router's catch-all `**` and the spec's `{path}` (`/s/{token}/{path}`).
    static func normalise(_ path: String) -> String {
        "/" + path.split(separator: "/").map { $0.hasPrefix(":") || $0.hasPrefix("{") || $0 == "**" ? "{}" : String($0) }.joined(separator: "/")
    }

    @Test func specAndRouterAgree() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("papers-spec-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var configuration = ServerConfiguration(dataDirectory: dir)
        configuration.passwordRounds = 1000
        configuration.metrics = true  // /metrics exists only then; it is in the spec
        let dependencies = try await AppDependencies.open(configuration, logger: Logger(label: "test"))
        let router = buildRouter(dependencies, logger: Logger(label: "test"))
        // WebDAV's methods are not OpenAPI's; /dav/ is documented in docs/webdav.md (checked below).
        let served = Set(
            router.routes.map { "\($0.method.rawValue) \(Self.normalise($0.path.description))" }.filter { !$0.contains(" /dav") })
        let documented = try Self.specRoutes()
        #expect(!documented.isEmpty)
        #expect(served.subtracting(documented).sorted() == [], "routes missing from docs/openapi.yaml")
        #expect(documented.subtracting(served).sorted() == [], "documented routes the server does not have")
    }

    /// Every method `/dav/` answers has a section in docs/webdav.md.
    @Test func webDAVGuideNamesEveryMethod() throws {
        let guide = URL(fileURLWithPath: Self.specPath).deletingLastPathComponent().appendingPathComponent("webdav.md").path
        let text = try String(contentsOfFile: guide, encoding: .utf8)
        for method in DAVController.methods {
            #expect(text.contains("### \(method)"), "docs/webdav.md has no section on \(method)")
        }
    }
}
