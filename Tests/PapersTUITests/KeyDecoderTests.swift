import Testing

@testable import PapersTUI

@Suite struct KeyDecoderTests {
    func decode(_ text: String, flush: Bool = true) -> [Key] {
        var decoder = KeyDecoder()
        var keys = text.flatMap { decoder.feed($0) }
        if flush { keys += decoder.flush() }
        return keys
    }

    @Test(arguments: [
        ("\u{1B}[A", Key.up), ("\u{1B}[B", .down), ("\u{1B}[C", .right), ("\u{1B}[D", .left),
        ("\u{1B}OA", .up), ("\u{1B}[H", .home), ("\u{1B}[F", .end), ("\u{1B}[1~", .home), ("\u{1B}[4~", .end),
        ("\u{1B}[5~", .pageUp), ("\u{1B}[6~", .pageDown), ("\u{1B}[2~", .insert), ("\u{1B}[3~", .delete), ("\u{1B}[Z", .backTab),
        ("\u{1B}OP", .function(1)), ("\u{1B}OQ", .function(2)), ("\u{1B}OR", .function(3)), ("\u{1B}OS", .function(4)),
        ("\u{1B}[11~", .function(1)), ("\u{1B}[15~", .function(5)), ("\u{1B}[17~", .function(6)), ("\u{1B}[18~", .function(7)),
        ("\u{1B}[19~", .function(8)), ("\u{1B}[20~", .function(9)), ("\u{1B}[21~", .function(10)), ("\u{1B}[24~", .function(12)),
        ("\u{1B}[[A", .function(1)), ("\u{1B}[1;5A", .up), ("\u{1B}[3;2~", .delete),
    ])
    func escapeSequences(sequence: String, key: Key) {
        #expect(decode(sequence, flush: false) == [key])
    }

    @Test func controlKeys() {
        #expect(decode("\u{01}\u{12}\u{17}\u{15}") == [.ctrl("a"), .ctrl("r"), .ctrl("w"), .ctrl("u")])
        #expect(decode("\r\t\u{7F}\u{08}") == [.enter, .tab, .backspace, .backspace])
        #expect(decode("\n") == [.enter])
        #expect(decode("\r\n") == [.enter], "CR LF is one character in Swift, and one Enter")
    }

    @Test func textIncludingWideCharacters() {
        #expect(decode("aZ日🎉 ") == [.character("a"), .character("Z"), .character("日"), .character("🎉"), .character(" ")])
    }

    @Test func aLoneEscapeNeedsTheTimeout() {
        var decoder = KeyDecoder()
        let result1 = decoder.feed("\u{1B}")
        #expect(result1.isEmpty)
        #expect(decoder.isWaiting)
        #expect(decoder.flush() == [.escape])
        #expect(!decoder.isWaiting)
    }

    @Test func altKeysAndGarbageAreEscapeThenTheRest() {
        #expect(decode("\u{1B}x") == [.escape, .character("x")])
        #expect(decode("\u{1B}\u{1B}[A") == [.escape, .up])
        #expect(decode("\u{1B}[") == [.escape, .character("[")])
    }

    @Test func keysReadBackFromTheirNames() {
        for key: Key in [.character("a"), .character("G"), .character(" "), .ctrl("r"), .function(10), .up, .pageDown, .escape, .delete] {
            #expect(Key(name: key.description) == key)
        }
        #expect(Key(name: "F5") == .function(5))
        #expect(Key(name: "Ctrl-B") == .ctrl("b"))
        #expect(Key(name: "f13") == nil)
        #expect(Key(name: "hyper-x") == nil)
    }
}

