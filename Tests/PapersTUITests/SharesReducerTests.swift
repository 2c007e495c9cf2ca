import Foundation
import PapersClient
import PapersCore
import Testing

@testable import PapersTUI

/// Share links in the client: `c` asks how long and a password, then shows and copies the URL;
/// `C` lists the links and revokes one after a question.
@Suite struct SharesReducerTests {
    static let made = NewShare(
        id: "s1", nodeId: "id-report.pdf", token: "tok", urlPath: "/s/tok", expiresAt: "2026-12-11T10:00:00.000Z", hasPassword: true,
        dateCreated: "2026-12-04T10:00:00.000Z")

    static func share(_ id: String, _ name: String, expires: String?, downloads: Int64 = 0, folder: Bool = false) -> Share {
        Share(
            id: id, nodeId: "n-" + id, name: name, isFolder: folder, expiresAt: expires, hasPassword: false,
            dateCreated: "2026-12-01T10:00:00.000Z", downloads: downloads, lastAccessedAt: nil)
    }

    @Test func cAsksHowLongThenAPasswordAndMakesTheLink() {
        var state = Fixtures.browsing()
        state.press(.down)  // report.pdf
        #expect(state.press(.character("c")).isEmpty)
        guard case .prompt(let expiry) = state.overlay, case .shareExpiry(let node) = expiry.purpose else {
            Issue.record("no expiry prompt"); return
        }
        #expect(node.name == "report.pdf" && expiry.editor.text == "7d")
        // A wrong lifetime is refused in the prompt with the forms it takes.
        state.press(.backspace, .character("x"))
        #expect(state.press(.enter).isEmpty)
        guard case .prompt(let refused) = state.overlay else { Issue.record("prompt closed"); return }
        #expect(refused.error?.contains("30m, 12h, 7d or 2w") == true)
        state.press(.backspace, .character("d"))
        #expect(state.press(.enter).isEmpty)
        guard case .prompt(let password) = state.overlay, case .sharePassword(_, let lifetime) = password.purpose else {
            Issue.record("no password prompt"); return
        }
        #expect(lifetime == ShareDuration("7d") && password.isSecret)
        // Too short a password is refused; it is drawn as dots.
        _ = state.type("short")
        #expect(!render(state, theme: .fallback).text.contains("short"))
        #expect(state.press(.enter).isEmpty)
        guard case .prompt(let short) = state.overlay else { Issue.record("prompt closed"); return }
        #expect(short.error?.contains("at least 8 characters") == true)
        _ = state.type("-enough")
        let effects = state.press(.enter)
        #expect(effects == [.createShare(node: node, lifetime: ShareDuration("7d"), password: "short-enough")])
    }

    @Test func anEmptyExpiryAndPasswordMakeALinkThatLastsWithoutOne() {
        var state = Fixtures.browsing()
        state.press(.character("c"))  // the folder drafts
        guard case .prompt(let expiry) = state.overlay, case .shareExpiry(let node) = expiry.purpose else {
            Issue.record("no expiry prompt"); return
        }
        state.press(.backspace, .backspace)
        state.press(.enter)
        #expect(state.press(.enter) == [.createShare(node: node, lifetime: nil, password: nil)])
    }

    @Test func theNewLinkIsShownCopiedAndListed() {
        var state = Fixtures.browsing(width: 60, height: 24)
        state.press(.down, .character("c"), .enter, .enter)
        let url = "http://files.example.com:8080/s/AbCdEfGhIjKlMnOpQrStUvWxYz012345"
        let effects = reduce(&state, .shareCreated(CreatedShare(name: "report.pdf", url: url, share: Self.made)))
        #expect(effects == [.copyToClipboard(url), .loadShares])
        _ = reduce(&state, .sharesLoaded([Self.share("s1", "report.pdf", expires: "2026-12-11T10:00:00.000Z")], now: "2026-12-04T10:00:01.000Z"))
        let screen = render(state, theme: .fallback).text
        // Narrow: the URL is wrapped, never cut.
        let lines = screen.split(separator: "\n").map { $0.replacingOccurrences(of: "│", with: "").trimmingCharacters(in: .whitespaces) }
        let start = lines.firstIndex { $0.hasPrefix("http://") }
        #expect(start.map { lines[$0] + lines[$0 + 1] } == url)
        #expect(screen.contains("report.pdf") && screen.contains("0 downloads"))
        #expect(state.press(.character("y")) == [.copyToClipboard(url)])
    }

    @Test func theListSaysWhatExpiredAndRevokesAfterAQuestion() {
        var state = Fixtures.browsing()
        #expect(state.press(.character("C")) == [.loadShares])
        _ = reduce(
            &state,
            .sharesLoaded(
                [Self.share("a", "Photos", expires: nil, downloads: 3, folder: true), Self.share("b", "old.txt", expires: "2026-12-01T00:00:00.000Z")],
                now: "2026-12-04T10:00:00.000Z"))
        let screen = render(state, theme: .fallback).text
        #expect(screen.contains("Photos/") && screen.contains("3 downloads   no expiry"))
        #expect(screen.contains("old.txt") && screen.contains("expired"))
        state.press(.down, .character("x"))
        guard case .confirm(let question) = state.overlay else { Issue.record("no question"); return }
        #expect(question.message.contains("Revoke the link to \"old.txt\"?"))
        #expect(state.press(.character("n")).isEmpty)
        guard case .shares = state.overlay else { Issue.record("not back on the list"); return }
        state.press(.character("x"))
        #expect(state.press(.character("y")) == [.revokeShare(id: "b")])
        #expect(reduce(&state, .shareRevoked(message: "Revoked the link.")) == [.loadShares])
        #expect(state.status == "Revoked the link.")
        state.press(.escape)
        #expect(state.overlay == nil)
    }

    @Test func theLocalPaneAndTheParentRowHaveNothingToShare() {
        var state = Fixtures.browsing()
        state.press(.function(4))  // the local pane
        #expect(state.press(.character("c")).isEmpty)
        #expect(state.statusIsError && state.status?.contains("Tab to the server pane") == true)
        #expect(state.overlay == nil)
    }

    @Test func aRefusedLinkKeepsThePromptWithTheServersWords() {
        var state = Fixtures.browsing()
        state.press(.down, .character("c"), .enter)
        state.press(.enter)
        _ = reduce(&state, .failed(.server(status: 404, code: "not_found", message: "That file or folder does not exist.")))
        guard case .prompt(let prompt) = state.overlay else { Issue.record("prompt closed"); return }
        #expect(!prompt.isBusy && prompt.error?.contains("does not exist") == true)
    }

    @Test func durationsAreANumberAndAUnit() {
        #expect(ShareDuration("30m")?.seconds == 1800)
        #expect(ShareDuration("12h")?.seconds == 43200)
        #expect(ShareDuration(" 2w ")?.seconds == TimeInterval(14 * 86400))
        for bad in ["", "d", "0d", "-1d", "7", "7y", "1.5d", "7 d", "99999999999999999999d", "100001d"] {
            #expect(ShareDuration(bad) == nil, "\(bad)")
        }
    }
}
