import Foundation
import PapersClient

/// Where the user was: the folder (as its trail from the root) and the item under the cursor.
public struct Place: Codable, Sendable, Equatable {
    public var trail: [FolderRef]
    public var selected: String?

    public init(trail: [FolderRef], selected: String?) {
        self.trail = trail
        self.selected = selected
    }
}

/// The last place per server and account, in `places.json` beside the session file (mode 0600),
/// so that the next start opens where the user left off. A bundled server's place is kept by its
/// data directory (its URL changes each start). A place whose folder has gone is climbed out of
/// by the listing's 404 handling.
public struct PlaceStore: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The store beside a session file.
    public init(besides sessions: SessionStore) {
        path = (sessions.path as NSString).deletingLastPathComponent + "/places.json"
    }

    public func load(for session: Session) -> Place? {
        all()[Self.key(session)]
    }

    /// Records the place; a file that cannot be written loses only the convenience, so failures are ignored.
    public func save(_ place: Place, for session: Session) {
        var places = all()
        places[Self.key(session)] = place
        guard let data = try? JSONEncoder().encode(places) else { return }
        PrivateFile.write(data, to: path)
    }

    private func all() -> [String: Place] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        return (try? JSONDecoder().decode([String: Place].self, from: data)) ?? [:]
    }

    static func key(_ session: Session) -> String {
        (session.bundledData.map { "bundled:" + $0 } ?? session.server) + " " + session.email
    }
}
