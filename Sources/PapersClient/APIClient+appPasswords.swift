import Foundation
import PapersCore

/// App passwords for WebDAV clients (API.md, "WebDAV").
extension APIClient {
    /// A new app password; its secret is in this answer only.
    public func createAppPassword(name: String) async throws(ClientError) -> NewAppPassword {
        try await send("POST", "/api/v1/auth/app-passwords", json: CreateAppPasswordRequest(name: name))
    }

    /// The account's app passwords, oldest first (no secrets).
    public func appPasswords() async throws(ClientError) -> [AppPassword] {
        let list: AppPasswordList = try await send("GET", "/api/v1/auth/app-passwords")
        return list.items
    }

    /// Revokes an app password.
    public func deleteAppPassword(id: String) async throws(ClientError) {
        _ = try await exchange(CurlTransfer(method: "DELETE", url: try url("/api/v1/auth/app-passwords/\(id)")))
    }

    /// Where WebDAV clients connect: the server's `/dav/`.
    public var webDAVAddress: String {
        (server.hasSuffix("/") ? String(server.dropLast()) : server) + "/dav/"
    }
}
