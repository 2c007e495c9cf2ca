import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PapersCore

extension DAVController {
    /// The longest a lock is granted; clients refresh (Finder every few minutes, Windows hourly).
    static let maxLockSeconds: Int64 = 24 * 3600
    static let defaultLockSeconds: Int64 = 3600

    /// `LOCK`: a new write lock (exclusive or shared, depth 0 or infinity), or, without a body, a
    /// refresh of a lock the `If:` header names. Locks live in the database, so every process sees
    /// them; two clients locking at once are answered one after the other by the store.
    func lock(_ request: Request, path: DAVPath, tree: inout DAVTree) async throws -> Response {
        let timeout = Self.lockSeconds(request.headers[Self.timeout])
        let body = try await Self.xmlBody(request)
        let store = files.store
        let target = try await tree.resolve(path)
        let host = request.head.authority
        if body.isEmpty {
            try await tree.checkIfHeader(target, host: host)
            let submitted = tree.submitted
            guard let held = tree.locks(covering: path).first(where: { submitted.contains($0.token) }),
                let refreshed = try await store.refreshLock(ownerId: tree.ownerId, token: held.token, timeoutSeconds: timeout)
            else { throw DAVError(status: .preconditionFailed, condition: "lock-token-matches-request-uri") }
            return Self.lockAnswer(refreshed, status: .ok, now: store.now(), newToken: false)
        }
        let shared: Bool
        let ownerXML: String?
        do {
            let info = try DAVXML.parse(body)
            guard info.isDAV("lockinfo"), let scope = info.child("lockscope")?.children.first,
                scope.isDAV("exclusive") || scope.isDAV("shared"), info.child("locktype")?.child("write") != nil
            else { throw DAVXML.Invalid(reason: "a lockinfo needs a lockscope (exclusive or shared) and locktype write") }
            shared = scope.isDAV("shared")
            ownerXML = info.child("owner")?.innerXML
        } catch let error as DAVXML.Invalid {
            throw APIError.badRequest("The LOCK body cannot be read: \(error.reason).", code: "invalid_xml")
        }
        let deep: Bool
        switch request.headers[Self.depth]?.trimmingCharacters(in: .whitespaces).lowercased() {
        case nil, "infinity": deep = true
        case "0": deep = false
        default: throw APIError.badRequest("LOCK takes Depth: 0 or infinity.")
        }
        try await tree.checkIfHeader(target, host: host)
        var status = HTTPResponse.Status.ok
        let node: NodeRecord
        if let existing = target.node {
            node = existing
        } else {
            // A lock on a name nothing has yet makes an empty file there (RFC 4918 §7.3).
            let parentId = try target.parentId()
            try tree.requireUnlocked(path.parent)
            let name = try NodeName.validated(path.name)
            let staged = try files.stage(limit: try await files.uploadLimit(ownerId: tree.ownerId), expectedLength: 0)
            let empty = try await staged.finish(expectedSHA256: nil)
            node = try await files.createFile(
                ownerId: tree.ownerId, parentId: parentId, name: name, mimeType: MimeType.forName(name) ?? MimeType.fallback, content: empty,
                onConflict: .fail
            ).node
            status = .created
        }
        let now = store.now()
        let lock = LockRecord(
            token: "urn:uuid:" + RandomID.uuid(), ownerId: tree.ownerId, path: path.key, nodeId: node.id, deep: deep && node.isFolder,
            shared: shared, ownerXML: ownerXML, timeoutSeconds: timeout, expiresMs: Timestamp.milliseconds(now) + timeout * 1000)
        do {
            try await store.createLock(lock) { held in held.contains { lock.conflicts(with: $0) } }
        } catch {
            // The empty file this LOCK made goes again: the request changes nothing when it fails.
            if status == .created {
                try? await files.deleteNode(ownerId: tree.ownerId, id: node.id, kind: .file, ifMatch: nil, permanent: true)
            }
            switch error {
            case StoreError.locked: throw DAVError(status: APIError.lockedStatus, condition: "no-conflicting-lock")
            case StoreError.quotaExceeded:
                throw APIError(
                    APIError.insufficientStorageStatus, code: "too_many_locks",
                    message: "You hold \(LockRecord.limitPerUser) WebDAV locks; unlock some first.", isFault: false)
            default: throw error
            }
        }
        return Self.lockAnswer(lock, status: status, now: now, newToken: true)
    }

    /// `UNLOCK` with the token in `Lock-Token:`, on the lock's path or a path it covers.
    func unlock(_ request: Request, path: DAVPath, tree: DAVTree) async throws -> Response {
        guard var token = request.headers[Self.lockToken]?.trimmingCharacters(in: .whitespaces) else {
            throw APIError.badRequest("UNLOCK needs a Lock-Token header.")
        }
        if token.hasPrefix("<"), token.hasSuffix(">") { token = String(token.dropFirst().dropLast()) }
        guard tree.locks(covering: path).contains(where: { $0.token == token }),
            try await files.store.deleteLocks(ownerId: tree.ownerId, tokens: [token]) > 0
        else { throw DAVError(status: .conflict, condition: "lock-token-matches-request-uri") }
        return Response(status: .noContent)
    }

    /// `Timeout: Second-600` (or `Infinite`, or a list of them): the first one read, capped.
    static func lockSeconds(_ header: String?) -> Int64 {
        guard let header else { return defaultLockSeconds }
        for option in header.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
            if option == "infinite" { return maxLockSeconds }
            if option.hasPrefix("second-"), let seconds = Int64(option.dropFirst(7)), seconds > 0 { return min(seconds, maxLockSeconds) }
        }
        return defaultLockSeconds
    }

    private static func lockAnswer(_ lock: LockRecord, status: HTTPResponse.Status, now: Date, newToken: Bool) -> Response {
        let body = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:prop xmlns:D=\"DAV:\"><D:lockdiscovery>"
            + DAVProperties.activeLock(lock, nowMs: Timestamp.milliseconds(now)) + "</D:lockdiscovery></D:prop>\n"
        var headers: HTTPFields = [.contentType: "application/xml; charset=utf-8", .contentLength: String(body.utf8.count)]
        if newToken { headers[lockToken] = "<\(lock.token)>" }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
