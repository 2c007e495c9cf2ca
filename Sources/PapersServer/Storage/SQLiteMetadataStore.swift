import Foundation
import GRDB
import PapersCore
import Synchronization

/// Users, nodes, token revocations and login failures in one SQLite database (WAL, foreign keys,
/// `synchronous=FULL`), with file contents in a `DiskBlobStore`.
///
/// All writes go through GRDB's single writer, and blob placement and removal happen inside it:
/// content is renamed into place in the same critical section as the node that points at it is
/// committed, and removed only after the last node using it is gone.
final class SQLiteMetadataStore: Sendable {
    let database: any DatabaseWriter
    let blobs: DiskBlobStore
    let now: @Sendable () -> Date
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
    convenience init(path: String, blobs: DiskBlobStore, readers: Int = 5, now: @escaping @Sendable () -> Date = Date.init) throws {
        var configuration = Self.configuration
        configuration.maximumReaderCount = max(1, readers)
        let pool = try DatabasePool(path: path, configuration: configuration)
        // Every commit is on disk before the request is answered. Set here, not in
        // `prepareDatabase`: GRDB switches a pool to WAL after that hook and sets NORMAL as it does
        // (which syncs only at checkpoints: a power cut could lose answered commits).
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        try self.init(writer: pool, blobs: blobs, now: now)
    }

    /// A store over any GRDB writer (tests use an in-memory `DatabaseQueue`), migrated with the same
    /// migrator as the file.
    /// - Throws: GRDB's `DatabaseError` when it cannot be migrated.
    init(writer: any DatabaseWriter, blobs: DiskBlobStore, now: @escaping @Sendable () -> Date = Date.init) throws {
        database = writer
        self.blobs = blobs
        uploads = CommitQueue(database: database, blobs: blobs, now: now)
        self.now = now
        try Self.migrator.migrate(database)
        let nowMs = Timestamp.milliseconds(now())
        try followRevocations()
    }

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
        return migrator
    }

    /// Start-up housekeeping: clears what stopped processes left in `tmp/` and expired revocations.
    /// Content no node uses is the collector's (`BlobCollector`), never a start-up's: another
    /// process may be about to use it. Returns how many staging folders and files went.
    @discardableResult
    func recover() throws -> Int {
        let cleared = blobs.clearStaging()
        try database.write { db in
            try db.execute(sql: "DELETE FROM revoked_tokens WHERE expires_ms < ?", arguments: [nowMs])
        }
        return cleared
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
        try database.read(body)
    }

    /// Like `reading`, for a body that runs one statement: SQLite gives a single statement a
    /// consistent snapshot by itself, so GRDB's BEGIN/COMMIT around it (a tenth of a metadata
    /// request, measured) is left out.
    func readingOneStatement<T>(_ body: (Database) throws -> T) throws -> T {
        try database.unsafeRead(body)
    }

    /// Runs a write transaction. Content the body places is made durable (its folders fsynced) before
    /// the commit; hashes the body adds to `effects.touched` (content it placed or stopped using) are
    /// removed from disk afterwards if no node uses them, still under the writer lock — after a commit
    /// that frees replaced or deleted content, after a rollback content placed in vain.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database, inout WriteEffects) throws -> T) async throws -> T {
        let now = nowMs
        return try await database.writeWithoutTransaction { db in
            var effects = WriteEffects()
            let outcome: Result<T, any Error>
            do {
                var result: T?
                try db.inTransaction {
                    effects = WriteEffects()
                    result = try body(db, &effects)
                    try Self.markUnreferenced(db, effects.touched, now: now)
                    self.blobs.syncDirectories(effects.unsynced)
                    return .commit
                }
                outcome = .success(result!)
            } catch {
                outcome = .failure(error)
            }
            try Self.removePlacedInVain(db, effects.placed, blobs: self.blobs)
            return try outcome.get()
        }
    }

    /// Records that content is used (again): its row, with no "unreferenced since".
    static func reference(_ db: Database, sha256: String, size: Int64) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO blobs (sha256, size, unreferenced_ms) VALUES (?, ?, NULL)
                ON CONFLICT (sha256) DO UPDATE SET unreferenced_ms = NULL WHERE unreferenced_ms IS NOT NULL
                """
        ).execute(arguments: [sha256, size])
    }

    /// Marks the content of these hashes that no node uses any more as unreferenced since `now`
    /// (kept if already marked): the collector removes it after the grace period. Inside the write.
    static func markUnreferenced(_ db: Database, _ hashes: Set<String>, now: Int64) throws {
        for hash in hashes {
            try db.cachedStatement(
                sql: """
                    UPDATE blobs SET unreferenced_ms = ? WHERE sha256 = ? AND unreferenced_ms IS NULL
                      AND NOT EXISTS (SELECT 1 FROM nodes WHERE sha256 = ?)
                    """
            ).execute(arguments: [now, hash, hash])
        }
    }

    /// Removes content a write renamed into place whose transaction (or savepoint) did not commit:
    /// it has no row, so nothing refers to it. Checked and removed inside an immediate transaction,
    /// which holds the database's write lock, so that no writer of any process can reference it
    /// between the check and the removal.
    static func removePlacedInVain(_ db: Database, _ hashes: Set<String>, blobs: DiskBlobStore) throws {
        guard !hashes.isEmpty else { return }
        let known = try hashes.filter { hash in
            try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM blobs WHERE sha256 = ?)"), arguments: [hash]) ?? false
        }
        let orphans = hashes.subtracting(known)
        guard !orphans.isEmpty else { return }
        try db.inTransaction(.immediate) {
            for hash in orphans where try !isReferenced(db, hash) { blobs.remove(sha256: hash) }
            return .commit
        }
    }

    /// Whether stored content has a row or a node using it (then it must stay).
    static func isReferenced(_ db: Database, _ hash: String) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM blobs WHERE sha256 = ?) OR EXISTS (SELECT 1 FROM nodes WHERE sha256 = ?)"),
            arguments: [hash, hash]) ?? true
    }
}

/// What a write did to the blob store, settled around its commit.
struct WriteEffects {
    /// Content placed or released: marked unreferenced in the transaction if no node uses it.
    var touched = Set<String>()
    /// Content this write renamed into place (not already stored): removed again if the write did
    /// not commit.
    var placed = Set<String>()
    /// Folders of `blobs/` with new entries, fsynced before the commit.
    var unsynced = Set<String>()
}
