import Foundation
import PapersCore
import PostgresNIO

/// A new file's whole commit in one round trip: `papers_add_file`, a function the migrations
/// install, does what `PostgresMetadataStore.createFile` would otherwise send as eleven statements
/// (lock the user's row, find the folder, check the name and the quota, reference the content, insert
/// the node, add its size to the folders above it, read the path back). With the database on the
/// other side of a network, or on the same two cores, the round trips were what bounded small
/// uploads (0.35× SQLite's with them, see docs/performance.md).
///
/// It never leaves the caller's transaction aborted: every refusal is an outcome, and an error
/// (a deadlock with another server's batch) is caught in the function's own subtransaction and
/// handed back with its SQLSTATE, so the uploads batched with this one go on. A refused upload whose
/// content it wrote is recorded for the collector (`recordWrittenInVain`) in the same call.
///
/// A name that is taken comes back as `.nameTaken` having changed nothing: renaming (`name (1).txt`,
/// whose sort key is Swift's) and overwriting stay in Swift (`PostgresMetadataStore.createFile`).
struct PostgresAddFile: PostgresPreparedStatement {
    /// What the function answered.
    enum Outcome: Sendable {
        /// The file was added in the folder `folderId`; the names run from the root (`""`) down to
        /// the new file.
        case created(folderId: String, names: [String])
        case nameTaken
        case refused(StoreError)
        /// An error inside the function, rolled back there: its SQLSTATE and message.
        case failed(sqlState: String, message: String)
    }

    static let sql = "SELECT outcome, detail, names, folder_id FROM papers_add_file($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"

    typealias Row = (String, String?, [String]?, String?)

