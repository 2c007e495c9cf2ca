import Foundation
import GRDB
import PapersCore

/// Content no node uses, claimed and forgotten around its removal from the blob store
/// (`BlobCollector`).
///
/// A row of `blobs` is the reference to stored content: written in the same transaction as the node
/// that uses it, marked `unreferenced_ms` in the transaction that drops its last node. The collector
/// claims a row (`deleting_ms`) in one transaction, removes the bytes outside any, and deletes the
/// row in another; a commit that meets a claimed row waits for it to go (`reference`), and one that
/// finds no row must have written the bytes itself after it looked, so that removal never races a
/// commit — on any process sharing the database — while no lock is held across the blob store's I/O.
extension SQLiteMetadataStore {
    func acquireLease(_ name: String, holder: String, seconds: TimeInterval) async throws -> Bool {
        let now = nowMs
        let expires = now + Int64(seconds * 1000)
        return try await writing { db in
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

    func claimUnreferenced(before cutoff: Date, abandonedBefore: Date, limit: Int) async throws -> [String] {
        let now = nowMs
        let cutoffMs = Timestamp.milliseconds(cutoff)
        let abandonedMs = Timestamp.milliseconds(abandonedBefore)
        return try await writing { db in
            try String.fetchAll(
                db,
                sql: """
                    UPDATE blobs SET deleting_ms = ? WHERE sha256 IN (
                      SELECT sha256 FROM blobs WHERE deleting_ms IS NULL AND unreferenced_ms < ?
                      UNION SELECT sha256 FROM blobs WHERE deleting_ms < ?
                      LIMIT ?)
                    AND NOT EXISTS (SELECT 1 FROM nodes WHERE nodes.sha256 = blobs.sha256)
                    AND NOT EXISTS (SELECT 1 FROM versions WHERE versions.sha256 = blobs.sha256)
                    RETURNING sha256
                    """,
                arguments: [now, cutoffMs, abandonedMs, limit])
        }
    }

    func claimUnrecorded(_ hashes: [String]) async throws -> [String] {
        let now = nowMs
        var claimed: [String] = []
        for chunk in stride(from: 0, to: hashes.count, by: 500).map({ Array(hashes[$0..<min($0 + 500, hashes.count)]) }) {
            claimed += try await writing { db in
                try chunk.filter { hash in
                    try db.cachedStatement(
                        sql: """
                            INSERT INTO blobs (sha256, size, unreferenced_ms, deleting_ms) VALUES (?, 0, 0, ?)
                            ON CONFLICT (sha256) DO NOTHING
                            """
                    ).execute(arguments: [hash, now])
                    return db.changesCount > 0
                }
            }
        }
        return claimed
    }

    func forgetRemoved(_ hashes: [String]) async throws {
        guard !hashes.isEmpty else { return }
        try await writing { db in
            for hash in hashes {
                try db.cachedStatement(sql: "DELETE FROM blobs WHERE sha256 = ? AND deleting_ms IS NOT NULL").execute(arguments: [hash])
            }
        }
    }
}
