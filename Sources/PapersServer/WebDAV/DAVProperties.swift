import Foundation
import NIOCore
import PapersCore

/// What a `PROPFIND` asks for (RFC 4918 §9.1).
enum PropfindRequest: Sendable, Equatable {
    /// `allprop` (or an empty body), with the `include` list.
    case all(include: [PropertyName])
    /// `propname`: the names only.
    case names
    case some([PropertyName])

    /// - Throws: `DAVXML.Invalid` for a body that is not a `propfind`.
    init(body: Data) throws(DAVXML.Invalid) {
        guard !body.isEmpty else {
            self = .all(include: [])
            return
        }
        let root = try DAVXML.parse(body)
        guard root.isDAV("propfind") else { throw DAVXML.Invalid(reason: "the body is not a DAV:propfind") }
        if root.child("propname") != nil {
            self = .names
        } else if let prop = root.child("prop") {
            self = .some(prop.children.map(\.name))
        } else if root.child("allprop") != nil {
            self = .all(include: root.child("include")?.children.map(\.name) ?? [])
        } else {
            throw DAVXML.Invalid(reason: "a propfind needs prop, allprop or propname")
        }
    }

    /// Whether answering needs the dead properties from the store.
    var needsDeadProperties: Bool {
        switch self {
        case .all, .names: return true
        case .some(let names): return names.contains { !DAVProperties.isLive($0) }
        }
    }

    var needsQuota: Bool {
        if case .some(let names) = self { return names.contains { DAVProperties.quotaNames.contains($0) } }
        return false
    }
}

/// The properties of a node as `PROPFIND` shows them: the live ones made from the node (`getetag` is
/// the API's ETag), the dead ones a client stored with `PROPPATCH`.
enum DAVProperties {
    static let live: [String] = [
        "resourcetype", "displayname", "getcontentlength", "getcontenttype", "getetag", "getlastmodified", "creationdate",
        "supportedlock", "lockdiscovery",
    ]
    /// RFC 4331's, shown only when asked for by name (not in `allprop`).
    static let quotaNames: Set<PropertyName> = [
        PropertyName(namespace: DAVXML.dav, name: "quota-available-bytes"), PropertyName(namespace: DAVXML.dav, name: "quota-used-bytes"),
    ]
    private static let liveNames = Set(live.map { PropertyName(namespace: DAVXML.dav, name: $0) }).union(quotaNames)

    /// Whether the server makes this property (it cannot be set or removed: 403 in `PROPPATCH`).
    static func isLive(_ name: PropertyName) -> Bool { liveNames.contains(name) }

    struct Quota: Sendable {
        var used: Int64
        var available: Int64?
    }

    /// Everything one `<D:response>` needs besides the node.
    struct Context: Sendable {
        var request: PropfindRequest
        var locks: [LockRecord]
        var nowMs: Int64
        var quota: Quota?
    }

    /// One `<D:response>` element for `node` at `path`.
    static func response(_ node: NodeRecord, path: DAVPath, dead: [DeadProperty], context: Context) -> String {
        let href = path.href(folder: node.isFolder)
        var found = ""
        var missing: [PropertyName] = []
        switch context.request {
        case .names:
            for name in live where has(name, node) { found += "<D:\(name)/>" }
            for property in dead { found += emptyElement(property.name) }
        case .all(let include):
            for name in live where has(name, node) { found += liveValue(name, node, path: path, context: context)! }
            for property in dead { found += element(property.name, value: property.value) }
            for name in include where isLive(name) && !live.contains(name.name) {
                if let value = quotaValue(name, context) { found += value } else { missing.append(name) }
            }
        case .some(let names):
            for name in names {
                if name.namespace == DAVXML.dav, let value = liveValue(name.name, node, path: path, context: context) ?? quotaValue(name, context) {
                    found += value
                } else if let property = dead.first(where: { $0.name == name }) {
                    found += element(property.name, value: property.value)
                } else {
                    missing.append(name)
                }
            }
        }
        var out = "<D:response><D:href>\(DAVXML.escape(href))</D:href>"
        if !found.isEmpty || missing.isEmpty {
            out += "<D:propstat><D:prop>\(found)</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>"
        }
        if !missing.isEmpty {
            out += "<D:propstat><D:prop>" + missing.map(emptyElement).joined() + "</D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>"
        }
        return out + "</D:response>\n"
    }

