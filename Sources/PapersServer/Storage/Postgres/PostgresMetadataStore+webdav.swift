import Foundation
import PapersCore
import PostgresNIO

/// App passwords, dead properties and WebDAV locks in PostgreSQL: `SQLiteMetadataStore+webdav.swift`'s
/// rows and rules. Lock creation holds the user's row (`lockOwner`), so two processes locking the
/// same path at once are answered one after the other.
extension PostgresMetadataStore {
    // MARK: App passwords

    func createAppPassword(userId: String, name: String, secretHash: String) async throws -> AppPasswordRecord {
        let record = AppPasswordRecord(id: RandomID.uuid(), userId: userId, name: name, createdMs: nowMs)
        let logger = self.logger
        try await withConnection { c in
            try await c.query(
                """
                INSERT INTO app_passwords (id, user_id, name, secret_hash, created_ms)
                VALUES (\(record.id), \(userId), \(name), \(secretHash), \(record.createdMs))
                """, logger: logger)
        }
        return record
    }

    func appPasswords(userId: String) async throws -> [AppPasswordRecord] {
        let logger = self.logger
        return try await withConnection { c in
            try await Self.rows(
                c, "SELECT id, user_id, name, created_ms FROM app_passwords WHERE user_id = \(userId) ORDER BY created_ms, id", logger: logger
            ).map {
                AppPasswordRecord(
                    id: try $0[0].decode(String.self), userId: try $0[1].decode(String.self), name: try $0[2].decode(String.self),
                    createdMs: try $0[3].decode(Int64.self))
            }
        }
    }

    func deleteAppPassword(userId: String, id: String) async throws {
        let logger = self.logger
        let deleted = try await withConnection { c in
            try await Self.rows(c, "DELETE FROM app_passwords WHERE id = \(id) AND user_id = \(userId) RETURNING id", logger: logger).count
        }
        if deleted == 0 { throw StoreError.appPasswordNotFound }
    }

    func basicCredentials(email: String, appPasswordHash: String) async throws -> BasicCredentials? {
        let now = nowMs
        let logger = self.logger
        return try await withConnection { c in
            guard
                let row = try await Self.rows(
                    c,
                    """
                    SELECT \(unescaped: Self.userColumns), (SELECT id FROM app_passwords WHERE user_id = users.id AND secret_hash = \(appPasswordHash)),
                           EXISTS (SELECT 1 FROM locks WHERE owner_id = users.id AND expires_ms > \(now))
                    FROM users WHERE email = \(email)
                    """, logger: logger
                ).first
            else { return nil }
            return BasicCredentials(user: try Self.user(row), appPasswordId: try row[UserRecord.columnCount].decode(String?.self),
                holdsLocks: try row[UserRecord.columnCount + 1].decode(Bool.self))
        }
    }

    // MARK: WebDAV

    func childWithoutPath(ownerId: String, parentId: String?, name: String) async throws -> NodeRecord? {
        let logger = self.logger
        return try await withConnection { c in
            try await Self.rows(
                c,
                """
                SELECT \(unescaped: Self.nodeColumns) FROM nodes
                WHERE parent_id = COALESCE(\(parentId), (SELECT id FROM nodes WHERE owner_id = \(ownerId) AND parent_id IS NULL AND trash_id IS NULL))
                  AND name = \(name) AND owner_id = \(ownerId) AND trash_id IS NULL
                """, logger: logger
            ).first.map(Self.node)
        }
    }

    func rootFolder(ownerId: String) async throws -> NodeRecord {
        let logger = self.logger
        var root = try await withConnection { c in try await Self.resolveFolder(c, id: nil, ownerId: ownerId, logger: logger) }
        root.path = ""
        return root
    }

    func deadProperties(ownerId: String, nodeIds: [String]) async throws -> [String: [DeadProperty]] {
        guard !nodeIds.isEmpty else { return [:] }
        let logger = self.logger
        return try await withConnection { c in
            var found: [String: [DeadProperty]] = [:]
            let rows = try await Self.rows(
                c,
                """
                SELECT p.node_id, p.namespace, p.name, p.value FROM dead_properties p
                WHERE p.node_id = ANY(\(nodeIds)) AND EXISTS (SELECT 1 FROM nodes n WHERE n.id = p.node_id AND n.owner_id = \(ownerId))
                ORDER BY p.node_id, p.namespace, p.name
                """, logger: logger)
            for row in rows {
                let name = PropertyName(namespace: try row[1].decode(String.self), name: try row[2].decode(String.self))
                found[try row[0].decode(String.self), default: []].append(DeadProperty(name: name, value: try row[3].decode(String.self)))
            }
            return found
        }
    }

