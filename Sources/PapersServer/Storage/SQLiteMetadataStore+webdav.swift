import Foundation
import GRDB
import PapersCore

/// App passwords, dead properties and WebDAV locks in SQLite (migration "v5 webdav").
extension SQLiteMetadataStore {
    // MARK: App passwords

    func createAppPassword(userId: String, name: String, secretHash: String) async throws -> AppPasswordRecord {
        let record = AppPasswordRecord(id: RandomID.uuid(), userId: userId, name: name, createdMs: nowMs)
        try await writing { db in
            try db.execute(
                sql: "INSERT INTO app_passwords (id, user_id, name, secret_hash, created_ms) VALUES (?, ?, ?, ?, ?)",
                arguments: [record.id, userId, name, secretHash, record.createdMs])
        }
        return record
    }

    func appPasswords(userId: String) async throws -> [AppPasswordRecord] {
        try reading { db in
            try Row.fetchAll(
                db, sql: "SELECT id, user_id, name, created_ms FROM app_passwords WHERE user_id = ? ORDER BY created_ms, id",
                arguments: [userId]
            ).map { AppPasswordRecord(id: $0[0], userId: $0[1], name: $0[2], createdMs: $0[3]) }
        }
    }

    func deleteAppPassword(userId: String, id: String) async throws {
        let deleted = try await writing { db in
            try db.execute(sql: "DELETE FROM app_passwords WHERE id = ? AND user_id = ?", arguments: [id, userId])
            return db.changesCount
        }
        if deleted == 0 { throw StoreError.appPasswordNotFound }
    }

