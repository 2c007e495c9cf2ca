import Foundation
import PapersCore

/// One resumable upload (tus): what it will become once its bytes are all there, and until when it
/// waits for them. Kept as `<id>.json` beside its bytes (`<id>.bin`) in `ResumableUploadStore`.
///
/// Neutral to the protocol that fills it: tus now, the IETF "Resumable Uploads for HTTP" draft could
/// drive the same session (creation with a length, appends at an offset, an offset to ask for).
struct ResumableUpload: Codable, Sendable, Equatable {
    var id: String
    var ownerId: String
    /// The folder the file goes in (`nil`: the root).
    var parentId: String?
    var name: String
    var mimeType: String
    var onConflict: OnConflict
    /// The whole upload's length, said at creation.
    var length: Int64
    /// The content's SHA-256 as the client said it (`sha256` metadata): checked at completion.
    var sha256: String?
    /// `Upload-Metadata` as the client sent it, answered back on `HEAD`.
    var metadata: String?
    var createdMs: Int64
    var expiresMs: Int64
    /// The file it became, once committed.
    var nodeId: String?

    var isComplete: Bool { nodeId != nil }
}
