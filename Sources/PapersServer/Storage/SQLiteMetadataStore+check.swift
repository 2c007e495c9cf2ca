import Foundation
import GRDB

extension SQLiteMetadataStore {
    func contentInUse(after: String?, limit: Int) async throws -> [ContentInUse] {
        try reading { db in try Self.contentInUse(db, after: after, limit: limit) }
    }

    /// A page of the content files and kept versions use, by hash; also read from a back-up's
    /// snapshot file (`Backup`).
    static func contentInUse(_ db: Database, after: String?, limit: Int) throws -> [ContentInUse] {
        let after = after ?? ""
        return try Row.fetchAll(
            db,
            sql: """
                SELECT sha256, MAX(size) FROM (
                  SELECT sha256, size FROM nodes WHERE sha256 IS NOT NULL AND sha256 > ?
                  UNION ALL SELECT sha256, size FROM versions WHERE sha256 > ?)
                GROUP BY sha256 ORDER BY sha256 LIMIT ?
                """, arguments: [after, after, limit]
        ).map { ContentInUse(sha256: $0[0], size: $0[1]) }
    }

    /// Writes a consistent copy of the database to `path` (`VACUUM INTO`: one read transaction, so
    /// the server's writes go on meanwhile; the copy is compact and in rollback-journal mode).
    func snapshot(to path: String) async throws {
        try await database.writeWithoutTransaction { db in
            try db.execute(sql: "VACUUM INTO ?", arguments: [path])
        }
    }

    func contentUsers(sha256: String, limit: Int) async throws -> [ContentUser] {
        try reading { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT u.email, n.id, n.name, CASE WHEN n.trash_id IS NULL THEN 'file' ELSE 'trash' END
                    FROM nodes n JOIN users u ON u.id = n.owner_id WHERE n.sha256 = ?
                    UNION ALL
                    SELECT u.email, n.id, n.name, 'version' FROM versions v JOIN nodes n ON n.id = v.node_id JOIN users u ON u.id = v.owner_id
                    WHERE v.sha256 = ?
                    LIMIT ?
                    """, arguments: [sha256, sha256, limit]
            ).map { ContentUser(email: $0[0], fileId: $0[1], name: $0[2], place: ContentUser.Place(rawValue: $0[3]) ?? .file) }
        }
    }

    func unrecorded(_ hashes: [String]) async throws -> [String] {
        try reading { db in
            try hashes.filter { hash in
                try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM blobs WHERE sha256 = ?"), arguments: [hash]) == nil
            }
        }
    }

    func sizeMismatches(limit: Int) async throws -> [SizeMismatch] {
        try reading { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT u.email, f.id, f.name, f.size, t.total FROM (
                      SELECT f.id, COALESCE((SELECT SUM(c.size) FROM nodes c WHERE c.parent_id = f.id AND c.trash_id IS NULL), 0) AS total
                      FROM nodes f WHERE f.is_folder = 1 AND f.trash_id IS NULL) t
                    JOIN nodes f ON f.id = t.id JOIN users u ON u.id = f.owner_id
                    WHERE f.size != t.total ORDER BY u.email, f.id LIMIT ?
                    """, arguments: [limit]
            ).map { SizeMismatch(email: $0[0], folderId: $0[1], name: $0[2], stored: $0[3], actual: $0[4]) }
        }
    }

    func repairSizes() async throws -> Int {
        try await writing { db in
            // Each pass fixes the folders whose children are right; a wrong folder deeper down makes
            // its parent wrong only once it is fixed, so passes repeat until one changes nothing.
            var changed = 0
            while true {
                try db.execute(
                    sql: """
                        UPDATE nodes SET size = (SELECT COALESCE(SUM(c.size), 0) FROM nodes c WHERE c.parent_id = nodes.id AND c.trash_id IS NULL),
                                         version = version + 1
                        WHERE is_folder = 1 AND trash_id IS NULL
                          AND size != (SELECT COALESCE(SUM(c.size), 0) FROM nodes c WHERE c.parent_id = nodes.id AND c.trash_id IS NULL)
                        """)
                if db.changesCount == 0 { return changed }
                changed += db.changesCount
            }
        }
    }
}
