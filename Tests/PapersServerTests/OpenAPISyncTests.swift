import Foundation
import Hummingbird
import Logging
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

    /// `/api/v1/user/{user_id}/files/` and `/api/v1/user/:user_id/files` compare equal.
    static func normalise(_ path: String) -> String {
        "/" + path.split(separator: "/").map { $0.hasPrefix(":") || $0.hasPrefix("{") ? "{}" : String($0) }.joined(separator: "/")
    }

    @Test func specAndRouterAgree() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("papers-spec-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var configuration = ServerConfiguration(dataDirectory: dir)
        configuration.passwordRounds = 1000
        let dependencies = try await AppDependencies.open(configuration, logger: Logger(label: "test"))
        let router = buildRouter(dependencies, logger: Logger(label: "test"))
        let served = Set(router.routes.map { "\($0.method.rawValue) \(Self.normalise($0.path.description))" })
        let documented = try Self.specRoutes()
        #expect(!documented.isEmpty)
        #expect(served.subtracting(documented).sorted() == [], "routes missing from docs/openapi.yaml")
        #expect(documented.subtracting(served).sorted() == [], "documented routes the server does not have")
    }
}

import PapersCore

/// The hand-written page JSON says exactly what JSONEncoder would.
@Suite struct NodeJSONTests {
    static let nodes = [
        Node(
            id: "a", name: "quote \" back\\slash\nnew\tline \u{1} 日本語 🎉 /slash", isFolder: false, parentId: nil, path: "/x/y",
            size: 12_345_678_901, mimeType: "text/plain", sha256: "ab", creator: "u", dateCreated: "2026-11-25T22:40:00.123Z",
            dateModified: "2026-11-25T22:40:00.124Z", etag: "\"a-1\""),
        Node(
            id: "b", name: "folder", isFolder: true, parentId: "p", path: "/folder", size: 0, mimeType: "inode/directory", sha256: nil,
            creator: "u", dateCreated: "d", dateModified: "e", etag: "\"b-2\""),
    ]

    @Test func pagesMatchJSONEncoder() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for cursor in [nil, "c\"ursor"] as [String?] {
            let ours = NodeJSON.page(Self.nodes, nextCursor: cursor)
            let decoded = try JSONDecoder().decode(NodePage.self, from: Data(ours.readableBytesView))
            #expect(decoded == NodePage(items: Self.nodes, nextCursor: cursor))
            #expect(String(buffer: ours) == String(decoding: try encoder.encode(NodePage(items: Self.nodes, nextCursor: cursor)), as: UTF8.self))
        }
        // Single nodes too, down to the worst case for the reserved room: every byte escaped as \u00XX.
        let controls = String(repeating: "\u{1f}", count: 300)
        let worst = Node(
            id: controls, name: controls, isFolder: false, parentId: controls, path: controls, size: Int64.min, mimeType: controls,
            sha256: controls, creator: controls, dateCreated: controls, dateModified: controls, etag: controls)
        for node in Self.nodes + [worst] {
            #expect(String(buffer: NodeJSON.node(node)) == String(decoding: try encoder.encode(node), as: UTF8.self))
        }
        let folder = NodeJSON.folder(Self.nodes[1], items: Self.nodes, nextCursor: nil)
        let listing = try JSONDecoder().decode(FolderListing.self, from: Data(folder.readableBytesView))
        #expect(listing == FolderListing(folder: Self.nodes[1], page: NodePage(items: Self.nodes, nextCursor: nil)))
    }
}
