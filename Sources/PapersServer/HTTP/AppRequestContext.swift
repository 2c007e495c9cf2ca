import Foundation
import Hummingbird
import NIOCore

/// Who a request is from, once its token checked out.
struct Identity: Sendable {
    var userId: String
    var tokenId: String
    var expiresAt: Date
}

/// The request context of every Papers route: Hummingbird's core storage, the peer address,
/// the request id and, behind the auth middleware, the caller's identity.
struct AppRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The client's IP address (for login throttling); `nil` in router tests.
    let peerAddress: String?
    /// Set by `RequestLogMiddleware`.
    var requestId: String = ""
    /// Set by `AuthMiddleware`.
    var identity: Identity?
    /// Whether the caller holds WebDAV locks, when the credentials' read told (`DAVAuthMiddleware`);
    /// `nil`: unknown, read them.
    var holdsLocks: Bool?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peerAddress = source.channel.remoteAddress?.ipAddress
    }

    /// JSON and form bodies up to 1 MiB; uploads stream and never go through this limit.
    var maxUploadSize: Int { 1 << 20 }

    var requestDecoder: PayloadDecoder { PayloadDecoder() }

    var responseEncoder: JSONEncoder { Self.encoder }

    /// One encoder for every response (making one per response showed up in profiles).
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }()

    /// The caller; only valid behind `AuthMiddleware`.
    var caller: Identity {
        get throws(APIError) {
            guard let identity else { throw APIError.unauthorized("You need to log in.") }
            return identity
        }
    }
}
