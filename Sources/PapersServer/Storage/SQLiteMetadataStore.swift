import Foundation
import GRDB
import PapersCore
import Synchronization

/// Users, nodes, content references, token revocations and login failures in one SQLite database
/// (WAL, foreign keys, `synchronous=FULL`). All writes go through GRDB's single writer; several
/// processes may share the file (SQLite's own locks order their writes).
final class SQLiteMetadataStore: Sendable {
    let database: any DatabaseWriter
    var kind: String { "sqlite" }
    let now: @Sendable () -> Date
    let retention: Retention
    /// Uploads commit in groups (`createFile`).
    let uploads: CommitQueue
    /// The unexpired revoked token ids with their expiry (ms), mirrored from `revoked_tokens`.
    ///
    /// Every request checks its token against this; a database read for it was a third of a
    /// metadata request's cost. This process's logouts are added as their row is committed; other
    /// processes' (several may share the database) arrive through `followRevocations`, polled every
    /// quarter second by `RevocationFeed`.
    let revoked = Mutex<[String: Int64]>([:])
    /// The highest `revoked_tokens` rowid already mirrored.
    let revokedUpTo = Mutex<Int64>(0)
    /// Reads and writes in progress (`/metrics`).
    let activity = ActivityCounter()
    /// The connections: one per reader and the writer.
    let connections: Int

    /// The connection settings of every database the store opens (also for tests' in-memory ones).
    static var configuration: Configuration {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        return configuration
    }

    /// Opens (creating and migrating when needed) the database at `path`: a WAL pool whose commits
    /// are synced one by one, with `readers` reader connections.
    ///
    /// Reads run synchronously on the event loops (`EventLoopExecutor`), so no more of them run at
    /// once than there are loops: the server passes the loop count, instead of GRDB's default of 5
    /// connections of which the extra ones would only hold their own page caches (docs/performance.md
    /// has the before/after figures).
    /// - Throws: GRDB's `DatabaseError` when the file cannot be opened or migrated.
    convenience init(
        path: String, readers: Int = 5, retention: Retention = Retention(), now: @escaping @Sendable () -> Date = Date.init
    ) throws {
        var configuration = Self.configuration
        configuration.maximumReaderCount = max(1, readers)
        let pool = try DatabasePool(path: path, configuration: configuration)
        // Every commit is on disk before the request is answered. Set here, not in
        // `prepareDatabase`: GRDB switches a pool to WAL after that hook and sets NORMAL as it does
        // (which syncs only at checkpoints: a power cut could lose answered commits).
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        try self.init(writer: pool, retention: retention, now: now, connections: max(1, readers) + 1)
    }

    /// A store over any GRDB writer (tests use an in-memory `DatabaseQueue`), migrated with the same
    /// migrator as the file.
    /// - Throws: GRDB's `DatabaseError` when it cannot be migrated.
    init(
        writer: any DatabaseWriter, retention: Retention = Retention(), now: @escaping @Sendable () -> Date = Date.init, connections: Int = 1
    ) throws {
        database = writer
        self.connections = connections
        self.retention = retention
        uploads = CommitQueue(database: database, now: now)
        self.now = now
        try Self.migrator.migrate(database)
        try followRevocations()
    }

    /// SQLite has no notifications between processes: the poll (`followRevocations`) is all.
    func listenForRevocations() async {}

    /// Adds the revocations committed since the last call (by any process) to `revoked`. Returns
    /// how many were new.
    @discardableResult
    func followRevocations() throws -> Int {
        let after = revokedUpTo.withLock { $0 }
        let rows = try reading { db in
            try Row.fetchAll(
                db, sql: "SELECT rowid, jti, expires_ms FROM revoked_tokens WHERE rowid > ? AND expires_ms >= ? ORDER BY rowid",
                arguments: [after, nowMs])
        }
        guard let last = rows.last else { return 0 }
        revoked.withLock { revoked in
            for row in rows { revoked[row[1]] = row[2] }
        }
        revokedUpTo.withLock { $0 = max($0, last[0]) }
        return rows.count
    }