    var id: String
    var ownerId: String
    var parentId: String?
    var name: String
    var mimeType: String
    var content: ContentReference
    var now: Int64

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 10)
        bindings.append(id)
        bindings.append(ownerId)
        bindings.append(parentId)
        bindings.append(name)
        bindings.append(NodeName.sortKey(name))
        bindings.append(mimeType)
        bindings.append(content.sha256)
        bindings.append(content.size)
        bindings.append(content.written)
        bindings.append(now)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }

    /// The outcome of the function's answer.
    static func outcome(_ row: Row) -> Outcome {
        switch row.0 {
        case "created": return .created(folderId: row.3 ?? "", names: row.2 ?? [])
        case "name_taken": return .nameTaken
        case "not_found": return .refused(.nodeNotFound)
        case "not_a_folder": return .refused(.notAFolder)
        case "quota": return .refused(.quotaExceeded)
        case "being_removed": return .refused(.contentBeingRemoved)
        case "not_recorded": return .refused(.contentNotRecorded)
        default:
            let detail = row.1 ?? ""
            let state = String(detail.prefix(5))
            return .failed(sqlState: state, message: String(detail.dropFirst(min(6, detail.count))))
        }
    }

    /// The node the function inserted, as `fetchNode` and `locate` would read it back.
    func node(in folderId: String, along names: [String]) -> NodeRecord {
        var node = NodeRecord(
            id: id, ownerId: ownerId, parentId: folderId, name: name, isFolder: false, size: content.size, mimeType: mimeType,
            sha256: content.sha256, createdMs: now, modifiedMs: now, version: 1)
        node.place(along: names)
        return node
    }

    /// The function, as migration `v2` installs it. Its checks run in the order of the Swift
    /// statements it replaces, and all of them before its first write.
    static let createFunction = """
        CREATE OR REPLACE FUNCTION papers_add_file(
          p_id text, p_owner text, p_parent text, p_name text, p_sort_name text, p_mime text,
          p_sha256 text, p_size bigint, p_written boolean, p_now bigint,
          OUT outcome text, OUT detail text, OUT names text[], OUT folder_id text)
        LANGUAGE plpgsql AS $$
        DECLARE
          v_quota bigint;
          v_used bigint;
          v_is_folder boolean;
          v_unreferenced bigint;
          v_deleting bigint;
          v_at text;
          v_name text;
        BEGIN
          BEGIN
            SELECT quota_bytes INTO v_quota FROM users WHERE id = p_owner FOR UPDATE;
            IF NOT FOUND THEN outcome := 'not_found'; END IF;
            IF outcome IS NULL THEN
              IF p_parent IS NULL THEN
                SELECT id, TRUE INTO folder_id, v_is_folder FROM nodes WHERE owner_id = p_owner AND parent_id IS NULL AND trash_id IS NULL;
              ELSE
                SELECT id, is_folder INTO folder_id, v_is_folder FROM nodes
                WHERE id = p_parent AND owner_id = p_owner AND parent_id IS NOT NULL AND trash_id IS NULL;
              END IF;
              IF folder_id IS NULL THEN outcome := 'not_found';
              ELSIF NOT v_is_folder THEN outcome := 'not_a_folder';
              ELSIF EXISTS (SELECT 1 FROM nodes WHERE parent_id = folder_id AND name = p_name) THEN outcome := 'name_taken';
              END IF;
            END IF;
            IF outcome IS NULL AND v_quota IS NOT NULL AND p_size > 0 THEN
              SELECT n.size + u.trash_bytes + u.versions_bytes INTO v_used FROM nodes n JOIN users u ON u.id = n.owner_id
              WHERE n.owner_id = p_owner AND n.parent_id IS NULL AND n.trash_id IS NULL;
              IF v_used + p_size > v_quota THEN outcome := 'quota'; END IF;
            END IF;
            -- The content's row, locked: a claim by the collector is waited for, and seen.
            WHILE outcome IS NULL LOOP
              SELECT unreferenced_ms, deleting_ms INTO v_unreferenced, v_deleting FROM blobs WHERE sha256 = p_sha256 FOR UPDATE;
              IF FOUND THEN
                IF v_deleting IS NOT NULL THEN outcome := 'being_removed';
                ELSE
                  IF v_unreferenced IS NOT NULL THEN UPDATE blobs SET unreferenced_ms = NULL WHERE sha256 = p_sha256; END IF;
                  EXIT;
                END IF;
              ELSIF NOT p_written THEN outcome := 'not_recorded';
              ELSE
                INSERT INTO blobs (sha256, size, unreferenced_ms) VALUES (p_sha256, p_size, NULL) ON CONFLICT (sha256) DO NOTHING;
                EXIT WHEN FOUND;
                -- Another commit made the row meanwhile: look again.
              END IF;
            END LOOP;
            IF outcome IS NULL THEN
              INSERT INTO nodes (id, owner_id, parent_id, name, sort_name, is_folder, size, mime_type, sha256, created_ms, modified_ms)
              VALUES (p_id, p_owner, folder_id, p_name, p_sort_name, FALSE, p_size, p_mime, p_sha256, p_now, p_now);
              -- The folders above gain the size (and a version); the parent is also touched. A loop of
              -- lookups by key, not a recursive join: the function's plans are cached per connection,
              -- and a join planned while the table was small stays a sequential scan as it grows.
              names := ARRAY[p_name];
              v_at := folder_id;
              WHILE v_at IS NOT NULL LOOP
                UPDATE nodes SET size = size + p_size,
                  version = version + CASE WHEN id = folder_id THEN 2 ELSE 1 END,
                  modified_ms = CASE WHEN id = folder_id THEN p_now ELSE modified_ms END
                WHERE id = v_at RETURNING parent_id, name INTO v_at, v_name;
                names := v_name || names;
              END LOOP;
              outcome := 'created';
            END IF;
          EXCEPTION WHEN OTHERS THEN
            outcome := 'error';
            detail := SQLSTATE || ' ' || SQLERRM;
          END;
          IF outcome <> 'created' AND p_written THEN
            INSERT INTO blobs (sha256, size, unreferenced_ms) VALUES (p_sha256, p_size, p_now) ON CONFLICT (sha256) DO NOTHING;
          END IF;
        END
        $$
        """
}
