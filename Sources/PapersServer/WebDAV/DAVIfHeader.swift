import Foundation

/// The `If` request header of RFC 4918 §10.4: lists of conditions on lock tokens and entity tags,
/// optionally tagged with the resource they are about. Hand-written: no library in reach parses it,
/// and its grammar is small.
struct DAVIfHeader: Sendable, Equatable {
    struct Condition: Sendable, Equatable {
        enum Kind: Sendable, Equatable {
            case token(String)
            case etag(String)
        }
        var negated: Bool
        var kind: Kind
    }

    struct List: Sendable, Equatable {
        /// The resource of a tagged list (its URL as sent); `nil`: the request's target.
        var resource: String?
        var conditions: [Condition]
    }

    var lists: [List]

    /// Every state token the header names: the lock tokens the client submits (RFC 4918 §6.4), in
    /// a condition that holds or not.
    var tokens: Set<String> {
        Set(lists.flatMap { $0.conditions.compactMap { if case .token(let token) = $0.kind { token } else { nil } } })
    }

    struct Invalid: Error {}

    /// - Throws: `Invalid` when the header does not follow the grammar.
    init(_ header: String) throws(Invalid) {
        var scanner = Array(header.unicodeScalars)[...]
        var lists: [List] = []
        var resource: String?
        func skipSpace() { while let first = scanner.first, first == " " || first == "\t" { scanner.removeFirst() } }
        func take(until end: Unicode.Scalar) throws(Invalid) -> String {
            var out = String.UnicodeScalarView()
            while let scalar = scanner.popFirst() {
                if scalar == end { return String(out) }
                out.append(scalar)
            }
            throw Invalid()
        }
        skipSpace()
        while !scanner.isEmpty {
            switch scanner.first {
            case "<":
                scanner.removeFirst()
                resource = try take(until: ">")
            case "(":
                scanner.removeFirst()
                var conditions: [Condition] = []
                while true {
                    skipSpace()
                    guard let first = scanner.first else { throw Invalid() }
                    if first == ")" {
                        scanner.removeFirst()
                        break
                    }
                    var negated = false
                    if scanner.starts(with: "Not".unicodeScalars) || scanner.starts(with: "not".unicodeScalars) {
                        negated = true
                        scanner.removeFirst(3)
                        skipSpace()
                    }
                    switch scanner.popFirst() {
                    case "<": conditions.append(Condition(negated: negated, kind: .token(try take(until: ">"))))
                    case "[": conditions.append(Condition(negated: negated, kind: .etag(try take(until: "]"))))
                    default: throw Invalid()
                    }
                }
                guard !conditions.isEmpty else { throw Invalid() }
                lists.append(List(resource: resource, conditions: conditions))
            default:
                throw Invalid()
            }
            skipSpace()
        }
        guard !lists.isEmpty else { throw Invalid() }
        self.lists = lists
    }
}
