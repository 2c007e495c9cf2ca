import NIOCore
import PapersCore

/// Writes nodes and pages as JSON bytes directly.
///
/// A listing page holds up to 1,000 nodes; Foundation's `JSONEncoder` took most of a page's time
/// (the issue's target is 10 ms a page). The output is what `JSONEncoder` with `.sortedKeys` and
/// `.withoutEscapingSlashes` writes for the same `Node`/`NodePage` values (a test checks it byte for
/// byte), so clients see one format. Each node is written straight into the response's buffer, into
/// room reserved for its longest possible form (`RawWriter`): with a bounds and uniqueness check per
/// write, `ByteBuffer`'s own writes were most of a page's time.
enum NodeJSON {
    static func page(_ nodes: [Node], nextCursor: String?) -> ByteBuffer {
        var out = ByteBufferAllocator().buffer(capacity: nodes.count * 420 + 64)
        out.writeStaticString("{")
        appendItems(nodes, nextCursor: nextCursor, to: &out)
        out.writeStaticString("}")
        return out
    }

    /// A folder's properties with its first page (`GET /folders/<id>`): the page's keys sort between
    /// `is_folder` and `mime_type`.
    static func folder(_ folder: Node, items: [Node], nextCursor: String?) -> ByteBuffer {
        var out = ByteBufferAllocator().buffer(capacity: items.count * 420 + 512)
        write(folder, to: &out) { $0.head(folder) }
        out.writeStaticString(",")
        appendItems(items, nextCursor: nextCursor, to: &out)
        write(folder, to: &out) { $0.tail(folder) }
        return out
    }

    /// One node's properties (`GET /files/<id>`, the answer to an upload, rename or move).
    static func node(_ node: Node) -> ByteBuffer {
        var out = ByteBufferAllocator().buffer(capacity: 512)
        write(node, to: &out) { $0.node(node) }
        return out
    }

    /// `"items":[...],"next_cursor":...` (the keys of a page, without braces).
    private static func appendItems(_ nodes: [Node], nextCursor: String?, to out: inout ByteBuffer) {
        out.writeStaticString(#""items":["#)
        for (i, node) in nodes.enumerated() {
            if i > 0 { out.writeStaticString(",") }
            write(node, to: &out) { $0.node(node) }
        }
        out.writeStaticString(#"],"next_cursor":"#)
        if let nextCursor {
            write(nextCursor, to: &out)
        } else {
            out.writeStaticString("null")
        }
    }

    private static func write(_ node: Node, to out: inout ByteBuffer, _ body: (inout RawWriter) -> Void) {
        // Keys, literals and the size take under 320 bytes; a string at most 6 bytes per byte, quoted.
        var textBytes = node.creator.utf8.count + node.dateCreated.utf8.count + node.dateModified.utf8.count + node.etag.utf8.count
        textBytes += node.id.utf8.count + node.mimeType.utf8.count + node.name.utf8.count + node.path.utf8.count
        textBytes += (node.parentId?.utf8.count ?? 0) + (node.sha256?.utf8.count ?? 0)
        let bound = 320 + 6 * textBytes + 2 * 10
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { raw in
            var writer = RawWriter(base: raw.baseAddress!)
            body(&writer)
            return writer.count
        }
    }

    private static func write(_ text: String, to out: inout ByteBuffer) {
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: 6 * text.utf8.count + 2) { raw in
            var writer = RawWriter(base: raw.baseAddress!)
            writer.string(text)
            return writer.count
        }
    }
}

/// Appends JSON to memory reserved beforehand (`\u00XX` is the longest form of a byte: six), without
/// a check per byte.
private struct RawWriter {
    let base: UnsafeMutableRawPointer
    var count = 0

    mutating func node(_ node: Node) {
        head(node)
        tail(node)
    }

    /// `{"creator":...` up to `"is_folder":...`.
    mutating func head(_ node: Node) {
        raw(#"{"creator":"#)
        string(node.creator)
        raw(#","date_created":"#)
        string(node.dateCreated)
        raw(#","date_modified":"#)
        string(node.dateModified)
        raw(#","etag":"#)
        string(node.etag)
        raw(#","id":"#)
        string(node.id)
        raw(#","is_folder":"#)
        raw(node.isFolder ? "true" : "false")
    }

    /// `,"mime_type":...` to the closing brace.
    mutating func tail(_ node: Node) {
        raw(#","mime_type":"#)
        string(node.mimeType)
        raw(#","name":"#)
        string(node.name)
        raw(#","parent_id":"#)
        optional(node.parentId)
        raw(#","path":"#)
        string(node.path)
        raw(#","sha256":"#)
        optional(node.sha256)
        raw(#","size":"#)
        var size = String(node.size)
        size.withUTF8 { bytes($0) }
        byte(125)
    }

    mutating func optional(_ text: String?) {
        if let text { string(text) } else { raw("null") }
    }

    /// A JSON string: `"` and `\` escaped, control characters as \n, \t, ... or \u00XX.
    mutating func string(_ text: String) {
        byte(34)
        var text = text
        text.withUTF8 { utf8 in
            if !utf8.contains(where: { $0 < 32 || $0 == 34 || $0 == 92 }) {
                bytes(utf8)
                return
            }
            for code in utf8 {
                switch code {
                case 34: byte(92); byte(34)
                case 92: byte(92); byte(92)
                case 10: byte(92); byte(110)
                case 13: byte(92); byte(114)
                case 9: byte(92); byte(116)
                case 8: byte(92); byte(98)
                case 12: byte(92); byte(102)
                case 0..<32:
                    raw("\\u00")
                    byte(Self.hex(code >> 4))
                    byte(Self.hex(code & 15))
                default: byte(code)
                }
            }
        }
        byte(34)
    }

    private static func hex(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 48 + nibble : 87 + nibble }

    private mutating func raw(_ text: StaticString) {
        (base + count).copyMemory(from: text.utf8Start, byteCount: text.utf8CodeUnitCount)
        count += text.utf8CodeUnitCount
    }

    private mutating func bytes(_ buffer: UnsafeBufferPointer<UInt8>) {
        guard let address = buffer.baseAddress else { return }
        (base + count).copyMemory(from: address, byteCount: buffer.count)
        count += buffer.count
    }

    private mutating func byte(_ value: UInt8) {
        base.storeBytes(of: value, toByteOffset: count, as: UInt8.self)
        count += 1
    }
}
