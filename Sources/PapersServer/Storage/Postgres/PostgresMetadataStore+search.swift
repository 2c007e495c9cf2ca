import Foundation
import PapersCore
import PostgresNIO

/// Search by name in PostgreSQL: one `LIKE '%text%'` statement per kind of node, which the planner
/// answers either by walking `nodes_owner_by_name` in the page's order (common matches) or from
/// pg_trgm's index `nodes_name_trigrams` and a sort (rare ones) — the choice
/// `SQLiteMetadataStore+search.swift` makes by hand. The statement is planned for its values each
/// time (unnamed), so the estimate sees the text.
extension PostgresMetadataStore {
    func search(ownerId: String, query: SearchQuery) async throws -> SearchPage {
        let logger = self.logger
        let pattern = "%" + Self.likeEscaped(query.text) + "%"
        return try await withConnection { c in
            let want = query.limit + 1
            var found: [NodeRecord] = []
            for (isFolder, cursor) in query.passes {
                var binds = PostgresBindings()
                binds.append(ownerId)
                binds.append(isFolder)
                binds.append(pattern)
                var sql = """
                    SELECT \(NodeRecord.columns) FROM nodes
                    WHERE owner_id = $1 AND is_folder = $2 AND trash_id IS NULL AND parent_id IS NOT NULL AND sort_name LIKE $3
                    """
                if let cursor {
                    binds.append(cursor.sortName)
                    binds.append(cursor.name)
                    binds.append(cursor.id)
                    sql += " AND (sort_name, name, id) > ($4, $5, $6)"
                }
                binds.append(want - found.count)
                sql += " ORDER BY sort_name, name, id LIMIT $\(binds.count)"
                found += try await Self.nodes(c, PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
                if found.count >= want { break }
            }
            return SearchPage(fetched: try await Self.locatedAll(c, found, logger: logger), query: query)
        }
    }

    /// The text as a literal part of a `LIKE` pattern (backslash is PostgreSQL's default escape).
    static func likeEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }

    /// The nodes with their paths and visible parents, read in one statement for all of them.
    static func locatedAll(_ c: PostgresConnection, _ nodes: [NodeRecord], logger: Logger) async throws -> [NodeRecord] {
        guard !nodes.isEmpty else { return [] }
        let ids = nodes.map(\.id)
        var names: [String: [String]] = [:]
        for row in try await rows(
            c,
            """
            WITH RECURSIVE chain(start, parent_id, name, depth) AS (
              SELECT id, parent_id, name, 0 FROM nodes WHERE id = ANY(\(ids))
              UNION ALL SELECT c.start, n.parent_id, n.name, c.depth + 1
              FROM chain c CROSS JOIN LATERAL (SELECT * FROM nodes WHERE nodes.id = c.parent_id LIMIT 1) n)
            SELECT start, name FROM chain ORDER BY start, depth DESC
            """, logger: logger)
        {
            names[try row[0].decode(String.self), default: []].append(try row[1].decode(String.self))
        }
        return nodes.map { node in
            var node = node
            node.place(along: names[node.id] ?? [])
            return node
        }
    }
}
