import Foundation
import PapersCore
import PostgresNIO

extension PostgresMetadataStore {
    /// `SQLiteMetadataStore.accounts`.
    func accounts() async throws -> [AccountSummary] {
        let logger = self.logger
        return try await withConnection { c in
            try await Self.rows(
                c,
                """
                SELECT u.id, u.email, u.fullname, u.created_ms, u.quota_bytes, u.disabled_ms IS NOT NULL,
                       r.size + u.trash_bytes + u.versions_bytes,
                       (SELECT COUNT(*) FROM nodes f WHERE f.owner_id = u.id AND NOT f.is_folder AND f.trash_id IS NULL)
                FROM users u JOIN nodes r ON r.owner_id = u.id AND r.parent_id IS NULL AND r.trash_id IS NULL
                ORDER BY u.email
                """, logger: logger
            ).map {
                AccountSummary(
                    id: try $0[0].decode(String.self), email: try $0[1].decode(String.self), fullname: try $0[2].decode(String.self),
                    createdMs: try $0[3].decode(Int64.self), quotaBytes: try $0[4].decode(Int64?.self), disabled: try $0[5].decode(Bool.self),
                    usedBytes: try $0[6].decode(Int64.self), files: try $0[7].decode(Int64.self))
            }
        }
    }

    func setQuota(email: String, quotaBytes: Int64?) async throws {
        let now = nowMs
        try await updateAccount("UPDATE users SET quota_bytes = \(quotaBytes), modified_ms = \(now) WHERE email = \(email) RETURNING id")
    }

    func setDisabled(email: String, disabled: Bool) async throws {
        let now = nowMs
        let disabledMs: Int64? = disabled ? now : nil
        try await updateAccount("UPDATE users SET disabled_ms = \(disabledMs), modified_ms = \(now) WHERE email = \(email) RETURNING id")
    }

    /// `SQLiteMetadataStore.resetPassword`: tokens of earlier seconds are refused.
    func resetPassword(email: String, passwordHash: String) async throws {
        let now = nowMs
        let second = now / 1000 * 1000
        try await updateAccount(
            """
            UPDATE users SET password_hash = \(passwordHash), tokens_after_ms = \(second), modified_ms = \(now)
            WHERE email = \(email) RETURNING id
            """)
    }

    /// `SQLiteMetadataStore.deleteUser`.
    func deleteUser(email: String) async throws {
        let now = nowMs
        let logger = self.logger
        try await transaction { c in
            guard let row = try await Self.rows(c, "SELECT id FROM users WHERE email = \(email) FOR UPDATE", logger: logger).first else {
                throw StoreError.accountNotFound
            }
            let id = try row[0].decode(String.self)
            let released = Set(
                try await Self.rows(
                    c,
                    """
                    SELECT sha256 FROM nodes WHERE owner_id = \(id) AND sha256 IS NOT NULL
                    UNION SELECT sha256 FROM versions WHERE owner_id = \(id)
                    """, logger: logger
                ).map { try $0[0].decode(String.self) })
            try await c.query("DELETE FROM users WHERE id = \(id)", logger: logger)
            try await Self.markUnreferenced(c, released, now: now, logger: logger)
        }
    }

    /// Runs an `UPDATE ... RETURNING id` of one account. Throws `StoreError.accountNotFound` when it matched none.
    private func updateAccount(_ query: PostgresQuery) async throws {
        let logger = self.logger
        let changed = try await withConnection { c in try await Self.rows(c, query, logger: logger).count }
        if changed == 0 { throw StoreError.accountNotFound }
    }
}
