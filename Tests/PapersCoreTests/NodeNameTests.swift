import Testing

@testable import PapersCore

@Suite struct NodeNameTests {
    @Test(arguments: [
        ("report.pdf", "report.pdf"),
        ("日本語のメモ.txt", "日本語のメモ.txt"),
        ("🎉 party.png", "🎉 party.png"),
        ("e\u{0301}te\u{0301}.txt", "\u{00E9}t\u{00E9}.txt"),  // NFD in, NFC out
        ("a", "a"),
        (".profile", ".profile"),
        ("-starts-with-dash", "-starts-with-dash"),
        ("name with  spaces inside", "name with  spaces inside"),
        (String(repeating: "a", count: 255), String(repeating: "a", count: 255)),
        (String(repeating: "日", count: 85), String(repeating: "日", count: 85)),  // 255 bytes
    ])
    func acceptsGoodNames(raw: String, normalised: String) throws {
        #expect(try NodeName.validated(raw) == normalised)
    }

    @Test(arguments: [
        "", ".", "..", "a/b", "/", "nul\u{0}byte", "tab\there", "line\nbreak", "bell\u{7}", "del\u{7F}",
        " leading", "trailing ", "\u{3000}ideographic-space", String(repeating: "a", count: 256),
        String(repeating: "日", count: 86),  // 258 bytes
        String(repeating: "🎉", count: 64),  // 256 bytes
    ])
    func refusesBadNames(raw: String) {
        #expect(throws: ValidationError.self) { try NodeName.validated(raw) }
    }

    @Test func errorNamesTheField() {
        do {
            _ = try NodeName.validated("a/b", field: "parent")
            Issue.record("expected an error")
        } catch {
            #expect(error.field == "parent")
            #expect(error.message.contains("/"))
        }
    }

    @Test(arguments: [
        ("report.pdf", 1, "report (1).pdf"),
        ("report.tar.gz", 2, "report.tar (2).gz"),
        (".profile", 1, ".profile (1)"),
        ("notes", 3, "notes (3)"),
    ])
    func numbersClashingNames(name: String, n: Int, expected: String) {
        #expect(NodeName.numbered(name, n) == expected)
    }

    @Test func numberedNamesStayWithinTheLimit() throws {
        let long = String(repeating: "日", count: 83) + ".txt"  // 253 bytes
        let numbered = try #require(NodeName.numbered(long, 12))
        #expect(numbered.utf8.count <= NodeName.maxBytes)
        #expect(numbered.hasSuffix(" (12).txt"))
        #expect(try NodeName.validated(numbered) == numbered)
    }

    /// A 255-byte name whose extension leaves no stem to shorten used to become " (1).bbb…": 258
    /// bytes with a leading space.
    @Test func noNumberedNameWhenTheStemWouldVanish() {
        let name = "a." + String(repeating: "b", count: 253)
        #expect(name.utf8.count == 255)
        #expect(NodeName.numbered(name, 1) == nil)
    }

    @Test func aShortenedStemKeepsWholeCharacters() throws {
        let name = "é" + String(repeating: "日", count: 82) + ".txt"  // 2 + 246 + 4 = 252 bytes
        let numbered = try #require(NodeName.numbered(name, 7))
        #expect(numbered.utf8.count <= NodeName.maxBytes)
        #expect(numbered.hasPrefix("é日"))
        #expect(numbered.hasSuffix("日 (7).txt"))
        #expect(try NodeName.validated(numbered) == numbered)
    }
}

@Suite struct AccountRulesTests {
    @Test func emailsAreTrimmedAndLowerCased() throws {
        #expect(try AccountRules.email("  Ada@Example.COM ") == "ada@example.com")
    }

    @Test(arguments: ["", "ada", "ada@", "@example.com", "ada@example", "a b@example.com", "ada@@example.com", "ada@.example.com"])
    func refusesBadEmails(raw: String) {
        #expect(throws: ValidationError(field: "email", message: "Enter a valid e-mail address.")) { try AccountRules.email(raw) }
    }

    @Test func passwordLength() throws {
        #expect(throws: ValidationError.self) { try AccountRules.password("short") }
        #expect(throws: ValidationError.self) { try AccountRules.password(String(repeating: "x", count: 1025)) }
        try AccountRules.password("12345678")
        try AccountRules.password(String(repeating: "x", count: 1024))
    }

    @Test func fullname() throws {
        #expect(try AccountRules.fullname("  Ada Lovelace ") == "Ada Lovelace")
        #expect(throws: ValidationError.self) { try AccountRules.fullname("   ") }
        #expect(throws: ValidationError.self) { try AccountRules.fullname(String(repeating: "x", count: 201)) }
    }
}

@Suite struct MimeTypeTests {
    @Test func fromExtension() {
        #expect(MimeType.forName("report.PDF") == "application/pdf")
        #expect(MimeType.forName("photo.jpeg") == "image/jpeg")
        #expect(MimeType.forName("archive.tar.gz") == "application/gzip")
        #expect(MimeType.forName(".profile") == nil)
        #expect(MimeType.forName("README") == nil)
        #expect(MimeType.forName("weird.zzz") == nil)
    }
}
