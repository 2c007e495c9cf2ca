import NIOCore
import PapersCore

/// Writes nodes and pages as JSON bytes directly.
///
/// A listing page holds up to 1,000 nodes; Foundation's `JSONEncoder` took most of a page's time
/// (the issue's target is 10 ms a page). The output is what `JSONEncoder` with `.sortedKeys` and
/// `.withoutEscapingSlashes` writes for the same `Node`/`NodePage` values (a test checks it decodes
/// to equal values), so clients see one format. The bytes go straight into the response's buffer.
enum NodeJSON {
    static func page(_ nodes: [Node], nextCursor: String?) -> ByteBuffer {
        var out = ByteBufferAllocator().buffer(capacity: nodes.count * 420 + 64)
        out.writeInteger(UInt8(123))
        appendItems(nodes, nextCursor: nextCursor, to: &out)
        out.writeInteger(UInt8(125))
        return out
    }

    /// A folder's properties with its first page (`GET /folders/<id>`).
    static func folder(_ folder: Node, items: [Node], nextCursor: String?) -> ByteBuffer {
        var out = ByteBufferAllocator().buffer(capacity: items.count * 420 + 512)
        appendFields(folder, to: &out, extra: { out in
            out.writeInteger(UInt8(44))
            appendItems(items, nextCursor: nextCursor, to: &out)
        })
        return out
    }

    /// `"items":[...],"next_cursor":...` (the keys of a page, without braces).
    private static func appendItems(_ nodes: [Node], nextCursor: String?, to out: inout ByteBuffer) {
        out.writeString(#""items":["#)
        for (i, node) in nodes.enumerated() {
            if i > 0 { out.writeInteger(UInt8(44)) }
            append(node, to: &out)
        }
        out.writeString(#"],"next_cursor":"#)
        appendOptional(nextCursor, to: &out)
    }

    /// One node's properties (`GET /files/<id>`, the answer to an upload, rename or move).
    static func node(_ node: Node) -> ByteBuffer {
        var out = ByteBufferAllocator().buffer(capacity: 512)
        append(node, to: &out)
        return out
    }

    static func append(_ node: Node, to out: inout ByteBuffer) {
        appendFields(node, to: &out, extra: { _ in })
    }

    /// The fields in sorted key order; `extra` adds keys that sort after `is_folder` and before `mime_type`.
    private static func appendFields(_ node: Node, to out: inout ByteBuffer, extra: (inout ByteBuffer) -> Void) {
        out.writeString(#"{"creator":"#)
        appendString(node.creator, to: &out)
        out.writeString(#","date_created":"#)
        appendString(node.dateCreated, to: &out)
        out.writeString(#","date_modified":"#)
        appendString(node.dateModified, to: &out)
        out.writeString(#","etag":"#)
        appendString(node.etag, to: &out)
        out.writeString(#","id":"#)
        appendString(node.id, to: &out)
        out.writeString(#","is_folder":"#)
        out.writeString((node.isFolder ? "true" : "false"))
        extra(&out)
        out.writeString(#","mime_type":"#)
        appendString(node.mimeType, to: &out)
        out.writeString(#","name":"#)
        appendString(node.name, to: &out)
        out.writeString(#","parent_id":"#)
        appendOptional(node.parentId, to: &out)
        out.writeString(#","path":"#)
        appendString(node.path, to: &out)
        out.writeString(#","sha256":"#)
        appendOptional(node.sha256, to: &out)
        out.writeString(#","size":"#)
        out.writeString(String(node.size))
        out.writeInteger(UInt8(125))
    }

    private static func appendOptional(_ value: String?, to out: inout ByteBuffer) {
        if let value { appendString(value, to: &out) } else { out.writeString("null") }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string: `"` and `\` escaped, control characters as \n, \t, ... or \u00XX.
    static func appendString(_ text: String, to out: inout ByteBuffer) {
        out.writeInteger(UInt8(34))
        // Most strings need no escaping: scan the bytes in place and copy them in one go.
        let plain = text.utf8.withContiguousStorageIfAvailable { bytes in
            if bytes.contains(where: { $0 < 32 || $0 == 34 || $0 == 92 }) { return false }
            out.writeBytes(bytes)
            return true
        }
        if plain == true {
            out.writeInteger(UInt8(34))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case 34: out.writeBytes([92, 34] as [UInt8])
            case 92: out.writeBytes([92, 92] as [UInt8])
            case 10: out.writeBytes([92, 110] as [UInt8])
            case 13: out.writeBytes([92, 114] as [UInt8])
            case 9: out.writeBytes([92, 116] as [UInt8])
            case 8: out.writeBytes([92, 98] as [UInt8])
            case 12: out.writeBytes([92, 102] as [UInt8])
            case 0..<32: out.writeBytes([92, 117, 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: out.writeInteger(byte)
            }
        }
        out.writeInteger(UInt8(34))
    }
}
