import Foundation
import PapersClient
import PapersCore

/// The share links' effects.
extension EffectRunner {
    func runShareEffect(_ effect: Effect) async {
        guard let client else { return }
        do {
            switch effect {
            case .loadShares:
                deliver(.sharesLoaded(try await client.shares(), now: Timestamp.format(Date())))
            case .createShare(let node, let lifetime, let password):
                let expiresAt = lifetime.map { Date().addingTimeInterval($0.seconds) }
                let made = try await client.createShare(nodeId: node.id, expiresAt: expiresAt, password: password)
                deliver(.shareCreated(CreatedShare(name: node.name, url: client.shareURL(made.urlPath), share: made)))
            case .revokeShare(let id):
                try await client.deleteShare(id: id)
                deliver(.shareRevoked(message: "Revoked the link."))
            default:
                break
            }
        } catch {
            deliver(.failed(error))
        }
    }
}