    func basicCredentials(email: String, appPasswordHash: String) async throws -> BasicCredentials? {
        let now = nowMs
        return try readingOneStatement { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(
                        sql: """
                            SELECT \(UserRecord.columns), (SELECT id FROM app_passwords WHERE user_id = users.id AND secret_hash = ?),
                                   EXISTS (SELECT 1 FROM locks WHERE owner_id = users.id AND expires_ms > ?)
                            FROM users WHERE email = ?
                            """), arguments: [appPasswordHash, now, email])
            else { return nil }
            let count = UserRecord.Columns.allCases.count
            return BasicCredentials(user: UserRecord(row: row), appPasswordId: row[count], holdsLocks: row[count + 1])
        }
    }

    // MARK: WebDAV

    func childWithoutPath(ownerId: String, parentId: String?, name: String) async throws -> NodeRecord? {
        try readingOneStatement { db in
            try Row.fetchOne(
                db.cachedStatement(
                    sql: """
                        SELECT \(NodeRecord.columns) FROM nodes
                        WHERE parent_id = COALESCE(?, (SELECT id FROM nodes WHERE owner_id = ? AND parent_id IS NULL AND trash_id IS NULL))
                          AND name = ? AND owner_id = ? AND trash_id IS NULL
                        """), arguments: [parentId, ownerId, name, ownerId]
            ).map(NodeRecord.init(row:))
        }
    }

    func rootFolder(ownerId: String) async throws -> NodeRecord {
        var root = try reading { db in try Self.resolveFolder(db, id: nil, ownerId: ownerId, notFolder: .notAFolder) }
        root.path = ""
        return root
    }

    func deadProperties(ownerId: String, nodeIds: [String]) async throws -> [String: [DeadProperty]] {
        guard !nodeIds.isEmpty else { return [:] }
        // In slices: SQLite's limit on bound parameters. One slice is one statement.
        let slices = stride(from: 0, to: nodeIds.count, by: 500).map { Array(nodeIds[$0..<min($0 + 500, nodeIds.count)]) }
        let read = { (db: Database) throws -> [String: [DeadProperty]] in
            var found: [String: [DeadProperty]] = [:]
            for slice in slices {
                for row in try Self.deadPropertyRows(db, ownerId: ownerId, slice) {
                    found[row[0], default: []].append(DeadProperty(name: PropertyName(namespace: row[1], name: row[2]), value: row[3]))
                }
            }
            return found
        }
        return try slices.count == 1 ? readingOneStatement(read) : reading(read)
    }

    /// The properties' own key first (most nodes have none: one seek each tells), the owner checked
    /// on the rows found only. The statement is kept for the two sizes asked all the time (one node,
    /// a full slice of a page).
    private static func deadPropertyRows(_ db: Database, ownerId: String, _ ids: [String]) throws -> [Row] {
        let sql = """
            SELECT p.node_id, p.namespace, p.name, p.value FROM dead_properties p
            WHERE p.node_id IN (\(Array(repeating: "?", count: ids.count).joined(separator: ","))) AND EXISTS (
              SELECT 1 FROM nodes n WHERE n.id = p.node_id AND n.owner_id = ?)
            ORDER BY p.node_id, p.namespace, p.name
            """
        let statement = ids.count == 1 || ids.count == 500 ? try db.cachedStatement(sql: sql) : try db.makeStatement(sql: sql)
        return try Row.fetchAll(statement, arguments: StatementArguments(ids + [ownerId]))
    }

    func patchDeadProperties(ownerId: String, nodeId: String, set: [DeadProperty], remove: [PropertyName]) async throws {
        try await writing { db in
            guard
                try Bool.fetchOne(
                    db, sql: "SELECT 1 FROM nodes WHERE id = ? AND owner_id = ? AND trash_id IS NULL", arguments: [nodeId, ownerId]) != nil
            else { throw StoreError.nodeNotFound }
            for name in remove {
                try db.execute(
                    sql: "DELETE FROM dead_properties WHERE node_id = ? AND namespace = ? AND name = ?",
                    arguments: [nodeId, name.namespace, name.name])
            }
            for property in set {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO dead_properties (node_id, namespace, name, value) VALUES (?, ?, ?, ?)",
                    arguments: [nodeId, property.name.namespace, property.name.name, property.value])
            }
        }
    }

    func locks(ownerId: String) async throws -> [LockRecord] {
        let now = nowMs
        return try reading { db in
            try Row.fetchAll(
                db.cachedStatement(sql: "SELECT \(Self.lockColumns) FROM locks WHERE owner_id = ? AND expires_ms > ?"),
                arguments: [ownerId, now]
            ).map(Self.lock)
        }
    }

    func createLock(_ lock: LockRecord, conflicts: @escaping @Sendable ([LockRecord]) -> Bool) async throws {
        let now = nowMs
        try await writing { db in
            try db.execute(sql: "DELETE FROM locks WHERE owner_id = ? AND expires_ms <= ?", arguments: [lock.ownerId, now])
            let held = try Row.fetchAll(db, sql: "SELECT \(Self.lockColumns) FROM locks WHERE owner_id = ?", arguments: [lock.ownerId])
                .map(Self.lock)
            if conflicts(held) { throw StoreError.locked }
            if held.count >= LockRecord.limitPerUser { throw StoreError.quotaExceeded }
            try db.execute(
                sql: """
                    INSERT INTO locks (token, owner_id, path, node_id, deep, shared, owner_xml, timeout_s, expires_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    lock.token, lock.ownerId, lock.path, lock.nodeId, lock.deep, lock.shared, lock.ownerXML, lock.timeoutSeconds, lock.expiresMs,
                ])
        }
    }

    func refreshLock(ownerId: String, token: String, timeoutSeconds: Int64) async throws -> LockRecord? {
        let now = nowMs
        return try await writing { db in
            try db.execute(
                sql: "UPDATE locks SET timeout_s = ?, expires_ms = ? WHERE token = ? AND owner_id = ? AND expires_ms > ?",
                arguments: [timeoutSeconds, now + timeoutSeconds * 1000, token, ownerId, now])
            return try Row.fetchOne(
                db, sql: "SELECT \(Self.lockColumns) FROM locks WHERE token = ? AND owner_id = ? AND expires_ms > ?",
                arguments: [token, ownerId, now]
            ).map(Self.lock)
        }
    }

    @discardableResult func deleteLocks(ownerId: String, tokens: [String]) async throws -> Int {
        guard !tokens.isEmpty else { return 0 }
        return try await writing { db in
            var deleted = 0
            for token in tokens {
                try db.execute(sql: "DELETE FROM locks WHERE token = ? AND owner_id = ?", arguments: [token, ownerId])
                deleted += db.changesCount
            }
            return deleted
        }
    }

    static let lockColumns = "token, owner_id, path, node_id, deep, shared, owner_xml, timeout_s, expires_ms"

    static func lock(_ row: Row) -> LockRecord {
        LockRecord(
            token: row[0], ownerId: row[1], path: row[2], nodeId: row[3], deep: row[4], shared: row[5], ownerXML: row[6],
            timeoutSeconds: row[7], expiresMs: row[8])
    }
}
