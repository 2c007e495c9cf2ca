import PapersCore

/// Writes nodes and pages as JSON bytes directly.
///
/// A listing page holds up to 1,000 nodes; Foundation's `JSONEncoder` took most of a page's time
/// (the issue's target is 10 ms a page). The output is what `JSONEncoder` with `.sortedKeys` and
/// `.withoutEscapingSlashes` writes for the same `Node`/`NodePage` values (a test checks it decodes
/// to equal values), so clients see one format.
enum NodeJSON {
    static func page(_ nodes: [Node], nextCursor: String?) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(nodes.count * 420 + 64)
        out.append(123)
        appendItems(nodes, nextCursor: nextCursor, to: &out)
        out.append(125)
        return out
    }

    /// A folder's properties with its first page (`GET /folders/<id>`).
    static func folder(_ folder: Node, items: [Node], nextCursor: String?) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(items.count * 420 + 512)
        appendFields(folder, to: &out, extra: { out in
            out.append(44)
            appendItems(items, nextCursor: nextCursor, to: &out)
        })
        return out
    }

    /// `"items":[...],"next_cursor":...` (the keys of a page, without braces).
    private static func appendItems(_ nodes: [Node], nextCursor: String?, to out: inout [UInt8]) {
        out.append(contentsOf: #""items":["#.utf8)
        for (i, node) in nodes.enumerated() {
            if i > 0 { out.append(44) }
            append(node, to: &out)
        }
        out.append(contentsOf: #"],"next_cursor":"#.utf8)
        appendOptional(nextCursor, to: &out)
    }

    /// One node's properties (`GET /files/<id>`, the answer to an upload, rename or move).
    static func node(_ node: Node) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        append(node, to: &out)
        return out
    }

    static func append(_ node: Node, to out: inout [UInt8]) {
        appendFields(node, to: &out, extra: { _ in })
    }

    /// The fields in sorted key order; `extra` adds keys that sort after `is_folder` and before `mime_type`.
    private static func appendFields(_ node: Node, to out: inout [UInt8], extra: (inout [UInt8]) -> Void) {
        out.append(contentsOf: #"{"creator":"#.utf8)
        appendString(node.creator, to: &out)
        out.append(contentsOf: #","date_created":"#.utf8)
        appendString(node.dateCreated, to: &out)
        out.append(contentsOf: #","date_modified":"#.utf8)
        appendString(node.dateModified, to: &out)
        out.append(contentsOf: #","etag":"#.utf8)
        appendString(node.etag, to: &out)
        out.append(contentsOf: #","id":"#.utf8)
        appendString(node.id, to: &out)
        out.append(contentsOf: #","is_folder":"#.utf8)
        out.append(contentsOf: (node.isFolder ? "true" : "false").utf8)
        extra(&out)
        out.append(contentsOf: #","mime_type":"#.utf8)
        appendString(node.mimeType, to: &out)
        out.append(contentsOf: #","name":"#.utf8)
        appendString(node.name, to: &out)
        out.append(contentsOf: #","parent_id":"#.utf8)
        appendOptional(node.parentId, to: &out)
        out.append(contentsOf: #","path":"#.utf8)
        appendString(node.path, to: &out)
        out.append(contentsOf: #","sha256":"#.utf8)
        appendOptional(node.sha256, to: &out)
        out.append(contentsOf: #","size":"#.utf8)
        out.append(contentsOf: String(node.size).utf8)
        out.append(125)
    }

    private static func appendOptional(_ value: String?, to out: inout [UInt8]) {
        if let value { appendString(value, to: &out) } else { out.append(contentsOf: "null".utf8) }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string: `"` and `\` escaped, control characters as \n, \t, ... or \u00XX.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(34)
        if !text.utf8.contains(where: { $0 < 32 || $0 == 34 || $0 == 92 }) {
            out.append(contentsOf: text.utf8)
            out.append(34)
            return
        }
        for byte in text.utf8 {
            switch byte {
            case 34: out += [92, 34]
            case 92: out += [92, 92]
            case 10: out += [92, 110]
            case 13: out += [92, 114]
            case 9: out += [92, 116]
            case 8: out += [92, 98]
            case 12: out += [92, 102]
            case 0..<32: out += [92, 117, 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            default: out.append(byte)
            }
        }
        out.append(34)
    }
}
