import Foundation
import PapersClient
import PapersCore
import Testing

@testable import PapersTUI

@Suite struct DisplayWidthTests {
    init() { DisplayWidth.prepareLocale() }

    @Test func measuresWideAndCombiningCharacters() {
        #expect(DisplayWidth.of("日本語") == 6)
        #expect(DisplayWidth.of("cafe\u{301}") == 4)
        #expect(DisplayWidth.of("🎉") == 2)
        #expect(DisplayWidth.of("abc") == 3)
    }

    @Test func cutsWithAnEllipsisNeverMidCharacter() {
        #expect(DisplayWidth.truncate("日本語のメモ.txt", to: 7) == "日本語…")
        #expect(DisplayWidth.truncate("日本語のメモ.txt", to: 8) == "日本語…")
        #expect(DisplayWidth.truncate("short", to: 10) == "short")
        #expect(DisplayWidth.of(DisplayWidth.fit("日本", to: 5)) == 5)
    }
}

@Suite struct RenderTests {
    init() { DisplayWidth.prepareLocale() }

    static let awkward: [Node] = [
        Fixtures.node("drafts", folder: true, size: 3_500),
        Fixtures.node("report.pdf"),
        Fixtures.node("日本語のメモ.txt", size: 12),
        Fixtures.node("cafe\u{301} crème.txt", size: 1_048_576),
        Fixtures.node("🎉 party.png", size: 5_000_000_000),
        Fixtures.node(String(repeating: "a very long name ", count: 8) + ".txt", size: 1),
    ]