@Suite struct KeyMapTests {
    @Test func defaultsHaveMcAndViKeys() {
        let map = KeyMap.standard
        #expect(map.command(for: .function(2)) == .rename)
        #expect(map.command(for: .character("r")) == .rename)
        #expect(map.command(for: .character("j")) == .down)
        #expect(map.command(for: .function(10)) == .quit)
        #expect(map.functionKey(for: .download) == 9)
        for command in Command.allCases { #expect(!map.keys(for: command).isEmpty, "\(command)") }
    }

    @Test func overridesReplaceOnlyTheListedCommands() throws {
        let map = try KeyMap.parse("[keys]\nquit = [\"ctrl-q\", \"f10\"]\nrename = \"E\"\n", file: "keys.toml")
        #expect(map.command(for: .ctrl("q")) == .quit)
        #expect(map.command(for: .character("q")) == nil)
        #expect(map.keys(for: .rename) == [.character("E")])
        #expect(map.command(for: .function(7)) == .mkdir)
    }

    @Test func badFilesNameFileLineAndKey() {
        #expect(throws: KeyMapError(file: "k.toml", line: 3, key: "teleport", problem: .unknownCommand)) {
            try KeyMap.parse("[keys]\nquit = \"q\"\nteleport = \"t\"\n", file: "k.toml")
        }
        #expect(throws: KeyMapError(file: "k.toml", line: 2, key: "quit", problem: .notAKeyName("hyper-q"))) {
            try KeyMap.parse("[keys]\nquit = \"hyper-q\"\n", file: "k.toml")
        }
        // The line of `up`, not of `upload` above it (a prefix match found `upload = ...`).
        #expect(throws: KeyMapError(file: "k.toml", line: 3, key: "up", problem: .notAKeyName("hyper-k"))) {
            try KeyMap.parse("[keys]\nupload = \"f5\"\nup = \"hyper-k\"\n", file: "k.toml")
        }
        do {
            _ = try KeyMap.parse("[keys\nquit = 1", file: "k.toml")
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.line == 1)
            #expect(error.description.hasPrefix("k.toml:1:"))
        }
    }

    @Test func aKeyThatStillDoesSomethingElseIsRefused() {
        #expect(throws: KeyMapError(file: "keys.toml", line: 3, key: "quit", problem: .alreadyBound("j", to: "down"))) {
            try KeyMap.parse("[keys]\nrename = \"E\"\nquit = \"j\"\n", file: "keys.toml")
        }
        #expect(
            KeyMapError(file: "keys.toml", line: 3, key: "quit", problem: .alreadyBound("j", to: "down")).description
                == "keys.toml:3: quit: \"j\" is already bound to down")
        // Moving the key away from its command first makes it free.
        let map = try? KeyMap.parse("[keys]\ndown = \"down\"\nquit = \"j\"\n", file: "keys.toml")
        #expect(map?.command(for: .character("j")) == .quit)
    }

    @Test func problemsReadLikeThemeProblems() {
        // Same shape as a theme's: file:line: key: what is wrong.
        #expect(KeyMapError(file: "k.toml", line: 3, key: "teleport", problem: .unknownCommand).description
            == "k.toml:3: teleport: unknown command")
        #expect(KeyMapError(file: "k.toml", line: 1, key: "colours", problem: .unknownSection).description
            == "k.toml:1: colours: unknown section (use [keys])")
        #expect(KeyMapError(file: "k.toml", problem: .syntax("bad")).description == "k.toml: bad")
    }
}

@Suite struct LineEditorTests {
    @Test func editsLikeAShell() {
        var editor = LineEditor("report.pdf")
        #expect(editor.caret == 10)
        _ = editor.handle(.home)
        _ = editor.handle(.character("X"))
        #expect(editor.text == "Xreport.pdf")
        _ = editor.handle(.ctrl("e"))
        _ = editor.handle(.backspace)
        _ = editor.handle(.left)
        _ = editor.handle(.delete)
        #expect(editor.text == "Xreport.p")
        _ = editor.handle(.ctrl("a"))
        _ = editor.handle(.right)
        _ = editor.handle(.character("日"))
        #expect(editor.text == "X日report.p")
        _ = editor.handle(.ctrl("u"))
        #expect(editor.text.isEmpty)
        let handledEnter = editor.handle(.enter)
        #expect(!handledEnter)
    }

    @Test func ctrlWDeletesAWordOrAPathComponent() {
        var editor = LineEditor("/home/ada/some file")
        _ = editor.handle(.ctrl("w"))
        #expect(editor.text == "/home/ada/some ")
        _ = editor.handle(.ctrl("w"))
        #expect(editor.text == "/home/ada/")
        _ = editor.handle(.ctrl("w"))
        #expect(editor.text == "/home/ada")
    }
}
