import Foundation
import GRDB
import PapersCore

extension SQLiteMetadataStore {
    /// Every account with what it stores, by e-mail (one read: the root folder's size is the files').
    func accounts() async throws -> [AccountSummary] {
        try reading { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT u.id, u.email, u.fullname, u.created_ms, u.quota_bytes, u.disabled_ms IS NOT NULL,
                           r.size + u.trash_bytes + u.versions_bytes,
                           (SELECT COUNT(*) FROM nodes f WHERE f.owner_id = u.id AND f.is_folder = 0 AND f.trash_id IS NULL)
                    FROM users u JOIN nodes r ON r.owner_id = u.id AND r.parent_id IS NULL AND r.trash_id IS NULL
                    ORDER BY u.email
                    """
            ).map {
                AccountSummary(
                    id: $0[0], email: $0[1], fullname: $0[2], createdMs: $0[3], quotaBytes: $0[4], disabled: $0[5], usedBytes: $0[6],
                    files: $0[7])
            }
        }
    }

    func setQuota(email: String, quotaBytes: Int64?) async throws {
        try await updateAccount(email: email, "quota_bytes = ?", [quotaBytes])
    }

    func setDisabled(email: String, disabled: Bool) async throws {
        try await updateAccount(email: email, "disabled_ms = ?", [disabled ? nowMs : nil])
    }

    func resetPassword(email: String, passwordHash: String) async throws {
        // Tokens carry their issue time in whole seconds: those of this second stay valid (a login
        // right after the reset must work), those of earlier seconds are refused.
        let second = nowMs / 1000 * 1000
        try await updateAccount(email: email, "password_hash = ?, tokens_after_ms = ?", [passwordHash, second])
    }

    func deleteUser(email: String) async throws {
        let now = nowMs
        try await writing { db in
            guard let id = try String.fetchOne(db, sql: "SELECT id FROM users WHERE email = ?", arguments: [email]) else {
                throw StoreError.accountNotFound
            }
            let released = try String.fetchSet(
                db,
                sql: """
                    SELECT sha256 FROM nodes WHERE owner_id = ? AND sha256 IS NOT NULL
                    UNION SELECT sha256 FROM versions WHERE owner_id = ?
                    """, arguments: [id, id])
            // Nodes, versions, links, app passwords, locks and dead properties go with the account
            // (ON DELETE CASCADE); a folder and its children go in the same statement.
            try db.execute(sql: "DELETE FROM users WHERE id = ?", arguments: [id])
            try Self.markUnreferenced(db, released, now: now)
        }
    }

    /// Sets columns of the account with this e-mail (and its `modified_ms`).
    /// - Throws: `StoreError.accountNotFound`.
    private func updateAccount(email: String, _ assignments: String, _ values: [(any DatabaseValueConvertible)?]) async throws {
        let now = nowMs
        let arguments = StatementArguments(values + [now, email])
        let changed = try await writing { db in
            try db.execute(sql: "UPDATE users SET \(assignments), modified_ms = ? WHERE email = ?", arguments: arguments)
            return db.changesCount
        }
        if changed == 0 { throw StoreError.accountNotFound }
    }
}