    @Test func theBrowserAt80x24() {
        var state = Fixtures.browsing(Self.awkward)
        state.press(.down)
        let screen = render(state, theme: .fallback)
        // Row by row: the header, both boxes' top edges, and each item's name and size column.
        #expect(screen.row(0).hasPrefix(" papers  ada@example.com @ 127.0.0.1:8080"))
        #expect(screen.row(0).hasSuffix("? help "))
        #expect(screen.row(1).hasPrefix("┌ / ─"))
        #expect(screen.row(1).contains("┐┌ Properties ─"))
        #expect(screen.row(1).hasSuffix("┐"))
        let rows = (2...7).map { screen.row($0) }
        #expect(rows[0].hasPrefix("│ drafts/") && rows[0].contains("3.4 KiB │"))
        #expect(rows[1].hasPrefix("│ report.pdf") && rows[1].contains("47.1 KiB │"))
        #expect(rows[2].hasPrefix("│ 日本語のメモ.txt") && rows[2].contains("12 B │"))
        #expect(rows[3].hasPrefix("│ café crème.txt") && rows[3].contains("1.0 MiB │"))
        #expect(rows[4].hasPrefix("│ 🎉 party.png") && rows[4].contains("4.7 GiB │"))
        #expect(rows[5].hasPrefix("│ a very long name") && rows[5].contains("…"))
        for y in 0..<24 { #expect(DisplayWidth.of(screen.row(y)) == 80, "row \(y) is \(DisplayWidth.of(screen.row(y))) columns") }
        // The properties of the selected item.
        #expect(screen.row(2).contains("Name      report.pdf"))
        #expect(screen.row(3).contains("Kind      file · text/plain"))
        #expect(screen.row(4).contains("Size      47.1 KiB (48,213 bytes)"))
        // The SHA-256 wraps over three rows (26 + 26 + 12 hex digits), whole, so it can be copied.
        let sha = String(repeating: "9f86d081", count: 8)
        #expect(screen.row(5).contains("SHA-256   " + sha.prefix(26)))
        #expect(screen.row(6).contains("          " + sha.dropFirst(26).prefix(26)))
        #expect(screen.row(7).contains("          " + sha.dropFirst(52) + " "))
        #expect(screen.row(10).contains("Path      /report.pdf"))
        // The bottom border counts, the key bar comes from the key map.
        #expect(screen.row(21).contains(" 2/6 ┘"))
        #expect(screen.row(23).hasPrefix(" 1Help 2Rename 3View 4Local 5Upload 6Move 7Mkdir 8Delete 9Download 10Quit"))
        // The selection bar has the selected style, across the pane.
        #expect(screen[1, 3].style == Theme.fallback[.paneSelected])
        #expect(screen[30, 3].style == Theme.fallback[.paneSelected])
        #expect(screen[1, 2].style == Theme.fallback[.paneFolder])
    }

    @Test func theBrowserAt60x16() {
        var state = Fixtures.browsing(Self.awkward, width: 60, height: 16)
        state.press(.end)
        let screen = render(state, theme: .fallback)
        for y in 0..<16 { #expect(DisplayWidth.of(screen.row(y)) == 60, "row \(y)") }
        #expect(screen.row(1).hasPrefix("┌ / "))
        #expect(screen.row(13).contains(" 6/6 ┘"))
        // Long names are cut with an ellipsis inside the pane; the border stays.
        let longRow = screen.row(7)
        #expect(longRow.hasPrefix("│ a very long"))
        #expect(longRow.contains("…"))
        #expect(Array(longRow)[29] == "│")
        // Every key fits at 60 columns, Quit too, with labels shortened (issue 11).
        #expect(screen.row(15) == "1Help 2Rena 3View 4Loca 5Uplo 6Move 7Mkdi 8Dele 9Down 10Quit")
    }

    @Test func tooSmallSaysSo() {
        let state = Fixtures.browsing(width: 59, height: 16)
        #expect(render(state, theme: .fallback).row(0).hasPrefix("Terminal too small: need 60×16, have 59×16"))
        let short = Fixtures.browsing(width: 80, height: 15)
        #expect(render(short, theme: .fallback).row(0).hasPrefix("Terminal too small"))
    }

    @Test func markedItemsAndFilterAndLoadingCounter() {
        var state = AppState(session: Fixtures.session, server: "", localPath: "/tmp")
        _ = reduce(&state, .resized(width: 80, height: 24))
        _ = startEffects(&state)
        _ = reduce(&state, .folderLoaded(generation: 1, nodes: (0..<1000).map { Fixtures.node(String(format: "file%04d", $0)) }, nextCursor: "c"))
        state.press(.character(" "))
        let screen = render(state, theme: .fallback)
        #expect(screen.row(21).contains("1 marked"))
        #expect(screen.row(21).contains("loading… 1,000"))
        #expect(screen[1, 2].style == Theme.fallback[.paneMarked])
        state.press(.character("/"))
        _ = state.type("0999")
        let filtered = render(state, theme: .fallback)
        #expect(filtered.row(1).contains("[/0999]"))
    }

    @Test func transferProgressInTheStatusLine() {
        var state = Fixtures.browsing()
        state.press(.down, .character("d"))
        _ = reduce(&state, .transferProgress(id: 1, TransferProgress(bytes: 620, total: 1000, bytesPerSecond: Double(310 << 20))))
        let status = render(state, theme: .fallback).row(22)
        #expect(status.contains("↓ report.pdf"))
        #expect(status.contains("62%"))
        #expect(status.contains("310.0 MiB/s"))
        #expect(status.contains("(Esc cancel)"))
    }

    @Test func overlaysDrawOverThePanes() {
        var state = Fixtures.browsing()
        state.press(.down, .function(2))
        let prompt = render(state, theme: .fallback)
        #expect(prompt.text.contains("Rename report.pdf to"))
        #expect(prompt.text.contains("report.pdf"))
        #expect(prompt.cursor != nil)
        state.press(.escape, .function(1))
        let help = render(state, theme: .fallback).text
        #expect(help.contains("f2 r"))
        #expect(help.contains("Rename"))
        #expect(!help.contains("ctrl-r R"), "the last commands are below the fold at 24 rows")
        #expect(help.contains("more"), "and the overlay says so")
        state.press(.pageDown)
        #expect(render(state, theme: .fallback).text.contains("ctrl-r R"))
        state.press(.escape)
        #expect(state.overlay == nil)
        state.press(.function(8))
        #expect(render(state, theme: .fallback).text.contains("[y] Move to trash    [X] Delete for good    [N] No"))
        state.press(.character("n"), .character("X"))
        #expect(render(state, theme: .fallback).text.contains("[y] Yes    [N] No"))
    }

    @Test func theLoginForm() {
        var state = AppState(session: nil, server: "http://127.0.0.1:8080", localPath: "/tmp")
        _ = reduce(&state, .resized(width: 80, height: 24))
        _ = state.type("ada@example.com")
        state.press(.tab)
        _ = state.type("secret")
        let screen = render(state, theme: .fallback).text
        #expect(screen.contains("Papers — log in"))
        #expect(screen.contains("http://127.0.0.1:8080"))
        #expect(screen.contains("ada@example.com"))
        #expect(screen.contains("••••••"))
        #expect(!screen.contains("secret"))
        state.press(.ctrl("n"))
        #expect(render(state, theme: .fallback).text.contains("Confirm"))
    }
}
