import Foundation
import GRDB
import PapersCore
import Testing

@testable import PapersServer

/// The store over an in-memory database (the same migrator as the file), and the records' column
/// lists: a row read by position must say what the same row says by column name.
@Suite struct RecordColumnsTests {
    static func store() throws -> (SQLiteMetadataStore, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("papers-records-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let queue = try DatabaseQueue(configuration: SQLiteMetadataStore.configuration)
        return (try SQLiteMetadataStore(writer: queue), dir)
    }

    @Test func aNodeReadByPositionMatchesItsColumnsByName() async throws {
        let (store, dir) = try Self.store()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let user = try await store.createUser(email: "ada@example.com", fullname: "Ada", passwordHash: "x", quotaBytes: 1 << 30)
        let folder = try await store.createFolder(ownerId: user.id, parentId: nil, name: "Work", onConflict: .fail)
        let rows = try await store.database.read { db in
            try Row.fetchAll(db, sql: "SELECT \(NodeRecord.columns) FROM nodes WHERE owner_id = ? ORDER BY parent_id NULLS FIRST", arguments: [user.id])
        }
        #expect(rows.count == 2)  // the root and Work
        for row in rows {
            let node = NodeRecord(row: row)
            typealias C = NodeRecord.Columns
            #expect(node.id == row[C.id] as String)
            #expect(node.ownerId == row[C.ownerId] as String)
            #expect(node.parentId == row[C.parentId] as String?)
            #expect(node.name == row[C.name] as String)
            #expect(node.isFolder == row[C.isFolder] as Bool)
            #expect(node.size == row[C.size] as Int64)
            #expect(node.mimeType == row[C.mimeType] as String)
            #expect(node.sha256 == row[C.sha256] as String?)
            #expect(node.createdMs == row[C.createdMs] as Int64)
            #expect(node.modifiedMs == row[C.modifiedMs] as Int64)
            #expect(node.version == row[C.version] as Int64)
        }
        #expect(NodeRecord.columnCount == rows[0].count)
        #expect(try await store.node(id: folder.id, ownerId: user.id, kind: .folder).path == "/Work")
        #expect(try await store.user(id: user.id) == user)
        #expect(try await store.quotaRemaining(userId: user.id) == 1 << 30)
    }
}
