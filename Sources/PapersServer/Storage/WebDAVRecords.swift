import Foundation

/// An app password as the store keeps it: a name and the SHA-256 of the secret, never the secret.
struct AppPasswordRecord: Sendable, Equatable {
    var id: String
    var userId: String
    var name: String
    var createdMs: Int64
}

/// What `MetadataStore.basicCredentials` finds for an e-mail.
struct BasicCredentials: Sendable, Equatable {
    var user: UserRecord
    /// The app password the secret is, if it is one of the account's.
    var appPasswordId: String?
    /// Whether the account holds unexpired locks (without, a request need not read them).
    var holdsLocks: Bool
}

/// The name of a WebDAV property: its XML namespace (`""` for none) and local name.
struct PropertyName: Sendable, Hashable {
    var namespace: String
    var name: String
}

/// A dead property (RFC 4918 §4): one a client set with `PROPPATCH`, kept as the XML it sent.
struct DeadProperty: Sendable, Equatable {
    var name: PropertyName
    /// The element's content as self-contained XML (every element declares its own namespace).
    var value: String
}

/// A WebDAV write lock (RFC 4918 §6). Locks are on paths, as the RFC has them on URLs; `nodeId` is
/// the node the path named when the lock was taken, so a lock whose path now names another node (the
/// first was moved or deleted through the API) is known to be stale and ignored.
struct LockRecord: Sendable, Equatable {
    /// `urn:uuid:…`, the lock token clients send back in `If:` and `Lock-Token:`.
    var token: String
    var ownerId: String
    /// The locked path, NFC, from the user's root: `""` for the root, `/a/b` below it.
    var path: String
    var nodeId: String
    /// `Depth: infinity` (the subtree) rather than 0.
    var deep: Bool
    var shared: Bool
    /// The `DAV:owner` element the client sent, as XML, shown back in lock discovery.
    var ownerXML: String?
    var timeoutSeconds: Int64
    var expiresMs: Int64

    /// Past this many unexpired locks a user's next `LOCK` is refused (507): locks are state kept for clients.
    static let limitPerUser = 1_000

    /// Whether this lock covers `path`: it is the locked path, or below it with a deep lock.
    func covers(_ path: String) -> Bool {
        self.path == path || (deep && Self.isBelow(path, self.path))
    }

    /// Whether two locks cannot both be held: their paths overlap (one covers the other) and one is exclusive.
    func conflicts(with other: LockRecord) -> Bool {
        guard !(shared && other.shared) else { return false }
        return covers(other.path) || other.covers(path)
    }

    /// Whether `path` is strictly below `ancestor` (`""` is the root, an ancestor of every other path).
    static func isBelow(_ path: String, _ ancestor: String) -> Bool {
        path.count > ancestor.count && path.hasPrefix(ancestor) && path.dropFirst(ancestor.count).first == "/"
    }
}
