import Foundation
import PapersClient
import PapersCore

/// The app passwords screen's effects.
extension EffectRunner {
    func runAppPasswordEffect(_ effect: Effect) async {
        guard let client else { return }
        do {
            switch effect {
            case .loadAppPasswords:
                deliver(.appPasswordsLoaded(try await client.appPasswords()))
            case .createAppPassword(let name):
                deliver(.appPasswordCreated(try await client.createAppPassword(name: name), webDAV: client.webDAVAddress))
            case .revokeAppPassword(let id):
                try await client.deleteAppPassword(id: id)
                deliver(.appPasswordRevoked(message: "Revoked the app password."))
            default:
                break
            }
        } catch {
            deliver(.failed(error))
        }
    }
}
