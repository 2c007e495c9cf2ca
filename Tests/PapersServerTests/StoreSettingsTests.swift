import Foundation
import GRDB
import Testing

@testable import PapersServer

/// The SQLite settings the durability promise rests on (docs/operations.md), read back from the
/// connection that commits.
@Suite struct StoreSettingsTests {
    @Test func theWriterSyncsEveryCommitInWALModeWithForeignKeys() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("papers-store-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let store = try SQLiteMetadataStore(path: dir + "/papers.sqlite")
        let (synchronous, journal, foreignKeys) = try store.database.writeWithoutTransaction { db in
            (
                try Int.fetchOne(db, sql: "PRAGMA synchronous"), try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                try Bool.fetchOne(db, sql: "PRAGMA foreign_keys")
            )
        }
        #expect(synchronous == 2)  // FULL: GRDB's pool sets NORMAL unless told again after opening
        #expect(journal == "wal")
        #expect(foreignKeys == true)
    }
}