    var nowMs: Int64 { Timestamp.milliseconds(now()) }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE users (
                      id TEXT PRIMARY KEY NOT NULL,
                      email TEXT NOT NULL UNIQUE,
                      fullname TEXT NOT NULL,
                      password_hash TEXT NOT NULL,
                      created_ms INTEGER NOT NULL,
                      modified_ms INTEGER NOT NULL,
                      quota_bytes INTEGER CHECK (quota_bytes IS NULL OR quota_bytes >= 0)
                    );
                    CREATE TABLE nodes (
                      id TEXT PRIMARY KEY NOT NULL,
                      owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                      parent_id TEXT REFERENCES nodes(id),
                      name TEXT NOT NULL,
                      sort_name TEXT NOT NULL,
                      is_folder INTEGER NOT NULL CHECK (is_folder IN (0, 1)),
                      size INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0),
                      mime_type TEXT NOT NULL,
                      sha256 TEXT,
                      created_ms INTEGER NOT NULL,
                      modified_ms INTEGER NOT NULL,
                      version INTEGER NOT NULL DEFAULT 1,
                      CHECK ((is_folder = 1 AND sha256 IS NULL) OR (is_folder = 0 AND sha256 IS NOT NULL))
                    );
                    CREATE UNIQUE INDEX nodes_parent_name ON nodes(parent_id, name);
                    CREATE UNIQUE INDEX nodes_root ON nodes(owner_id) WHERE parent_id IS NULL;
                    CREATE INDEX nodes_by_name ON nodes(parent_id, is_folder, sort_name, name, id);
                    CREATE INDEX nodes_by_size ON nodes(parent_id, is_folder, size, sort_name, name, id);
                    CREATE INDEX nodes_by_modified ON nodes(parent_id, is_folder, modified_ms, sort_name, name, id);
                    CREATE INDEX nodes_sha256 ON nodes(sha256) WHERE sha256 IS NOT NULL;
                    CREATE TABLE revoked_tokens (
                      jti TEXT PRIMARY KEY NOT NULL,
                      expires_ms INTEGER NOT NULL
                    );
                    CREATE TABLE login_failures (
                      key TEXT NOT NULL,
                      at_ms INTEGER NOT NULL
                    );
                    CREATE INDEX login_failures_by_key ON login_failures(key, at_ms);
                    """)
        }
        // Content known by hash: a row per stored blob, marked with the time it stopped being used;
        // the collector removes it a grace period later (BlobCollector). Leases let one process at a
        // time run such jobs.
        migrator.registerMigration("v2 content references") { db in
            try db.execute(
                sql: """
                    CREATE TABLE blobs (
                      sha256 TEXT PRIMARY KEY NOT NULL,
                      size INTEGER NOT NULL CHECK (size >= 0),
                      unreferenced_ms INTEGER
                    );
                    INSERT INTO blobs (sha256, size, unreferenced_ms)
                      SELECT sha256, MAX(size), NULL FROM nodes WHERE sha256 IS NOT NULL GROUP BY sha256;
                    CREATE INDEX blobs_unreferenced ON blobs(unreferenced_ms) WHERE unreferenced_ms IS NOT NULL;
                    CREATE TABLE leases (
                      name TEXT PRIMARY KEY NOT NULL,
                      holder TEXT NOT NULL,
                      expires_ms INTEGER NOT NULL
                    );
                    """)
        }
        // A claim by the collector: the content is being removed from the blob store, and commits
        // that would reference it wait until its row is gone (`reference`).
        migrator.registerMigration("v3 removal claims") { db in
            try db.execute(
                sql: """
                    ALTER TABLE blobs ADD COLUMN deleting_ms INTEGER;
                    CREATE INDEX blobs_deleting ON blobs(deleting_ms) WHERE deleting_ms IS NOT NULL;
                    """)
        }
        // Trash, versions and search by name (docs/architecture.md, "Trash, versions, search"). A
        // trashed item leaves its folder (parent NULL, so its name is free there) and keeps where it
        // was; every node of its subtree carries its id in `trash_id`, so nothing in the trash is
        // found by id, listed or searched. Replaced content is kept as numbered versions. The bytes
        // both hold count against the quota: kept per user beside it, in the same transactions.
        migrator.registerMigration("v4 trash versions search") { db in
            try db.execute(
                sql: """
                    ALTER TABLE nodes ADD COLUMN trash_id TEXT;
                    ALTER TABLE nodes ADD COLUMN deleted_ms INTEGER;
                    ALTER TABLE nodes ADD COLUMN original_parent_id TEXT;
                    ALTER TABLE nodes ADD COLUMN original_path TEXT;
                    ALTER TABLE nodes ADD COLUMN content_version INTEGER NOT NULL DEFAULT 1;
                    DROP INDEX nodes_root;
                    CREATE UNIQUE INDEX nodes_root ON nodes(owner_id) WHERE parent_id IS NULL AND trash_id IS NULL;
                    CREATE INDEX nodes_trash ON nodes(owner_id, deleted_ms, id) WHERE deleted_ms IS NOT NULL;
                    CREATE INDEX nodes_trashed_since ON nodes(deleted_ms) WHERE deleted_ms IS NOT NULL;
                    CREATE INDEX nodes_in_trash ON nodes(trash_id) WHERE trash_id IS NOT NULL;
                    CREATE INDEX nodes_owner_by_name ON nodes(owner_id, is_folder, sort_name, name, id);
                    ALTER TABLE users ADD COLUMN trash_bytes INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE users ADD COLUMN versions_bytes INTEGER NOT NULL DEFAULT 0;
                    CREATE TABLE versions (
                      node_id TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
                      number INTEGER NOT NULL,
                      owner_id TEXT NOT NULL,
                      sha256 TEXT NOT NULL,
                      size INTEGER NOT NULL CHECK (size >= 0),
                      modified_ms INTEGER NOT NULL,
                      PRIMARY KEY (node_id, number)
                    );
                    CREATE INDEX versions_sha256 ON versions(sha256);
                    CREATE VIRTUAL TABLE node_names USING fts5(
                      sort_name, content='nodes', content_rowid='rowid', tokenize='trigram case_sensitive 1', detail=none);
                    INSERT INTO node_names (rowid, sort_name) SELECT rowid, sort_name FROM nodes;
                    CREATE TRIGGER node_names_insert AFTER INSERT ON nodes BEGIN
                      INSERT INTO node_names (rowid, sort_name) VALUES (new.rowid, new.sort_name);
                    END;
                    CREATE TRIGGER node_names_delete AFTER DELETE ON nodes BEGIN
                      INSERT INTO node_names (node_names, rowid, sort_name) VALUES ('delete', old.rowid, old.sort_name);
                    END;
                    CREATE TRIGGER node_names_rename AFTER UPDATE OF sort_name ON nodes WHEN old.sort_name IS NOT new.sort_name BEGIN
                      INSERT INTO node_names (node_names, rowid, sort_name) VALUES ('delete', old.rowid, old.sort_name);
                      INSERT INTO node_names (rowid, sort_name) VALUES (new.rowid, new.sort_name);
                    END;
                    """)
        }
        // WebDAV and app passwords: secrets kept as SHA-256 (they carry 150 random bits, so a fast
        // hash is enough), dead properties per node, locks per path (see `LockRecord`).
        migrator.registerMigration("v5 webdav") { db in
            try db.execute(
                sql: """
                    CREATE TABLE app_passwords (
                      id TEXT PRIMARY KEY,
                      user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                      name TEXT NOT NULL,
                      secret_hash TEXT NOT NULL UNIQUE,
                      created_ms INTEGER NOT NULL
                    );
                    CREATE INDEX app_passwords_user ON app_passwords(user_id, created_ms);
                    CREATE TABLE dead_properties (
                      node_id TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
                      namespace TEXT NOT NULL,
                      name TEXT NOT NULL,
                      value TEXT NOT NULL,
                      PRIMARY KEY (node_id, namespace, name)
                    ) WITHOUT ROWID;
                    CREATE TABLE locks (
                      token TEXT PRIMARY KEY,
                      owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                      path TEXT NOT NULL,
                      node_id TEXT NOT NULL,
                      deep INTEGER NOT NULL,
                      shared INTEGER NOT NULL,
                      owner_xml TEXT,
                      timeout_s INTEGER NOT NULL,
                      expires_ms INTEGER NOT NULL
                    );
                    CREATE INDEX locks_owner ON locks(owner_id, expires_ms);
                    """)
        }
        migrator.registerMigration("v6 shares") { db in
            try db.execute(
                sql: """
                    CREATE TABLE shares (
                      id TEXT PRIMARY KEY,
                      owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                      node_id TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
                      token_hash TEXT NOT NULL UNIQUE,
                      expires_ms INTEGER,
                      password_hash TEXT,
                      created_ms INTEGER NOT NULL,
                      downloads INTEGER NOT NULL,
                      last_access_ms INTEGER
                    );
                    CREATE INDEX shares_owner ON shares(owner_id, created_ms, id);
                    CREATE INDEX shares_node ON shares(node_id);
                    """)
        }
        migrator.registerMigration("v7 account administration") { db in
            try db.execute(
                sql: """
                    ALTER TABLE users ADD COLUMN disabled_ms INTEGER;
                    ALTER TABLE users ADD COLUMN tokens_after_ms INTEGER;
                    """)
        }
        return migrator
    }

    /// Start-up housekeeping: expired revocations go.
    func recover() async throws {
        let now = nowMs
        try await writing { db in
            try db.execute(sql: "DELETE FROM revoked_tokens WHERE expires_ms < ?", arguments: [now])
        }
    }

    /// Whether the database answers (for `/health`).
    func ping() async throws {
        _ = try reading { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }
}

extension SQLiteMetadataStore {
    /// Runs a read on the calling thread. Reads in WAL mode never wait for a lock and take
    /// microseconds, so running them in place is cheaper than GRDB's async hop to a reader queue and
    /// back: measured, the hops (context switches) were the largest cost of a metadata request.
    /// Writes stay async: they may wait for the writer.
    func reading<T>(_ body: (Database) throws -> T) throws -> T {
        activity.enter()
        defer { activity.leave() }
        return try database.read(body)
    }

    /// Like `reading`, for a body that runs one statement: SQLite gives a single statement a
    /// consistent snapshot by itself, so GRDB's BEGIN/COMMIT around it (a tenth of a metadata
    /// request, measured) is left out.
    func readingOneStatement<T>(_ body: (Database) throws -> T) throws -> T {
        activity.enter()
        defer { activity.leave() }
        return try database.unsafeRead(body)
    }

    /// Runs a write transaction on GRDB's single writer (counted in `activity`).
    func writing<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        activity.enter()
        defer { activity.leave() }
        return try await database.write(body)
    }

    /// Runs a write transaction. Hashes the body adds to `effects.touched` (content it stopped using)
    /// are marked unreferenced in the same transaction when no node uses them any more.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database, inout WriteEffects) throws -> T) async throws -> T {
        let now = nowMs
        return try await writing { db in
            var effects = WriteEffects()
            let result = try body(db, &effects)
            try Self.markUnreferenced(db, effects.touched, now: now)
            return result
        }
    }

    /// Records that a commit uses content (again). The row is the reference the collector respects:
    /// - no row: the content may have been removed since the upload found it at its address, unless
    ///   the upload wrote it after the store last said so; then the row is made.
    /// - a claimed row: the collector is removing it; the commit must wait for the claim to end.
    /// - an unreferenced row: taken back (the mark cleared).
    /// - Throws: `StoreError.contentNotRecorded`, `.contentBeingRemoved`.
    static func reference(_ db: Database, _ content: ContentReference) throws {
        let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT unreferenced_ms, deleting_ms FROM blobs WHERE sha256 = ?"), arguments: [content.sha256])
        guard let row else {
            guard content.written else { throw StoreError.contentNotRecorded }
            try db.cachedStatement(sql: "INSERT INTO blobs (sha256, size, unreferenced_ms) VALUES (?, ?, NULL)")
                .execute(arguments: [content.sha256, content.size])
            return
        }
        if (row["deleting_ms"] as Int64?) != nil { throw StoreError.contentBeingRemoved }
        if (row["unreferenced_ms"] as Int64?) != nil {
            try db.cachedStatement(sql: "UPDATE blobs SET unreferenced_ms = NULL WHERE sha256 = ?").execute(arguments: [content.sha256])
        }
    }

    /// Content an upload wrote whose node was refused (a name conflict, the quota): recorded as
    /// unreferenced since `now`, so the collector removes it after the grace period unless another
    /// upload takes it first. Content that has a row already is left as it is.
    static func recordWrittenInVain(_ db: Database, _ content: ContentReference, now: Int64) throws {
        guard content.written else { return }
        try db.cachedStatement(sql: "INSERT INTO blobs (sha256, size, unreferenced_ms) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING")
            .execute(arguments: [content.sha256, content.size, now])
    }

    /// Marks the content of these hashes that no node uses any more as unreferenced since `now`
    /// (kept if already marked): the collector removes it after the grace period. Inside the write.
    static func markUnreferenced(_ db: Database, _ hashes: Set<String>, now: Int64) throws {
        for hash in hashes {
            try db.cachedStatement(
                sql: """
                    UPDATE blobs SET unreferenced_ms = ? WHERE sha256 = ? AND unreferenced_ms IS NULL
                      AND NOT EXISTS (SELECT 1 FROM nodes WHERE sha256 = ?)
                      AND NOT EXISTS (SELECT 1 FROM versions WHERE sha256 = ?)
                    """
            ).execute(arguments: [now, hash, hash, hash])
        }
    }
}

/// What a write did to content references, settled before its commit.
struct WriteEffects {
    /// Content released: marked unreferenced in the transaction if no node uses it any more.
    var touched = Set<String>()
}
