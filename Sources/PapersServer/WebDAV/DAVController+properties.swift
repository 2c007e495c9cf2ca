import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PapersCore

extension DAVController {
    /// `PROPFIND` with `Depth: 0` or `1`. A folder's members are read a page at a time (dead
    /// properties one read per page) and written out as they come: memory stays flat with the
    /// folder's size, and the first byte leaves after one page.
    func propfind(_ request: Request, path: DAVPath, tree: DAVTree) async throws -> Response {
        let depthOne: Bool
        switch request.headers[Self.depth]?.trimmingCharacters(in: .whitespaces).lowercased() {
        case "0": depthOne = false
        case "1": depthOne = true
        case nil, "infinity": throw DAVError(status: .forbidden, condition: "propfind-finite-depth")
        default: throw APIError.badRequest("Depth must be 0, 1 or infinity.")
        }
        let asked: PropfindRequest
        do {
            asked = try PropfindRequest(body: try await Self.xmlBody(request))
        } catch let error as DAVXML.Invalid {
            throw APIError.badRequest("The PROPFIND body cannot be read: \(error.reason).", code: "invalid_xml")
        }
        guard let node = try await tree.resolve(path).node else { throw DAVError.notFound }
        let store = files.store
        let ownerId = tree.ownerId
        var quota: DAVProperties.Quota?
        if asked.needsQuota {
            quota = DAVProperties.Quota(
                used: try await store.usage(userId: ownerId).total, available: try await store.quotaRemaining(userId: ownerId))
        }
        let context = DAVProperties.Context(request: asked, locks: tree.locks, nowMs: Timestamp.milliseconds(store.now()), quota: quota)
        let dead = asked.needsDeadProperties ? try await store.deadProperties(ownerId: ownerId, nodeIds: [node.id]) : [:]
        let first = DAVProperties.response(node, path: path, dead: dead[node.id] ?? [], context: context)
        let headers: HTTPFields = [.contentType: "application/xml; charset=utf-8"]
        guard depthOne, node.isFolder else {
            let body = DAVProperties.multistatusStart + first + DAVProperties.multistatusEnd
            var fields = headers
            fields[.contentLength] = String(body.utf8.count)
            return Response(status: DAVController.multiStatus, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        }
        let files = self.files
        let parentId: String? = path.isRoot ? nil : node.id
        // The first page is read before the answer starts, so that an error is still a status.
        let folderHref = path.href(folder: true)
        let firstPage = try await files.children(ownerId: ownerId, parentId: parentId, query: ListQuery(limit: ListQuery.maxLimit))
        return Response(
            status: DAVController.multiStatus, headers: headers,
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: DAVProperties.multistatusStart + first))
                var page = firstPage
                while true {
                    let properties =
                        asked.needsDeadProperties ? try await store.deadProperties(ownerId: ownerId, nodeIds: page.items.map(\.id)) : [:]
                    var chunk = ByteBuffer()
                    chunk.reserveCapacity(page.items.count * 900)
                    for child in page.items {
                        let dead = properties[child.id] ?? []
                        if case .all(let include) = asked, include.isEmpty {
                            let href = folderHref + DAVPath.encode(child.name) + (child.isFolder ? "/" : "")
                            DAVProperties.writeAll(child, name: child.name, href: href, dead: dead, context: context, into: &chunk)
                        } else {
                            chunk.writeString(DAVProperties.response(child, path: path.appending(child.name), dead: dead, context: context))
                        }
                    }
                    try await writer.write(chunk)
                    guard let next = page.next else { break }
                    page = try await files.children(ownerId: ownerId, parentId: parentId, query: ListQuery(limit: ListQuery.maxLimit, after: next))
                }
                try await writer.write(ByteBuffer(string: DAVProperties.multistatusEnd))
                try await writer.finish(nil)
            })
    }

    /// `PROPPATCH`: sets and removes dead properties, all or none (RFC 4918 §9.2). Live properties
    /// cannot be changed: they are 403 and the rest of the request 424, and nothing changes.
    func proppatch(_ request: Request, path: DAVPath, tree: DAVTree) async throws -> Response {
        let operations: [(name: PropertyName, value: String?)]
        do {
            let root = try DAVXML.parse(try await Self.xmlBody(request))
            guard root.isDAV("propertyupdate") else { throw DAVXML.Invalid(reason: "the body is not a DAV:propertyupdate") }
            operations = try root.children.flatMap { (change: DAVElement) throws(DAVXML.Invalid) -> [(name: PropertyName, value: String?)] in
                guard change.isDAV("set") || change.isDAV("remove"), let prop = change.child("prop") else {
                    throw DAVXML.Invalid(reason: "a propertyupdate holds set and remove elements, each with a prop")
                }
                return prop.children.map { ($0.name, change.isDAV("set") ? $0.innerXML : nil) }
            }
        } catch let error as DAVXML.Invalid {
            throw APIError.badRequest("The PROPPATCH body cannot be read: \(error.reason).", code: "invalid_xml")
        }
        if operations.isEmpty { throw APIError.badRequest("The PROPPATCH changes nothing.", code: "invalid_xml") }
        if operations.count > Self.maxPropertiesPerPatch || operations.contains(where: { ($0.value?.utf8.count ?? 0) > Self.maxPropertyBytes }) {
            throw APIError(
                .contentTooLarge, code: "payload_too_large",
                message: "A PROPPATCH sets at most \(Self.maxPropertiesPerPatch) properties of \(Self.maxPropertyBytes) bytes each.")
        }
        let target = try await tree.resolve(path)
        guard let node = target.node else { throw DAVError.notFound }
        try await tree.checkIfHeader(target, host: request.head.authority)
        try tree.requireUnlocked(path)
        let names = operations.map(\.name)
        let refused = Set(names.filter(DAVProperties.isLive))
        var statuses: [PropertyName: String] = [:]
        if refused.isEmpty {
            // Later changes of the same property win, as they would applied in order.
            var final: [PropertyName: String?] = [:]
            for operation in operations { final[operation.name] = .some(operation.value) }
            let set = final.compactMap { name, value in value.map { DeadProperty(name: name, value: $0) } }
            let remove = final.filter { $0.value == nil }.map(\.key)
            try await files.store.patchDeadProperties(ownerId: tree.ownerId, nodeId: node.id, set: set, remove: remove)
            for name in names { statuses[name] = "HTTP/1.1 200 OK" }
        } else {
            for name in names { statuses[name] = refused.contains(name) ? "HTTP/1.1 403 Forbidden" : "HTTP/1.1 424 Failed Dependency" }
        }
        var body = DAVProperties.multistatusStart + "<D:response><D:href>\(DAVXML.escape(target.href()))</D:href>"
        var seen: Set<PropertyName> = []
        for status in ["HTTP/1.1 200 OK", "HTTP/1.1 403 Forbidden", "HTTP/1.1 424 Failed Dependency"] {
            let these = names.filter { statuses[$0] == status && seen.insert($0).inserted }
            guard !these.isEmpty else { continue }
            body += "<D:propstat><D:prop>" + these.map(DAVProperties.emptyElement).joined() + "</D:prop><D:status>\(status)</D:status></D:propstat>"
        }
        body += "</D:response>\n" + DAVProperties.multistatusEnd
        return Response(
            status: DAVController.multiStatus, headers: [.contentType: "application/xml; charset=utf-8", .contentLength: String(body.utf8.count)],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    static let maxPropertiesPerPatch = 1_000
    static let maxPropertyBytes = 64 << 10
}
