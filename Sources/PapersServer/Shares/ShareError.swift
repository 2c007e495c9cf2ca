/// Why a request under `/s/` gets no content. Mapped to HTTP once, in `APIError+mapping.swift`;
/// every "not there" is the same 404, so an answer never tells a wrong token from a path outside
/// the shared folder or a node in the trash.
enum ShareError: Error, Sendable, Equatable {
    /// No such link, its node is in the trash, or the path names nothing inside the shared node.
    case notFound
    /// The link's `expires_at` has passed (410).
    case expired
    /// The link has a password and the request brought none, or a wrong one (401 with a Basic challenge).
    case passwordRequired(wrong: Bool)
    /// Too many wrong passwords for this link or from this address (429).
    case throttled(retryAfter: Int)
}
