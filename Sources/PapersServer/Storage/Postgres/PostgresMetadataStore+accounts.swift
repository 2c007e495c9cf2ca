import Foundation
import PapersCore
import PostgresNIO

extension PostgresMetadataStore {
    static let userColumns = UserRecord.columns

    static func user(_ row: PostgresRandomAccessRow) throws -> UserRecord {
        UserRecord(
            id: try row[0].decode(String.self), email: try row[1].decode(String.self), fullname: try row[2].decode(String.self),
            passwordHash: try row[3].decode(String.self), createdMs: try row[4].decode(Int64.self), quotaBytes: try row[5].decode(Int64?.self),
            disabledMs: try row[6].decode(Int64?.self), tokensAfterMs: try row[7].decode(Int64?.self))
    }

    func createUser(email: String, fullname: String, passwordHash: String, quotaBytes: Int64?) async throws -> UserRecord {
        let id = RandomID.uuid()
        let rootId = RandomID.uuid()
        let now = nowMs
        let logger = self.logger
        do {
            return try await transaction { c in
                let rows = try await Self.rows(
                    c,
                    """
                    INSERT INTO users (id, email, fullname, password_hash, created_ms, modified_ms, quota_bytes)
                    VALUES (\(id), \(email), \(fullname), \(passwordHash), \(now), \(now), \(quotaBytes))
                    RETURNING \(unescaped: Self.userColumns)
                    """, logger: logger)
                try await c.query(
                    """
                    INSERT INTO nodes (id, owner_id, parent_id, name, sort_name, is_folder, mime_type, created_ms, modified_ms)
                    VALUES (\(rootId), \(id), NULL, '', '', TRUE, 'inode/directory', \(now), \(now))
                    """, logger: logger)
                return try Self.user(rows[0])
            }
        } catch where Self.sqlState(error) == "23505" {
            throw StoreError.emailTaken
        }
    }

    func user(email: String) async throws -> UserRecord? {
        let logger = self.logger
        return try await withConnection { c in
            try await Self.rows(c, "SELECT \(unescaped: Self.userColumns) FROM users WHERE email = \(email)", logger: logger).first.map(Self.user)
        }
    }

    func user(id: String) async throws -> UserRecord? {
        let logger = self.logger
        return try await withConnection { c in
            try await Self.rows(c, "SELECT \(unescaped: Self.userColumns) FROM users WHERE id = \(id)", logger: logger).first.map(Self.user)
        }
    }

    func updatePasswordHash(userId: String, hash: String) async throws {
        let now = nowMs
        let logger = self.logger
        try await withConnection { c in
            try await c.query("UPDATE users SET password_hash = \(hash), modified_ms = \(now) WHERE id = \(userId)", logger: logger)
        }
    }

    func usage(userId: String) async throws -> Usage {
        let logger = self.logger
        return try await withConnection { c in
            try await Self.rows(
                c,
                """
                SELECT n.size, u.trash_bytes, u.versions_bytes FROM users u
                JOIN nodes n ON n.owner_id = u.id AND n.parent_id IS NULL AND n.trash_id IS NULL WHERE u.id = \(userId)
                """, logger: logger
            ).first.map { Usage(files: try $0[0].decode(Int64.self), trash: try $0[1].decode(Int64.self), versions: try $0[2].decode(Int64.self)) }
                ?? Usage(files: 0, trash: 0, versions: 0)
        }
    }

    func ownsContent(userId: String, sha256: String, size: Int64) async throws -> Bool {
        let logger = self.logger
        return try await withConnection { c in
            try await !Self.rows(
                c, "SELECT 1 FROM nodes WHERE sha256 = \(sha256) AND owner_id = \(userId) AND size = \(size) LIMIT 1", logger: logger
            ).isEmpty
        }
    }

    func quotaRemaining(userId: String) async throws -> Int64? {
        let logger = self.logger
        return try await withConnection { c in try await Self.quotaRemaining(c, userId: userId, logger: logger) }
    }

    static func quotaRemaining(_ c: PostgresConnection, userId: String, logger: Logger) async throws -> Int64? {
        guard
            let row = try await rows(
                c,
                """
                SELECT u.quota_bytes, n.size + u.trash_bytes + u.versions_bytes FROM users u JOIN nodes n ON n.owner_id = u.id AND n.parent_id IS NULL AND n.trash_id IS NULL
                WHERE u.id = \(userId)
                """, logger: logger
            ).first
        else { return 0 }
        guard let quota = try row[0].decode(Int64?.self) else { return nil }
        return max(0, quota - (try row[1].decode(Int64.self)))
    }

    // MARK: Tokens

