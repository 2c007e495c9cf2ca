import Foundation
import PapersCore
import PostgresNIO

/// The PostgreSQL schema: the tables of the SQLite store, with PostgreSQL types (BIGINT milliseconds,
/// BOOLEAN) and byte-wise collation on the names paging sorts by.
extension PostgresMetadataStore {
    /// Migrations by name, applied in order, each once (`papers_migrations`).
    static let migrations: [(name: String, sql: [String])] = [
        (
            "v1",
            [
                """
                CREATE TABLE users (
                  id TEXT PRIMARY KEY,
                  email TEXT NOT NULL UNIQUE,
                  fullname TEXT NOT NULL,
                  password_hash TEXT NOT NULL,
                  created_ms BIGINT NOT NULL,
                  modified_ms BIGINT NOT NULL,
                  quota_bytes BIGINT CHECK (quota_bytes IS NULL OR quota_bytes >= 0)
                )
                """,
                """
                CREATE TABLE nodes (
                  id TEXT COLLATE "C" PRIMARY KEY,
                  owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                  parent_id TEXT COLLATE "C" REFERENCES nodes(id),
                  name TEXT COLLATE "C" NOT NULL,
                  sort_name TEXT COLLATE "C" NOT NULL,
                  is_folder BOOLEAN NOT NULL,
                  size BIGINT NOT NULL DEFAULT 0 CHECK (size >= 0),
                  mime_type TEXT NOT NULL,
                  sha256 TEXT COLLATE "C",
                  created_ms BIGINT NOT NULL,
                  modified_ms BIGINT NOT NULL,
                  version BIGINT NOT NULL DEFAULT 1,
                  CHECK ((is_folder AND sha256 IS NULL) OR (NOT is_folder AND sha256 IS NOT NULL))
                )
                """,
                "CREATE UNIQUE INDEX nodes_parent_name ON nodes(parent_id, name)",
                "CREATE UNIQUE INDEX nodes_root ON nodes(owner_id) WHERE parent_id IS NULL",
                "CREATE INDEX nodes_by_name ON nodes(parent_id, is_folder, sort_name, name, id)",
                "CREATE INDEX nodes_by_size ON nodes(parent_id, is_folder, size, sort_name, name, id)",
                "CREATE INDEX nodes_by_modified ON nodes(parent_id, is_folder, modified_ms, sort_name, name, id)",
                "CREATE INDEX nodes_sha256 ON nodes(sha256) WHERE sha256 IS NOT NULL",
                """
                CREATE TABLE revoked_tokens (
                  jti TEXT PRIMARY KEY,
                  expires_ms BIGINT NOT NULL,
                  revoked_ms BIGINT NOT NULL
                )
                """,
                "CREATE INDEX revoked_tokens_by_time ON revoked_tokens(revoked_ms)",
                "CREATE TABLE login_failures (key TEXT NOT NULL, at_ms BIGINT NOT NULL)",
                "CREATE INDEX login_failures_by_key ON login_failures(key, at_ms)",
                """
                CREATE TABLE blobs (
                  sha256 TEXT COLLATE "C" PRIMARY KEY,
                  size BIGINT NOT NULL CHECK (size >= 0),
                  unreferenced_ms BIGINT,
                  deleting_ms BIGINT
                )
                """,
                "CREATE INDEX blobs_unreferenced ON blobs(unreferenced_ms) WHERE unreferenced_ms IS NOT NULL",
                "CREATE INDEX blobs_deleting ON blobs(deleting_ms) WHERE deleting_ms IS NOT NULL",
                "CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_ms BIGINT NOT NULL)",
            ]
        ),
        ("v2", [PostgresAddFile.createFunction]),
        // Trash, versions and search by name: as SQLite's migration "v4 trash versions search", with
        // pg_trgm's index for names containing a text (a trusted extension: the database's owner may
        // create it). The function is replaced for the quota's new terms.
        (
            "v3 trash versions search",
            [
                "ALTER TABLE nodes ADD COLUMN trash_id TEXT COLLATE \"C\"",
                "ALTER TABLE nodes ADD COLUMN deleted_ms BIGINT",
                "ALTER TABLE nodes ADD COLUMN original_parent_id TEXT",
                "ALTER TABLE nodes ADD COLUMN original_path TEXT",
                "ALTER TABLE nodes ADD COLUMN content_version BIGINT NOT NULL DEFAULT 1",
                "DROP INDEX nodes_root",
                "CREATE UNIQUE INDEX nodes_root ON nodes(owner_id) WHERE parent_id IS NULL AND trash_id IS NULL",
                "CREATE INDEX nodes_trash ON nodes(owner_id, deleted_ms, id) WHERE deleted_ms IS NOT NULL",
                "CREATE INDEX nodes_trashed_since ON nodes(deleted_ms) WHERE deleted_ms IS NOT NULL",
                "CREATE INDEX nodes_in_trash ON nodes(trash_id) WHERE trash_id IS NOT NULL",
                "CREATE INDEX nodes_owner_by_name ON nodes(owner_id, is_folder, sort_name, name, id)",
                "ALTER TABLE users ADD COLUMN trash_bytes BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE users ADD COLUMN versions_bytes BIGINT NOT NULL DEFAULT 0",
                """
                CREATE TABLE versions (
                  node_id TEXT COLLATE "C" NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
                  number BIGINT NOT NULL,
                  owner_id TEXT NOT NULL,
                  sha256 TEXT COLLATE "C" NOT NULL,
                  size BIGINT NOT NULL CHECK (size >= 0),
                  modified_ms BIGINT NOT NULL,
                  PRIMARY KEY (node_id, number)
                )
                """,
                "CREATE INDEX versions_sha256 ON versions(sha256)",
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                "CREATE INDEX nodes_name_trigrams ON nodes USING gin (sort_name gin_trgm_ops)",
                PostgresAddFile.createFunction,
            ]
        ),
        // WebDAV and app passwords: as SQLite's migration "v5 webdav".
        (
            "v4 webdav",
            [
                """
                CREATE TABLE app_passwords (
                  id TEXT COLLATE "C" PRIMARY KEY,
                  user_id TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                  name TEXT NOT NULL,
                  secret_hash TEXT COLLATE "C" NOT NULL UNIQUE,
                  created_ms BIGINT NOT NULL
                )
                """,
                "CREATE INDEX app_passwords_user ON app_passwords(user_id, created_ms)",
                """
                CREATE TABLE dead_properties (
                  node_id TEXT COLLATE "C" NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
                  namespace TEXT COLLATE "C" NOT NULL,
                  name TEXT COLLATE "C" NOT NULL,
                  value TEXT NOT NULL,
                  PRIMARY KEY (node_id, namespace, name)
                )
                """,
                """
                CREATE TABLE locks (
                  token TEXT COLLATE "C" PRIMARY KEY,
                  owner_id TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                  path TEXT NOT NULL,
                  node_id TEXT COLLATE "C" NOT NULL,
                  deep BOOLEAN NOT NULL,
                  shared BOOLEAN NOT NULL,
                  owner_xml TEXT,
                  timeout_s BIGINT NOT NULL,
                  expires_ms BIGINT NOT NULL
                )
                """,
                "CREATE INDEX locks_owner ON locks(owner_id, expires_ms)",
            ]
        ),
        // Share links: as SQLite's migration "v6 shares".
        (
            "v5 shares",
            [
                """
                CREATE TABLE shares (
                  id TEXT COLLATE "C" PRIMARY KEY,
                  owner_id TEXT COLLATE "C" NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                  node_id TEXT COLLATE "C" NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
                  token_hash TEXT COLLATE "C" NOT NULL UNIQUE,
                  expires_ms BIGINT,
                  password_hash TEXT,
                  created_ms BIGINT NOT NULL,
                  downloads BIGINT NOT NULL,
                  last_access_ms BIGINT
                )
                """,
                "CREATE INDEX shares_owner ON shares(owner_id, created_ms, id)",
                "CREATE INDEX shares_node ON shares(node_id)",
            ]
        ),
        // Disabled accounts and ended sessions: as SQLite's migration "v7 account administration".
        (
            "v6 account administration",
            [
                "ALTER TABLE users ADD COLUMN disabled_ms BIGINT",
                "ALTER TABLE users ADD COLUMN tokens_after_ms BIGINT",
            ]
        ),
        // Every upload updates the rows of the folders above it (size, version), the root's among them,
        // so a few rows gain a dead version per write. With autovacuum's default (a fifth of the table
        // dead before it runs) a folder of 1M files left the root's dead versions behind for minutes,
        // and every read that walks a path to the root followed them: metadata fell from 8k to 2.3k
        // req/s (bench/growth.py). Vacuumed after 2,000 + 0.2 % dead rows instead (autovacuum still
        // runs at most once a naptime), with room left in each page so that updates stay on their page
        // (HOT). No SQLite counterpart: SQLite updates rows in place.
        (
            "v7 vacuum the folders' rows often",
            [
                """
                ALTER TABLE nodes SET (autovacuum_vacuum_scale_factor = 0.002, autovacuum_vacuum_threshold = 2000,
                  autovacuum_analyze_scale_factor = 0.02, fillfactor = 90)
                """
            ]
        ),
    ]

    /// Applies the migrations not applied yet, in one transaction holding an advisory lock, so that
    /// servers starting together migrate once.
    func migrate() async throws {
        let logger = self.logger
        try await transaction { c in
            try await c.query("SELECT pg_advisory_xact_lock(7061706572730001)", logger: logger)
            try await c.query("CREATE TABLE IF NOT EXISTS papers_migrations (name TEXT PRIMARY KEY, applied_ms BIGINT NOT NULL)", logger: logger)
            let applied = Set(try await Self.rows(c, "SELECT name FROM papers_migrations", logger: logger).map { try $0[0].decode(String.self) })
            for migration in Self.migrations where !applied.contains(migration.name) {
                for statement in migration.sql { try await c.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                let now = Timestamp.milliseconds(Date())
                try await c.query("INSERT INTO papers_migrations (name, applied_ms) VALUES (\(migration.name), \(now))", logger: logger)
            }
        }
    }
}
