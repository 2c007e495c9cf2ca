import Foundation
import PapersCore
import Testing

@testable import PapersServer

/// `papers admin users` on both backends, and what running servers make of it: disabled accounts
/// refused everywhere within a second, a password reset ending sessions, closed registration.
@Suite struct AccountAdministrationStoreTests {
    @Test(arguments: StoreBackend.allCases) func accountsAreListedLimitedDisabledResetAndRemoved(backend: StoreBackend) async throws {
        let database = try await backend.makeDatabase()
        let clock = TestClock()
        let store = try await database.open(now: { clock.now })
        let admin = AccountAdministration(store: store, hasher: PasswordHasher(rounds: 1_000))
        let bob = try await admin.add(email: " Bob@Example.com ", fullname: "Bob", password: "long enough", quotaBytes: 1000)
        #expect(bob.email == "bob@example.com" && bob.quotaBytes == 1000 && !bob.disabled && bob.files == 0)
        let ada = try await store.createUser(email: "ada@example.com", fullname: "Ada", passwordHash: "h", quotaBytes: nil)
        let folder = try await store.createFolder(ownerId: ada.id, parentId: nil, name: "Work", onConflict: .fail)
        _ = try await StoreConformanceTests.file(store, ada.id, "a.txt", in: folder.id, "0123456789")
        _ = try await StoreConformanceTests.file(store, ada.id, "b.txt", "shared with bob")
        _ = try await StoreConformanceTests.file(store, bob.id, "b.txt", "shared with bob")
        let listed = try await admin.list()
        #expect(listed.map(\.email) == ["ada@example.com", "bob@example.com"])
        #expect(listed[0].usedBytes == 25 && listed[0].files == 2 && listed[0].quotaBytes == nil)

        try await admin.setQuota(email: "BOB@example.com", bytes: nil)
        #expect(try await store.user(id: bob.id)?.quotaBytes == nil)
        try await admin.setDisabled(email: "ada@example.com", true)
        #expect(try await store.user(id: ada.id)?.disabledMs != nil)
        #expect(try await admin.account(email: "ada@example.com").disabled)
        try await admin.setDisabled(email: "ada@example.com", false)
        #expect(try await store.user(id: ada.id)?.disabledMs == nil)

        clock.advance(1.7)
        try await admin.resetPassword(email: "ada@example.com", password: "a new password")
        let reset = try #require(try await store.user(id: ada.id))
        #expect(reset.tokensAfterMs == Timestamp.milliseconds(clock.now) / 1000 * 1000)
        #expect(PasswordHasher(rounds: 1_000).verify("a new password", against: reset.passwordHash))

        for refused in ["nobody@example.com", "ada@example"] {
            await #expect(throws: AdminFailure.unknownEmail(refused)) { try await admin.setQuota(email: refused, bytes: 1) }
            await #expect(throws: AdminFailure.unknownEmail(refused)) { try await admin.setDisabled(email: refused, true) }
            await #expect(throws: AdminFailure.unknownEmail(refused)) { try await admin.remove(email: refused) }
            await #expect(throws: AdminFailure.unknownEmail(refused)) {
                try await admin.resetPassword(email: refused, password: "long enough")
            }
        }
        await #expect(throws: AdminFailure.emailTaken("ada@example.com")) {
            _ = try await admin.add(email: "ADA@example.com", fullname: "Ada", password: "long enough", quotaBytes: nil)
        }
        await #expect(throws: AdminFailure.invalid("A password needs at least 8 characters.")) {
            _ = try await admin.add(email: "eve@example.com", fullname: "Eve", password: "short", quotaBytes: nil)
        }
        await #expect(throws: AdminFailure.invalid("Enter a valid e-mail address.")) {
            _ = try await admin.add(email: "not an address", fullname: "Eve", password: "long enough", quotaBytes: nil)
        }

        // Removing Ada takes her tree; the content only she used is the collector's, Bob's copy stays his.
        try await admin.remove(email: "ada@example.com")
        #expect(try await store.user(id: ada.id) == nil)
        #expect(try await admin.list().map(\.email) == ["bob@example.com"])
        let onlyAdas = StoreConformanceTests.content("0123456789").sha256
        let bobs = StoreConformanceTests.content("shared with bob").sha256
        clock.advance(1)
        let claimed = try await store.claimUnreferenced(before: clock.now, abandonedBefore: clock.now.addingTimeInterval(-3600), limit: 10)
        #expect(claimed == [onlyAdas])
        #expect(try await store.child(ownerId: bob.id, parentId: nil, name: "b.txt")?.sha256 == bobs)
        await database.remove()
    }
}

@Suite struct AccountStatesTests {
    @Test func aStateIsReadAgainOnceItIsASecondOld() async throws {
        let clock = TestClock()
        let database = try await StoreBackend.sqlite.makeDatabase()
        let store = try await database.open(now: { clock.now })
        let ada = try await store.createUser(email: "ada@example.com", fullname: "Ada", passwordHash: "h", quotaBytes: nil)
        let states = AccountStates(store: store, now: { clock.now })
        #expect(try await states.state(of: ada.id) == .active(tokensAfterMs: nil))
        #expect(try await states.state(of: "no-such-id") == .gone)
        try await store.setDisabled(email: ada.email.lowercased(), disabled: true)
        clock.advance(0.5)
        #expect(try await states.state(of: ada.id) == .active(tokensAfterMs: nil), "read again before its second was up")
        clock.advance(0.6)
        #expect(try await states.state(of: ada.id) == .disabled)
        await database.remove()
    }
}