    /// `response` for `allprop` written straight into the answer's buffer: the form a Depth 1 listing of
    /// thousands takes, where building a String per property was most of the time (measured).
    /// `href` is the response's href, already encoded.
    static func writeAll(_ node: NodeRecord, name: String, href: String, dead: [DeadProperty], context: Context, into out: inout ByteBuffer) {
        out.writeStaticString("<D:response><D:href>")
        out.writeString(DAVXML.escape(href))
        out.writeStaticString("</D:href><D:propstat><D:prop>")
        out.writeStaticString(node.isFolder ? "<D:resourcetype><D:collection/></D:resourcetype>" : "<D:resourcetype/>")
        out.writeStaticString("<D:displayname>")
        out.writeString(DAVXML.escape(name))
        out.writeStaticString("</D:displayname>")
        if !node.isFolder {
            out.writeStaticString("<D:getcontentlength>")
            out.writeString(String(node.size))
            out.writeStaticString("</D:getcontentlength><D:getcontenttype>")
            out.writeString(DAVXML.escape(node.mimeType))
            out.writeStaticString("</D:getcontenttype>")
        }
        out.writeStaticString("<D:getetag>")
        out.writeString(DAVXML.escape(node.etag))
        out.writeStaticString("</D:getetag><D:getlastmodified>")
        out.writeString(HTTPDate.format(milliseconds: node.modifiedMs))
        out.writeStaticString("</D:getlastmodified><D:creationdate>")
        out.writeString(Timestamp.format(milliseconds: node.createdMs))
        out.writeStaticString("</D:creationdate>")
        out.writeString(supportedLock)
        out.writeStaticString("<D:lockdiscovery>")
        if !context.locks.isEmpty {
            let key = href.dropFirst(DAVPath.prefix.count).split(separator: "/").map { "/" + ($0.removingPercentEncoding ?? String($0)) }.joined()
            for lock in context.locks where lock.covers(key) { out.writeString(activeLock(lock, nowMs: context.nowMs)) }
        }
        out.writeStaticString("</D:lockdiscovery>")
        for property in dead { out.writeString(element(property.name, value: property.value)) }
        out.writeStaticString("</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>\n")
    }

    private static func has(_ name: String, _ node: NodeRecord) -> Bool {
        !(node.isFolder && (name == "getcontentlength" || name == "getcontenttype"))
    }

    private static func liveValue(_ name: String, _ node: NodeRecord, path: DAVPath, context: Context) -> String? {
        guard has(name, node) else { return nil }
        switch name {
        case "resourcetype": return node.isFolder ? "<D:resourcetype><D:collection/></D:resourcetype>" : "<D:resourcetype/>"
        case "displayname": return "<D:displayname>\(DAVXML.escape(path.name))</D:displayname>"
        case "getcontentlength": return "<D:getcontentlength>\(node.size)</D:getcontentlength>"
        case "getcontenttype": return "<D:getcontenttype>\(DAVXML.escape(node.mimeType))</D:getcontenttype>"
        case "getetag": return "<D:getetag>\(DAVXML.escape(node.etag))</D:getetag>"
        case "getlastmodified": return "<D:getlastmodified>\(HTTPDate.format(milliseconds: node.modifiedMs))</D:getlastmodified>"
        case "creationdate": return "<D:creationdate>\(Timestamp.format(milliseconds: node.createdMs))</D:creationdate>"
        case "supportedlock": return supportedLock
        case "lockdiscovery":
            return "<D:lockdiscovery>" + context.locks.filter { $0.covers(path.key) }.map { activeLock($0, nowMs: context.nowMs) }.joined()
                + "</D:lockdiscovery>"
        default: return nil
        }
    }

    private static func quotaValue(_ name: PropertyName, _ context: Context) -> String? {
        guard quotaNames.contains(name), let quota = context.quota else { return nil }
        if name.name == "quota-used-bytes" { return "<D:quota-used-bytes>\(quota.used)</D:quota-used-bytes>" }
        guard let available = quota.available else { return nil }
        return "<D:quota-available-bytes>\(max(0, available))</D:quota-available-bytes>"
    }

    static let supportedLock =
        "<D:supportedlock><D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>"
        + "<D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry></D:supportedlock>"

    /// A lock as `lockdiscovery` and a `LOCK` answer show it.
    static func activeLock(_ lock: LockRecord, nowMs: Int64) -> String {
        let root = DAVPath(names: lock.path.split(separator: "/").map(String.init))
        let remaining = max(0, (lock.expiresMs - nowMs) / 1000)
        return "<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope>\(lock.shared ? "<D:shared/>" : "<D:exclusive/>")</D:lockscope>"
            + "<D:depth>\(lock.deep ? "infinity" : "0")</D:depth>"
            + (lock.ownerXML.map { "<D:owner>\($0)</D:owner>" } ?? "")
            + "<D:timeout>Second-\(remaining)</D:timeout>"
            + "<D:locktoken><D:href>\(DAVXML.escape(lock.token))</D:href></D:locktoken>"
            + "<D:lockroot><D:href>\(DAVXML.escape(root.href(folder: false)))</D:href></D:lockroot></D:activelock>"
    }

    /// `<D:name/>` or `<name xmlns="ns"/>`.
    static func emptyElement(_ name: PropertyName) -> String {
        name.namespace == DAVXML.dav ? "<D:\(name.name)/>" : "<\(name.name) xmlns=\"\(DAVXML.escape(name.namespace))\"/>"
    }

    /// A property with its stored XML value.
    static func element(_ name: PropertyName, value: String) -> String {
        if name.namespace == DAVXML.dav { return "<D:\(name.name)>\(value)</D:\(name.name)>" }
        return "<\(name.name) xmlns=\"\(DAVXML.escape(name.namespace))\">\(value)</\(name.name)>"
    }

    static let multistatusStart = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:multistatus xmlns:D=\"DAV:\">\n"
    static let multistatusEnd = "</D:multistatus>\n"
}
