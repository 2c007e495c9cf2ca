import Foundation
import PapersCore
import PostgresNIO

/// The collector's side of content references in PostgreSQL: the protocol of
/// `SQLiteMetadataStore+collection.swift`, with row locks where SQLite has its one writer. A claim
/// skips rows a commit holds (`SKIP LOCKED`) and re-checks, after the lock, that no node uses the
/// content, so a reference committed meanwhile is never claimed.
extension PostgresMetadataStore {
    func acquireLease(_ name: String, holder: String, seconds: TimeInterval) async throws -> Bool {
        let now = nowMs
        let expires = now + Int64(seconds * 1000)
        let logger = self.logger
        return try await withConnection { c in
            try await !Self.rows(
                c,
                """
                INSERT INTO leases (name, holder, expires_ms) VALUES (\(name), \(holder), \(expires))
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ms = excluded.expires_ms
                  WHERE leases.holder = excluded.holder OR leases.expires_ms < \(now)
                RETURNING name
                """, logger: logger
            ).isEmpty
        }
    }

    func claimUnreferenced(before cutoff: Date, abandonedBefore: Date, limit: Int) async throws -> [String] {
        let now = nowMs
        let cutoffMs = Timestamp.milliseconds(cutoff)
        let abandonedMs = Timestamp.milliseconds(abandonedBefore)
        let logger = self.logger
        return try await transaction { c in
            let candidates = try await Self.rows(
                c,
                """
                SELECT sha256 FROM blobs
                WHERE (deleting_ms IS NULL AND unreferenced_ms < \(cutoffMs)) OR deleting_ms < \(abandonedMs)
                LIMIT \(limit) FOR UPDATE SKIP LOCKED
                """, logger: logger
            ).map { try $0[0].decode(String.self) }
            var claimed: [String] = []
            for hash in candidates {
                // A fresh statement after the lock: it sees every reference committed before it.
                let rows = try await Self.rows(
                    c,
                    """
                    UPDATE blobs SET deleting_ms = \(now) WHERE sha256 = \(hash)
                      AND ((deleting_ms IS NULL AND unreferenced_ms < \(cutoffMs)) OR deleting_ms < \(abandonedMs))
                      AND NOT EXISTS (SELECT 1 FROM nodes WHERE sha256 = \(hash))
                      AND NOT EXISTS (SELECT 1 FROM versions WHERE sha256 = \(hash))
                    RETURNING sha256
                    """, logger: logger)
                if !rows.isEmpty { claimed.append(hash) }
            }
            return claimed
        }
    }

    func claimUnrecorded(_ hashes: [String]) async throws -> [String] {
        let now = nowMs
        let logger = self.logger
        var claimed: [String] = []
        for start in stride(from: 0, to: hashes.count, by: 500) {
            let chunk = Array(hashes[start..<min(start + 500, hashes.count)])
            claimed += try await transaction { c in
                var mine: [String] = []
                for hash in chunk {
                    let rows = try await Self.rows(
                        c,
                        """
                        INSERT INTO blobs (sha256, size, unreferenced_ms, deleting_ms) VALUES (\(hash), 0, 0, \(now))
                        ON CONFLICT (sha256) DO NOTHING RETURNING sha256
                        """, logger: logger)
                    if !rows.isEmpty { mine.append(hash) }
                }
                return mine
            }
        }
        return claimed
    }

    func forgetRemoved(_ hashes: [String]) async throws {
        guard !hashes.isEmpty else { return }
        let logger = self.logger
        try await withConnection { c in
            try await c.query("DELETE FROM blobs WHERE sha256 = ANY(\(hashes)) AND deleting_ms IS NOT NULL", logger: logger)
        }
    }
}