@Suite struct AdministrationRouteTests {
    @Test func aDisabledAccountIsRefusedEverywhereWithinASecondAndLetInAgainWhenEnabled() async throws {
        let clock = TestClock()
        try await Harness.run(clock: clock) { app in
            let ada = try await app.user()
            let file = try await ada.upload("a.txt", "hello")
            let link = try await ada.call(.post, "/shares/", json: ["node_id": file["id"]!]).object()["url_path"] as! String
            #expect(try await ada.call(.get, "/files/").status == .ok)
            try await app.dependencies.store.setDisabled(email: ada.email.lowercased(), disabled: true)
            clock.advance(1.1)
            let refused = try await ada.call(.get, "/files/")
            #expect(refused.status == .forbidden && refused.text.contains("account_disabled"))
            let me = try await app.call(.get, "/api/v1/auth/me", token: ada.token)
            #expect(me.status == .forbidden && me.text.contains("account_disabled"))
            #expect(try await app.call(.get, link).status == .notFound)
            // The right password learns the account is disabled; a wrong one learns nothing more.
            let login = try await app.call(.post, "/api/v1/auth/login", json: ["email": ada.email, "password": ada.password])
            #expect(login.status == .forbidden && login.text.contains("account_disabled"))
            let wrong = try await app.call(.post, "/api/v1/auth/login", json: ["email": ada.email, "password": "not the password"])
            #expect(wrong.status == .unauthorized && wrong.text.contains("invalid_credentials"))
            let basic = "Basic " + Data("\(ada.email):\(ada.password)".utf8).base64EncodedString()
            let dav = try await app.call(.init(rawValue: "PROPFIND")!, "/dav/", headers: [.authorization: basic, .init("Depth")!: "1"])
            #expect(dav.status == .forbidden && dav.text.contains("account_disabled"))

            try await app.dependencies.store.setDisabled(email: ada.email.lowercased(), disabled: false)
            clock.advance(1.1)
            #expect(try await ada.call(.get, "/files/").status == .ok)
            #expect(try await app.call(.get, link).status == .ok)
            #expect(try await app.call(.post, "/api/v1/auth/login", json: ["email": ada.email, "password": ada.password]).status == .ok)
        }
    }

    @Test func aPasswordResetEndsEverySessionButLetsTheNewPasswordIn() async throws {
        let clock = TestClock()
        try await Harness.run(clock: clock) { app in
            let ada = try await app.user()
            let admin = AccountAdministration(store: app.dependencies.store, hasher: PasswordHasher(rounds: 1_000))
            clock.advance(2)
            try await admin.resetPassword(email: ada.email, password: "a brand new one")
            clock.advance(1.1)
            let old = try await ada.call(.get, "/files/")
            #expect(old.status == .unauthorized && old.text.contains("token_revoked"))
            #expect(try await app.call(.post, "/api/v1/auth/login", json: ["email": ada.email, "password": ada.password]).status == .unauthorized)
            let login = try await app.call(.post, "/api/v1/auth/login", json: ["email": ada.email, "password": "a brand new one"])
            #expect(login.status == .ok)
            let token = try login.object()["token"] as! String
            #expect(try await app.call(.get, "/api/v1/auth/me", token: token).status == .ok)
            // Removed: its tokens are 401 account_not_found.
            try await admin.remove(email: ada.email)
            clock.advance(1.1)
            let gone = try await app.call(.get, "/api/v1/auth/me", token: token)
            #expect(gone.status == .unauthorized && gone.text.contains("account_not_found"))
        }
    }

    @Test func closedRegistrationRefusesEveryRegisterButNotLogins() async throws {
        try await Harness.run(configure: { $0.registration = .closed }) { app in
            let password = "correct horse battery"
            for body: Any in [["fullname": "Eve", "email": "eve@example.com", "password": password, "password_conf": password], [String: String]()] {
                let refused = try await app.call(.post, "/api/v1/auth/register", json: body)
                #expect(refused.status == .forbidden && refused.text.contains("registration_closed"))
            }
            let admin = AccountAdministration(store: app.dependencies.store, hasher: PasswordHasher(rounds: 1_000))
            _ = try await admin.add(email: "eve@example.com", fullname: "Eve", password: password, quotaBytes: nil)
            #expect(try await app.call(.post, "/api/v1/auth/login", json: ["email": "eve@example.com", "password": password]).status == .ok)
        }
    }

    @Test func registrationIsOpenByDefaultOnlyOnLoopback() {
        var configuration = ServerConfiguration(dataDirectory: "/tmp/x")
        for (host, open) in [("127.0.0.1", true), ("localhost", true), ("::1", true), ("[::1]", true), ("127.3.4.5", true),
                             ("0.0.0.0", false), ("::", false), ("192.168.1.2", false), ("127.0.0.1.example.com", false), ("papers.example.com", false)] {
            configuration.host = host
            #expect(configuration.registrationIsOpen == open, "\(host)")
        }
        configuration.registration = .open
        #expect(configuration.registrationIsOpen)
        configuration.host = "127.0.0.1"
        configuration.registration = .closed
        #expect(!configuration.registrationIsOpen)
    }
}
