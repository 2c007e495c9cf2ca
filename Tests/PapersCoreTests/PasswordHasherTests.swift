import Testing

@testable import PapersCore

@Suite struct PasswordHasherTests {
    /// Made by passlib 1.7.4: `pbkdf2_sha256.hash("S3cret passw0rd", rounds=200000, salt_size=16)`.
    static let passlibVector = "$pbkdf2-sha256$200000$Q6h1Tql1LuXce8/5n3NOiQ$x0mJrsBr1FF6nThvI/wzy2zVv0BNtsCj.8agjX//JmI"

    @Test func verifiesTheTutorialsPasslibHash() {
        let hasher = PasswordHasher()
        #expect(hasher.verify("S3cret passw0rd", against: Self.passlibVector))
        #expect(!hasher.verify("S3cret passw0rd!", against: Self.passlibVector))
        #expect(!hasher.verify("s3cret passw0rd", against: Self.passlibVector))
    }

    @Test func oldHashesNeedAnUpgrade() {
        #expect(PasswordHasher().needsUpgrade(Self.passlibVector))
        #expect(!PasswordHasher(rounds: 200_000).needsUpgrade(Self.passlibVector))
    }

    @Test func newHashesUseTheCurrentRoundsAndARandomSalt() {
        let hasher = PasswordHasher()
        let a = hasher.hash("correct horse")
        let b = hasher.hash("correct horse")
        #expect(a.hasPrefix("$pbkdf2-sha256$600000$"))
        #expect(a != b)
        #expect(hasher.verify("correct horse", against: a))
        #expect(!hasher.needsUpgrade(a))
        let parts = a.split(separator: "$")
        #expect(PasswordHasher.ab64Decode(String(parts[2]))?.count == 16)
        #expect(PasswordHasher.ab64Decode(String(parts[3]))?.count == 32)
    }

    @Test(arguments: ["", "plain", "$pbkdf2-sha256$x$abc$def", "$pbkdf2-sha1$1000$abc$def", "$pbkdf2-sha256$1000$!!$def"])
    func malformedHashesNeverMatch(hash: String) {
        #expect(!PasswordHasher().verify("anything", against: hash))
    }
}
