import Foundation
import HTTPTypes
import Hummingbird

/// A `/dav/` path as found in the user's tree.
struct DAVTarget: Sendable {
    enum Parent: Sendable {
        /// The path is the root itself.
        case none
        /// The folder the target is (or would be) in; `id` `nil` for the root, as the API names it.
        case folder(id: String?)
        /// A folder on the way is missing or is a file: nothing can be made here (409).
        case missing
    }

    let path: DAVPath
    let parent: Parent
    /// `nil` when nothing has this path.
    let node: NodeRecord?

    /// The parent's id as the API names folders (`nil` for the root).
    /// - Throws: `DAVError.conflict` when the parent folder does not exist.
    func parentId() throws(DAVError) -> String? {
        switch parent {
        case .folder(let id): return id
        case .none: throw .forbidden
        case .missing: throw .conflict
        }
    }

    func href(_ node: NodeRecord? = nil) -> String { path.href(folder: (node ?? self.node)?.isFolder ?? false) }
}

/// One `/dav/` request's view of the tree: finding paths, the user's WebDAV locks (stale ones left
/// out), and the checks locks and `If:` headers impose on a change. Every change itself goes
/// through `FileService`, as the API's do.
struct DAVTree: Sendable {
    let files: FileService
    let ownerId: String
    /// The user's unexpired locks whose path still names the node it was taken on.
    private(set) var locks: [LockRecord] = []
    /// The lock tokens the request submitted (`If:` and, for `UNLOCK`, `Lock-Token:`).
    var submitted: Set<String> = []
    private var ifHeader: DAVIfHeader?

    /// Reads the request's `If:` header and the user's locks (unless the credentials' read said
    /// there are none: `holdsLocks` false).
    /// - Throws: `APIError` 400 for a malformed `If:` header.
    init(files: FileService, ownerId: String, request: Request, holdsLocks: Bool?) async throws {
        self.files = files
        self.ownerId = ownerId
        if let header = request.headers[Self.ifField] {
            do {
                ifHeader = try DAVIfHeader(header)
            } catch {
                throw APIError.badRequest("The If header does not follow RFC 4918's grammar.", code: "invalid_if_header")
            }
            submitted = ifHeader?.tokens ?? []
        }
        if holdsLocks != false { locks = try await liveLocks() }
    }

    static let ifField = HTTPField.Name("If")!

    /// Finds `path`, one folder at a time from the root.
    func resolve(_ path: DAVPath) async throws -> DAVTarget {
        if path.isRoot { return DAVTarget(path: path, parent: .none, node: try await files.store.rootFolder(ownerId: ownerId)) }
        var parentId: String? = nil
        for (index, name) in path.names.enumerated() {
            guard let child = try await files.store.childWithoutPath(ownerId: ownerId, parentId: parentId, name: name) else {
                let last = index == path.names.count - 1
                return DAVTarget(path: path, parent: last ? .folder(id: parentId) : .missing, node: nil)
            }
            if index == path.names.count - 1 { return DAVTarget(path: path, parent: .folder(id: parentId), node: child) }
            guard child.isFolder else { return DAVTarget(path: path, parent: .missing, node: nil) }
            parentId = child.id
        }
        preconditionFailure("a path with names returns in the loop")
    }

    /// The user's locks whose path still names the node it was taken on. A lock whose node was
    /// moved or deleted (through the API, say) no longer holds anything, and is removed.
    private func liveLocks() async throws -> [LockRecord] {
        let all = try await files.store.locks(ownerId: ownerId)
        guard !all.isEmpty else { return [] }
        var live: [LockRecord] = []
        var stale: [String] = []
        var found: [String: String?] = [:]
        for lock in all {
            if lock.path.isEmpty {
                live.append(lock)
                continue
            }
            if found[lock.path] == nil {
                found[lock.path] = try await resolve(DAVPath(names: lock.path.split(separator: "/").map(String.init))).node?.id
            }
            if found[lock.path] == lock.nodeId { live.append(lock) } else { stale.append(lock.token) }
        }
        if !stale.isEmpty { try await files.store.deleteLocks(ownerId: ownerId, tokens: stale) }
        return live
    }

    /// The locks that cover `path` (on it, or deep on a folder above it).
    func locks(covering path: DAVPath) -> [LockRecord] {
        locks.filter { $0.covers(path.key) }
    }

    /// Refuses a change of `path` (and, with `subtree`, of everything below it) unless the request
    /// submitted the token of every lock on it.
    /// - Throws: `DAVError.locked` naming the lock's root.
    func requireUnlocked(_ path: DAVPath, subtree: Bool = false) throws(DAVError) {
        for lock in locks where lock.covers(path.key) || (subtree && LockRecord.isBelow(lock.path, path.key)) {
            if !submitted.contains(lock.token) {
                throw .locked(DAVPath(names: lock.path.split(separator: "/").map(String.init)).href(folder: false))
            }
        }
    }

    /// Refuses a change that adds or removes `path` in its folder: the folder's locks (a depth-0
    /// lock on a folder guards its members' names) and, for an existing `path`, its own and its subtree's.
    func requireUnlocked(membershipOf path: DAVPath, exists: Bool) throws(DAVError) {
        if !path.isRoot { try requireUnlocked(path.parent) }
        if exists { try requireUnlocked(path, subtree: true) }
    }

    /// Evaluates the `If:` header (RFC 4918 §10.4): true when any of its lists holds.
    /// - Throws: `DAVError.preconditionFailed` when none does.
    func checkIfHeader(_ target: DAVTarget, host: String?) async throws {
        guard let ifHeader else { return }
        for list in ifHeader.lists {
            var path = target.path
            var node = target.node
            if let resource = list.resource {
                guard let tagged = try? DAVPath(destination: resource, host: host) else { continue }
                if tagged != target.path {
                    path = tagged
                    node = try await resolve(tagged).node
                }
            }
            let tokens = Set(locks(covering: path).map(\.token))
            let holds = list.conditions.allSatisfy { condition in
                let isTrue: Bool
                switch condition.kind {
                case .token(let token): isTrue = tokens.contains(token)
                case .etag(let tag): isTrue = node.map { Self.sameTag($0.etag, tag) } ?? false
                }
                return isTrue != condition.negated
            }
            if holds { return }
        }
        throw DAVError.preconditionFailed
    }

    private static func sameTag(_ ours: String, _ theirs: String) -> Bool {
        let tag = theirs.trimmingCharacters(in: .whitespaces)
        return tag == ours || tag == "W/" + ours
    }
}
