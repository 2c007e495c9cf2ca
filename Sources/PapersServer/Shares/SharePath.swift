/// A request under `/s/`: the token and the names below the shared node, percent-decoded segment by
/// segment from the raw target. Anything that cannot be names (bad escapes, invalid UTF-8 such as
/// overlong `%c0%ae`, empty segments inside the path) is `nil`: the caller answers 404.
struct SharePath: Sendable, Equatable {
    var token: Substring
    var names: [String]
    /// The target ended with `/` (a folder's address).
    var trailingSlash: Bool

    init?(requestPath raw: String) {
        var path = Substring(raw)
        if let query = path.firstIndex(of: "?") { path = path[..<query] }
        guard path.hasPrefix(ShareController.prefix + "/") else { return nil }
        var segments = path.dropFirst(ShareController.prefix.count + 1).split(separator: "/", omittingEmptySubsequences: false)
        guard let token = segments.first, !token.isEmpty else { return nil }
        segments.removeFirst()
        trailingSlash = segments.last == ""
        if trailingSlash { segments.removeLast() }
        var names: [String] = []
        for segment in segments {
            guard !segment.isEmpty, let name = String(segment).removingPercentEncoding else { return nil }
            names.append(name)
        }
        self.token = token
        self.names = names
    }

    /// The URL path of the node at `names` under this link: each name percent-encoded, a folder's with `/`.
    func href(_ names: [String], folder: Bool) -> String {
        var out = ShareController.prefix + "/" + token
        for name in names { out += "/" + DAVPath.encode(name) }
        if folder { out += "/" }
        return out
    }
}