    func revokeToken(id: String, expiresAt: Date) async throws {
        let expires = Timestamp.milliseconds(expiresAt)
        let now = nowMs
        let logger = self.logger
        try await withConnection { c in
            // The announcement goes out when the row commits, to every server listening.
            try await c.query(
                """
                WITH added AS (
                  INSERT INTO revoked_tokens (jti, expires_ms, revoked_ms) VALUES (\(id), \(expires), \(now))
                  ON CONFLICT (jti) DO NOTHING RETURNING jti, expires_ms)
                SELECT pg_notify(\(Self.revocationChannel), jti || ' ' || expires_ms) FROM added
                """, logger: logger)
        }
        remember(revoked: id, expires: expires)
    }

    private func remember(revoked id: String, expires: Int64) {
        let now = nowMs
        revoked.withLock { revoked in
            revoked[id] = expires
            if revoked.count.isMultiple(of: 1024) { revoked = revoked.filter { $0.value >= now } }
        }
    }

    /// The channel revocations are announced on: `"<token id> <expiry ms>"`.
    static let revocationChannel = "papers_revocations"

    /// Listens on `revocationChannel` on a connection of its own, for as long as the server runs;
    /// when the connection breaks (the database restarts), listens again a second later. The poll
    /// in `followRevocations` covers what was announced meanwhile.
    func listenForRevocations() async {
        let logger = self.logger
        while !Task.isCancelled {
            do {
                try await pools.client.withConnection { connection in
                    try await connection.listen(on: Self.revocationChannel) { announcements in
                        for try await announcement in announcements {
                            let parts = announcement.payload.split(separator: " ")
                            guard parts.count == 2, let expires = Int64(parts[1]) else { continue }
                            self.remember(revoked: String(parts[0]), expires: expires)
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.debug("listening for logouts failed, the poll covers them: \(error)")
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    func isTokenRevoked(id: String) async throws -> Bool {
        revoked.withLock { $0[id] != nil }
    }

    /// Reads the revocations committed since the last look. A transaction that commits late may
    /// carry a `revoked_ms` older than rows already read, so each look goes back a window of
    /// `lateCommitWindow` before its watermark (rows seen again are no news).
    @discardableResult
    func followRevocations() async throws -> Int {
        let after = revokedUpTo.withLock { $0 } - Self.lateCommitWindow
        let now = nowMs
        let logger = self.logger
        let rows = try await withConnection { c in
            try await Self.rows(
                c, "SELECT jti, expires_ms, revoked_ms FROM revoked_tokens WHERE revoked_ms >= \(after) AND expires_ms >= \(now)",
                logger: logger
            ).map { (try $0[0].decode(String.self), try $0[1].decode(Int64.self), try $0[2].decode(Int64.self)) }
        }
        let added = revoked.withLock { revoked in
            var added = 0
            for (jti, expires, _) in rows where revoked.updateValue(expires, forKey: jti) == nil { added += 1 }
            return added
        }
        // The watermark moves to the database's newest row, never past a clock reading of ours.
        if let newest = rows.map(\.2).max() { revokedUpTo.withLock { $0 = max($0, newest) } }
        return added
    }

    /// Milliseconds a revocation's commit may lag behind its timestamp.
    static let lateCommitWindow: Int64 = 10_000

    // MARK: Login throttling

    func loginFailures(key: String, since: Date) async throws -> (count: Int, oldest: Date?) {
        let sinceMs = Timestamp.milliseconds(since)
        let logger = self.logger
        return try await withConnection { c in
            let row = try await Self.rows(
                c, "SELECT COUNT(*), MIN(at_ms) FROM login_failures WHERE key = \(key) AND at_ms >= \(sinceMs)", logger: logger)[0]
            let oldest = try row[1].decode(Int64?.self)
            return (Int(try row[0].decode(Int64.self)), oldest.map { Date(timeIntervalSince1970: Double($0) / 1000) })
        }
    }

    func recordLoginFailure(keys: [String], at: Date, forgetBefore: Date) async throws {
        let at = Timestamp.milliseconds(at)
        let cutoff = Timestamp.milliseconds(forgetBefore)
        let logger = self.logger
        try await transaction { c in
            for key in keys {
                try await c.query("INSERT INTO login_failures (key, at_ms) VALUES (\(key), \(at))", logger: logger)
                try await c.query("DELETE FROM login_failures WHERE key = \(key) AND at_ms < \(cutoff)", logger: logger)
            }
        }
    }

    func clearLoginFailures(key: String) async throws {
        let logger = self.logger
        try await withConnection { c in try await c.query("DELETE FROM login_failures WHERE key = \(key)", logger: logger) }
    }
}
