/// Checks that bytes are JSON as RFC 8259 defines it, before they are decoded.
///
/// Hand-written because Foundation's `JSONDecoder` on Linux accepts more than the RFC allows
/// (`{"name": "x",}` with its trailing comma decodes), and the API promises 400 `invalid_json` for
/// anything that is not JSON. A recursive-descent recogniser of the RFC's grammar: no values are
/// built, nesting is bounded (`maxDepth`) so a deep body cannot exhaust the stack.
struct StrictJSON {
    struct Invalid: Error, Equatable {
        /// Byte offset of the first byte that breaks the grammar.
        var offset: Int
    }

    static let maxDepth = 64

    private let bytes: [UInt8]
    private var index = 0

    /// - Throws: `Invalid` at the first byte that breaks RFC 8259's grammar.
    static func validate(_ bytes: [UInt8]) throws(Invalid) {
        var parser = StrictJSON(bytes: bytes)
        parser.skipWhitespace()
        try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw Invalid(offset: parser.index) }
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private func fail() -> Invalid { Invalid(offset: index) }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws(Invalid) {
        guard current == byte else { throw fail() }
        index += 1
    }

    private mutating func value(depth: Int) throws(Invalid) {
        guard depth < Self.maxDepth, let byte = current else { throw fail() }
        switch byte {
        case UInt8(ascii: "{"): try object(depth: depth + 1)
        case UInt8(ascii: "["): try array(depth: depth + 1)
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: try number()
        }
    }

    private mutating func object(depth: Int) throws(Invalid) {
        try expect(UInt8(ascii: "{"))
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            try string()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            try value(depth: depth)
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "}"))
            return
        }
    }

    private mutating func array(depth: Int) throws(Invalid) {
        try expect(UInt8(ascii: "["))
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            skipWhitespace()
            try value(depth: depth)
            skipWhitespace()
            if current == UInt8(ascii: ",") {
                index += 1
                continue
            }
            try expect(UInt8(ascii: "]"))
            return
        }
    }

    private mutating func literal(_ word: String) throws(Invalid) {
        for byte in word.utf8 { try expect(byte) }
    }

    /// A string: no raw control characters, only the RFC's escapes (UTF-8 validity is left to the
    /// decoder, which refuses bad sequences itself).
    private mutating func string() throws(Invalid) {
        try expect(UInt8(ascii: "\""))
        while let byte = current {
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return
            case UInt8(ascii: "\\"):
                guard let escaped = current else { throw fail() }
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    break
                case UInt8(ascii: "u"):
                    for _ in 0..<4 {
                        guard let hex = current, Self.isHexDigit(hex) else { throw fail() }
                        index += 1
                    }
                default:
                    index -= 1
                    throw fail()
                }
            case 0x00..<0x20:
                index -= 1
                throw fail()
            default: break
            }
        }
        throw fail()
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func number() throws(Invalid) {
        if current == UInt8(ascii: "-") { index += 1 }
        guard let first = current, Self.isDigit(first) else { throw fail() }
        index += 1
        if first != UInt8(ascii: "0") { digits() }
        if current == UInt8(ascii: ".") {
            index += 1
            guard let next = current, Self.isDigit(next) else { throw fail() }
            digits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let next = current, Self.isDigit(next) else { throw fail() }
            digits()
        }
    }

    private mutating func digits() {
        while let byte = current, Self.isDigit(byte) { index += 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
    }
}
