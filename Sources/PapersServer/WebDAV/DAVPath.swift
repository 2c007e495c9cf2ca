import Foundation
import PapersCore

/// A path under `/dav/` as names from the user's root: percent-decoded segment by segment, each
/// NFC. Lookups go from the root by these names, one folder at a time, so nothing in a path can name
/// a node outside the user's tree; `.` and `..` are refused rather than interpreted, and an encoded
/// `/` inside a segment stays part of that name (no node can have it).
struct DAVPath: Sendable, Hashable {
    static let prefix = "/dav"

    var names: [String]

    var isRoot: Bool { names.isEmpty }
    var name: String { names.last ?? "" }
    var parent: DAVPath { DAVPath(names: names.dropLast()) }

    /// `""` for the root, `/a/b` below it: the form locks are kept under.
    var key: String { names.map { "/" + $0 }.joined() }

    func appending(_ name: String) -> DAVPath { DAVPath(names: names + [name]) }

    /// Whether `self` is `other` or inside it.
    func isWithin(_ other: DAVPath) -> Bool { names.starts(with: other.names) }

    /// The URL path for a response's `href`: each name percent-encoded, a trailing `/` for a folder.
    func href(folder: Bool) -> String {
        var out = Self.prefix
        for name in names { out += "/" + Self.encode(name) }
        if folder || names.isEmpty { out += "/" }
        return out
    }

    /// Why a request's path or `Destination` is not one; answered as 400 (or 502 for another server).
    enum Invalid: Error, Equatable {
        case malformed(String)
        case otherServer
    }

    /// The path of a request target (`/dav/...`, still percent-encoded as it came).
    /// - Throws: `Invalid.malformed` outside `/dav`, for bad percent-encoding, or `.`/`..` segments.
    init(requestPath raw: String) throws(Invalid) {
        var path = Substring(raw)
        if let query = path.firstIndex(of: "?") { path = path[..<query] }
        // A fragment is never part of a request's target (RFC 9110 §7.1); one here was meant as a name's `%23`.
        if path.contains("#") { throw .malformed("A request path cannot contain \"#\"; write it as %23 in a name.") }
        guard path == Self.prefix || path.hasPrefix(Self.prefix + "/") else { throw .malformed("The path is not under /dav/.") }
        var names: [String] = []
        for segment in path.dropFirst(Self.prefix.count).split(separator: "/", omittingEmptySubsequences: true) {
            guard let decoded = String(segment).removingPercentEncoding else {
                throw .malformed("The path has a malformed %-escape.")
            }
            let name = decoded.precomposedStringWithCanonicalMapping
            if name == "." || name == ".." { throw .malformed("A path cannot contain \".\" or \"..\" segments.") }
            // No name has one (`NodeName`), and PostgreSQL refuses a NUL even to look one up.
            if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw .malformed("A path cannot contain control characters.")
            }
            names.append(name)
        }
        self.names = names
    }

    init(names: some Sequence<String>) {
        self.names = Array(names)
    }

    /// The `Destination` of a `COPY` or `MOVE`: an absolute URL on this server (its authority must be
    /// the request's `Host`) or an absolute path.
    /// - Throws: `Invalid.otherServer` for another authority, `.malformed` otherwise.
    init(destination: String, host: String?) throws(Invalid) {
        let value = destination.trimmingCharacters(in: .whitespaces)
        if value.hasPrefix("/") {
            try self.init(requestPath: value)
            return
        }
        guard let components = URLComponents(string: value), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let destinationHost = components.host
        else { throw .malformed("Destination must be an http(s) URL or an absolute path.") }
        if let host {
            let authority = destinationHost.lowercased() + (components.port.map { ":\($0)" } ?? "")
            let expected = host.lowercased()
            let defaultPort = scheme == "https" ? ":443" : ":80"
            if authority != expected && authority != expected + defaultPort && authority + defaultPort != expected {
                throw .otherServer
            }
        }
        try self.init(requestPath: components.percentEncodedPath)
    }

    /// RFC 3986's unreserved characters stay; everything else is %-encoded as UTF-8.
    static func encode(_ name: String) -> String {
        var out = ""
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}