    func patchDeadProperties(ownerId: String, nodeId: String, set: [DeadProperty], remove: [PropertyName]) async throws {
        let logger = self.logger
        try await transaction { c in
            guard
                try await !Self.rows(
                    c, "SELECT 1 FROM nodes WHERE id = \(nodeId) AND owner_id = \(ownerId) AND trash_id IS NULL FOR UPDATE", logger: logger
                ).isEmpty
            else { throw StoreError.nodeNotFound }
            for name in remove {
                try await c.query(
                    "DELETE FROM dead_properties WHERE node_id = \(nodeId) AND namespace = \(name.namespace) AND name = \(name.name)",
                    logger: logger)
            }
            for property in set {
                try await c.query(
                    """
                    INSERT INTO dead_properties (node_id, namespace, name, value)
                    VALUES (\(nodeId), \(property.name.namespace), \(property.name.name), \(property.value))
                    ON CONFLICT (node_id, namespace, name) DO UPDATE SET value = EXCLUDED.value
                    """, logger: logger)
            }
        }
    }

    func locks(ownerId: String) async throws -> [LockRecord] {
        let now = nowMs
        let logger = self.logger
        return try await withConnection { c in
            try await Self.rows(
                c, "SELECT \(unescaped: Self.lockColumns) FROM locks WHERE owner_id = \(ownerId) AND expires_ms > \(now)", logger: logger
            ).map(Self.lock)
        }
    }

    func createLock(_ lock: LockRecord, conflicts: @escaping @Sendable ([LockRecord]) -> Bool) async throws {
        let now = nowMs
        let logger = self.logger
        try await transaction { c in
            try await Self.lockOwner(c, lock.ownerId, logger: logger)
            try await c.query("DELETE FROM locks WHERE owner_id = \(lock.ownerId) AND expires_ms <= \(now)", logger: logger)
            let held = try await Self.rows(c, "SELECT \(unescaped: Self.lockColumns) FROM locks WHERE owner_id = \(lock.ownerId)", logger: logger)
                .map(Self.lock)
            if conflicts(held) { throw StoreError.locked }
            if held.count >= LockRecord.limitPerUser { throw StoreError.quotaExceeded }
            try await c.query(
                """
                INSERT INTO locks (token, owner_id, path, node_id, deep, shared, owner_xml, timeout_s, expires_ms)
                VALUES (\(lock.token), \(lock.ownerId), \(lock.path), \(lock.nodeId), \(lock.deep), \(lock.shared), \(lock.ownerXML),
                        \(lock.timeoutSeconds), \(lock.expiresMs))
                """, logger: logger)
        }
    }

    func refreshLock(ownerId: String, token: String, timeoutSeconds: Int64) async throws -> LockRecord? {
        let now = nowMs
        let logger = self.logger
        return try await withConnection { c in
            try await Self.rows(
                c,
                """
                UPDATE locks SET timeout_s = \(timeoutSeconds), expires_ms = \(now + timeoutSeconds * 1000)
                WHERE token = \(token) AND owner_id = \(ownerId) AND expires_ms > \(now) RETURNING \(unescaped: Self.lockColumns)
                """, logger: logger
            ).first.map(Self.lock)
        }
    }

    @discardableResult func deleteLocks(ownerId: String, tokens: [String]) async throws -> Int {
        guard !tokens.isEmpty else { return 0 }
        let logger = self.logger
        return try await withConnection { c in
            try await Self.rows(
                c, "DELETE FROM locks WHERE owner_id = \(ownerId) AND token = ANY(\(tokens)) RETURNING token", logger: logger
            ).count
        }
    }

    static let lockColumns = SQLiteMetadataStore.lockColumns

    static func lock(_ row: PostgresRandomAccessRow) throws -> LockRecord {
        LockRecord(
            token: try row[0].decode(String.self), ownerId: try row[1].decode(String.self), path: try row[2].decode(String.self),
            nodeId: try row[3].decode(String.self), deep: try row[4].decode(Bool.self), shared: try row[5].decode(Bool.self),
            ownerXML: try row[6].decode(String?.self), timeoutSeconds: try row[7].decode(Int64.self), expiresMs: try row[8].decode(Int64.self))
    }
}
