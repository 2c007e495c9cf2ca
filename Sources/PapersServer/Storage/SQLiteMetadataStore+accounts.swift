import Foundation
import GRDB
import PapersCore

extension SQLiteMetadataStore {
    /// Creates an account and its root folder.
    /// - Throws: `StoreError.emailTaken` when the (canonical) e-mail is registered already.
    func createUser(email: String, fullname: String, passwordHash: String, quotaBytes: Int64?) async throws -> UserRecord {
        let id = RandomID.uuid()
        let rootId = RandomID.uuid()
        let now = nowMs
        do {
            return try await writing { db in
                try db.execute(
                    sql: """
                        INSERT INTO users (id, email, fullname, password_hash, created_ms, modified_ms, quota_bytes)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [id, email, fullname, passwordHash, now, now, quotaBytes])
                try db.execute(
                    sql: """
                        INSERT INTO nodes (id, owner_id, parent_id, name, sort_name, is_folder, mime_type, created_ms, modified_ms)
                        VALUES (?, ?, NULL, '', '', 1, 'inode/directory', ?, ?)
                        """, arguments: [rootId, id, now, now])
                return try Row.fetchOne(db, sql: "SELECT \(UserRecord.columns) FROM users WHERE id = ?", arguments: [id])
                    .map(UserRecord.init(row:))!
            }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw StoreError.emailTaken
        }
    }

    /// The account with this canonical e-mail, if any.
    func user(email: String) async throws -> UserRecord? {
        try reading { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT \(UserRecord.columns) FROM users WHERE email = ?"), arguments: [email]
            ).map(UserRecord.init(row:))
        }
    }

    /// The account with this id, if any.
    func user(id: String) async throws -> UserRecord? {
        try reading { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT \(UserRecord.columns) FROM users WHERE id = ?"), arguments: [id])
                .map(UserRecord.init(row:))
        }
    }

    /// Replaces a password hash (used to upgrade old hashes at login).
    func updatePasswordHash(userId: String, hash: String) async throws {
        let now = nowMs
        try await writing { db in
            try db.execute(
                sql: "UPDATE users SET password_hash = ?, modified_ms = ? WHERE id = ?", arguments: [hash, now, userId])
        }
    }

    /// Bytes used by the user's files (the size of their root folder), trash and versions.
    func usage(userId: String) async throws -> Usage {
        try reading { db in
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT n.size, u.trash_bytes, u.versions_bytes FROM users u
                        JOIN nodes n ON n.owner_id = u.id AND n.parent_id IS NULL AND n.trash_id IS NULL WHERE u.id = ?
                        """), arguments: [userId])
            return row.map { Usage(files: $0[0], trash: $0[1], versions: $0[2]) } ?? Usage(files: 0, trash: 0, versions: 0)
        }
    }

    func ownsContent(userId: String, sha256: String, size: Int64) async throws -> Bool {
        try reading { db in
            try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT 1 FROM nodes WHERE sha256 = ? AND owner_id = ? AND size = ? LIMIT 1"),
                arguments: [sha256, userId, size]) ?? false
        }
    }

    /// Bytes the user may still add; `nil` without a quota.
    func quotaRemaining(userId: String) async throws -> Int64? {
        try reading { db in try Self.quotaRemaining(db, userId: userId) }
    }

    static func quotaRemaining(_ db: Database, userId: String) throws -> Int64? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT u.quota_bytes, n.size + u.trash_bytes + u.versions_bytes FROM users u JOIN nodes n ON n.owner_id = u.id AND n.parent_id IS NULL AND n.trash_id IS NULL
                        WHERE u.id = ?
                        """), arguments: [userId])
        else { return 0 }
        guard let quota: Int64 = row[0] else { return nil }
        return max(0, quota - (row[1] as Int64))
    }

    // MARK: Tokens

    /// Records that a token may no longer be used, until it expires anyway.
    func revokeToken(id: String, expiresAt: Date) async throws {
        let expires = Timestamp.milliseconds(expiresAt)
        try await writing { db in
            try db.execute(sql: "INSERT OR IGNORE INTO revoked_tokens (jti, expires_ms) VALUES (?, ?)", arguments: [id, expires])
        }
        let nowMs = self.nowMs
        revoked.withLock { revoked in
            revoked[id] = expires
            // Expired tokens are refused before this check; forget them now and then (amortised O(1)).
            if revoked.count.isMultiple(of: 1024) { revoked = revoked.filter { $0.value >= nowMs } }
        }
    }

    /// Whether the token with this `jti` was revoked (from memory: see `revoked`).
    func isTokenRevoked(id: String) async throws -> Bool {
        revoked.withLock { $0[id] != nil }
    }

    // MARK: Login throttling

    /// Failures recorded under `key` since `since`: how many, and when the oldest happened.
    func loginFailures(key: String, since: Date) async throws -> (count: Int, oldest: Date?) {
        let sinceMs = Timestamp.milliseconds(since)
        return try reading { db in
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT COUNT(*), MIN(at_ms) FROM login_failures WHERE key = ? AND at_ms >= ?"),
                arguments: [key, sinceMs])!
            let oldest: Int64? = row[1]
            return (row[0], oldest.map { Date(timeIntervalSince1970: Double($0) / 1000) })
        }
    }

    /// Records one failed login under each key, and forgets that key's failures from before `forgetBefore`.
    func recordLoginFailure(keys: [String], at: Date, forgetBefore: Date) async throws {
        let at = Timestamp.milliseconds(at)
        let cutoff = Timestamp.milliseconds(forgetBefore)
        try await writing { db in
            for key in keys {
                try db.execute(sql: "INSERT INTO login_failures (key, at_ms) VALUES (?, ?)", arguments: [key, at])
                try db.execute(sql: "DELETE FROM login_failures WHERE key = ? AND at_ms < ?", arguments: [key, cutoff])
            }
        }
    }

    /// Forgets the failures under `key` (after a successful login).
    func clearLoginFailures(key: String) async throws {
        try await writing { db in
            try db.execute(sql: "DELETE FROM login_failures WHERE key = ?", arguments: [key])
        }
    }
}
