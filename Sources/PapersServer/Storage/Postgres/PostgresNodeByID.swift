import Foundation
import PostgresNIO

/// The hot read (a node's properties, every metadata request and every download), prepared once per
/// connection: the node's columns on every row, with the names from the root down to it — one round
/// trip, as `SQLiteMetadataStore.node(id:)` reads it in one statement.
struct PostgresNodeByID: PostgresPreparedStatement {
    static let sql = """
        WITH RECURSIVE chain(parent_id, name, depth) AS (
          SELECT parent_id, name, 0 FROM nodes WHERE id = $1 AND owner_id = $2 AND parent_id IS NOT NULL AND trash_id IS NULL
          UNION ALL SELECT n.parent_id, n.name, c.depth + 1 FROM chain c CROSS JOIN LATERAL (SELECT * FROM nodes WHERE nodes.id = c.parent_id LIMIT 1) n)
        SELECT \(NodeRecord.nodesColumns), chain.name FROM nodes, chain
        WHERE nodes.id = $1 AND nodes.owner_id = $2
        ORDER BY chain.depth DESC
        """

    typealias Row = (NodeRecord, String)

    var id: String
    var ownerId: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(id)
        bindings.append(ownerId)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        var cells = row.makeIterator()
        let node = try PostgresMetadataStore.node(&cells)
        let pathName = try PostgresMetadataStore.next(&cells, as: String.self)
        return (node, pathName)
    }
}
