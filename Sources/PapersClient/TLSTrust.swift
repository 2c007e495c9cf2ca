import Foundation
import Synchronization

/// Which certificate authorities the client trusts for `https://` servers: the system's, plus a
/// PEM file for a self-signed set-up (`--ca-file`, `PAPERS_CA_FILE`, or the one the session was
/// made with). Process-wide: every transfer of one `papers` process talks to one server.
public enum TLSTrust {
    private static let file = Mutex<String?>(nil)

    /// Trust the certificates in this PEM file (`nil`: the system's only).
    public static func use(caFile: String?) {
        file.withLock { $0 = caFile.flatMap { $0.isEmpty ? nil : ($0 as NSString).expandingTildeInPath } }
    }

    /// The PEM file in use, if any.
    public static var caFile: String? { file.withLock { $0 } }
}
