import Foundation
import Logging
import PapersCore

/// `papers admin users`: accounts created, listed, limited, disabled, reset and removed by the
/// server's operator, on the server's own database, while servers run or not (SQLite in WAL mode and
/// PostgreSQL both take a second writer). Running servers see a change within a second
/// (`AccountStates`).
public struct AccountAdministration: Sendable {
    let store: any MetadataStore
    let hasher: PasswordHasher

    /// Opens the database `configuration` names, without creating one: a SQLite file that is not
    /// there is `AdminFailure.noDatabase`.
    /// - Throws: `AdminFailure.noDatabase`, `.unavailable`.
    public static func open(_ configuration: ServerConfiguration, logger: Logger) async throws(AdminFailure) -> AccountAdministration {
        AccountAdministration(store: try await openStore(configuration, logger: logger), hasher: PasswordHasher(rounds: configuration.passwordRounds))
    }

    init(store: any MetadataStore, hasher: PasswordHasher) {
        self.store = store
        self.hasher = hasher
    }

    /// The database `configuration` names, for the admin commands: never created.
    /// - Throws: `AdminFailure.noDatabase`, `.unavailable`.
    static func openStore(_ configuration: ServerConfiguration, logger: Logger) async throws(AdminFailure) -> any MetadataStore {
        if !configuration.usesPostgres, !FileManager.default.fileExists(atPath: configuration.sqlitePath) {
            throw .noDatabase(configuration.sqlitePath)
        }
        do {
            return try await AppDependencies.openMetadataStore(configuration, logger: logger, operationTimeout: .seconds(60))
        } catch {
            throw .unavailable(AppDependencies.describeOpenFailure(error, configuration))
        }
    }

    /// Every account with what it stores, by e-mail.
    /// - Throws: `AdminFailure.unavailable`.
    public func list() async throws(AdminFailure) -> [AccountSummary] {
        try await mapped { try await store.accounts() }
    }

    /// Creates an account (with its root folder), as registering does but whatever `--registration` says.
    /// - Throws: `AdminFailure.invalid` for what the account rules refuse, `.emailTaken`, `.unavailable`.
    public func add(email: String, fullname: String, password: String, quotaBytes: Int64?) async throws(AdminFailure) -> AccountSummary {
        let (email, fullname) = try Self.checked(email: email, fullname: fullname, password: password)
        let hash = hasher.hash(password)
        do {
            _ = try await store.createUser(email: email, fullname: fullname, passwordHash: hash, quotaBytes: quotaBytes)
        } catch StoreError.emailTaken {
            throw .emailTaken(email)
        } catch {
            throw .unavailable("\(error)")
        }
        return try await account(email: email)
    }

    /// The account with this e-mail. Throws `AdminFailure.unknownEmail`, `.unavailable`.
    public func account(email: String) async throws(AdminFailure) -> AccountSummary {
        let email = Self.canonical(email)
        guard let found = try await list().first(where: { $0.email == email }) else { throw .unknownEmail(email) }
        return found
    }

    /// Sets the quota (`nil`: unlimited). Throws `AdminFailure.unknownEmail`, `.unavailable`.
    public func setQuota(email: String, bytes: Int64?) async throws(AdminFailure) {
        let email = Self.canonical(email)
        try await mapped(email) { try await store.setQuota(email: email, quotaBytes: bytes) }
    }

    /// Disables or enables the account. Throws `AdminFailure.unknownEmail`, `.unavailable`.
    public func setDisabled(email: String, _ disabled: Bool) async throws(AdminFailure) {
        let email = Self.canonical(email)
        try await mapped(email) { try await store.setDisabled(email: email, disabled: disabled) }
    }

    /// Gives the account a new password and ends its sessions.
    /// Throws `AdminFailure.invalid` (the password rules), `.unknownEmail`, `.unavailable`.
    public func resetPassword(email: String, password: String) async throws(AdminFailure) {
        let email = Self.canonical(email)
        do {
            try AccountRules.password(password)
        } catch {
            throw .invalid(error.message)
        }
        let hash = hasher.hash(password)
        try await mapped(email) { try await store.resetPassword(email: email, passwordHash: hash) }
    }

    /// Deletes the account and everything it stores. Throws `AdminFailure.unknownEmail`, `.unavailable`.
    public func remove(email: String) async throws(AdminFailure) {
        let email = Self.canonical(email)
        try await mapped(email) { try await store.deleteUser(email: email) }
    }

    /// How e-mails are stored: trimmed and lower-cased (as login reads them).
    public static func canonical(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// The e-mail and name as stored. Throws `AdminFailure.invalid` with the rule's message.
    static func checked(email: String, fullname: String, password: String) throws(AdminFailure) -> (String, String) {
        do {
            let email = try AccountRules.email(email)
            let fullname = try AccountRules.fullname(fullname)
            try AccountRules.password(password)
            return (email, fullname)
        } catch {
            throw .invalid(error.message)
        }
    }

    /// Runs a store call, its errors as `AdminFailure`s (`.accountNotFound` as `unknownEmail(email)`).
    private func mapped<T>(_ email: String = "", _ body: () async throws -> T) async throws(AdminFailure) -> T {
        do {
            return try await body()
        } catch StoreError.accountNotFound {
            throw .unknownEmail(email)
        } catch let error as AdminFailure {
            throw error
        } catch {
            throw .unavailable("the database refused: \(error)")
        }
    }
}
