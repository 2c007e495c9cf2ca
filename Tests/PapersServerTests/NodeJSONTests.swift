import Foundation
import Hummingbird
import Logging
import PapersCore
import Testing

@testable import PapersServer

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
