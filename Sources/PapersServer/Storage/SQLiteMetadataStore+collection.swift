import Foundation
import GRDB
import PapersCore

/// Content no node uses, removed a grace period after it stopped being used (`BlobCollector`).
///
/// A row of `blobs` is the reference to stored content: written in the same transaction as the node
/// that uses it, marked `unreferenced_ms` in the transaction that drops its last node. Removal
/// re-checks and unlinks inside an immediate transaction, which holds the database's write lock, so
/// that no writer of any process sharing the database can take the content back in between.
extension SQLiteMetadataStore {
    /// Takes or renews the lease `name` for `seconds`; false while another holder's is unexpired.
    func acquireLease(_ name: String, holder: String, seconds: TimeInterval) async throws -> Bool {
        let now = nowMs
        let expires = now + Int64(seconds * 1000)
        return try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO leases (name, holder, expires_ms) VALUES (?, ?, ?)
                    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ms = excluded.expires_ms
                      WHERE leases.holder = excluded.holder OR leases.expires_ms < ?
                    """,
                arguments: [name, holder, expires, now])
            return db.changesCount > 0
        }
    }

    /// Removes content unreferenced since before `cutoff` (ms), at most `limit` of them per call.
    /// Returns how many went.
    func collectUnreferenced(before cutoff: Int64, limit: Int = 200) async throws -> Int {
        let candidates = try reading { db in
            try String.fetchAll(
                db, sql: "SELECT sha256 FROM blobs WHERE unreferenced_ms IS NOT NULL AND unreferenced_ms < ? LIMIT ?",
                arguments: [cutoff, limit])
        }
        guard !candidates.isEmpty else { return 0 }
        return try await database.writeWithoutTransaction { db in
            var removed = 0
            try db.inTransaction(.immediate) {
                for hash in candidates {
                    let stale = try Bool.fetchOne(
                        db.cachedStatement(
                            sql: """
                                SELECT EXISTS (SELECT 1 FROM blobs WHERE sha256 = ? AND unreferenced_ms IS NOT NULL AND unreferenced_ms < ?)
                                  AND NOT EXISTS (SELECT 1 FROM nodes WHERE sha256 = ?)
                                """),
                        arguments: [hash, cutoff, hash]) ?? false
                    guard stale else { continue }
                    try db.execute(sql: "DELETE FROM blobs WHERE sha256 = ?", arguments: [hash])
                    self.blobs.remove(sha256: hash)
                    removed += 1
                }
                return .commit
            }
            return removed
        }
    }

    /// Removes stored files that have no row (left by a crash between renaming content into place
    /// and committing its node) and were last changed before `cutoff`. Walks the whole blob folder:
    /// the collector runs it once per process start. Returns how many went.
    func sweepOrphanFiles(changedBefore cutoff: Date) async throws -> Int {
        let onDisk = blobs.storedHashes()
        let known = try reading { db in Set(try String.fetchAll(db, sql: "SELECT sha256 FROM blobs")) }
        let orphans = onDisk.filter { hash in
            guard !known.contains(hash) else { return false }
            var info = stat()
            guard stat(blobs.path(for: hash), &info) == 0 else { return false }
            return Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec)) < cutoff
        }
        guard !orphans.isEmpty else { return 0 }
        return try await database.writeWithoutTransaction { db in
            var removed = 0
            try db.inTransaction(.immediate) {
                for hash in orphans where try !Self.isReferenced(db, hash) {
                    self.blobs.remove(sha256: hash)
                    removed += 1
                }
                return .commit
            }
            return removed
        }
    }
}
