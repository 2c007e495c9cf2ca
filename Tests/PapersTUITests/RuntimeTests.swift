import Foundation
import PapersClient
import PapersCore
import Synchronization
import Testing

@testable import PapersTUI

/// The runtime loop with a scripted terminal (the tmux tests drive the real one): keys in, frames
/// out, resizes noticed, the terminal always restored, the loop ended by quit, Ctrl-C or a stop.
@Suite struct RuntimeTests {
    /// A terminal that types a script, one batch of characters per read, then nothing.
    final class ScriptedTerminal: Terminal, @unchecked Sendable {
        var script: [[Character]]
        var sizes: [(width: Int, height: Int)]
        var frames: [ScreenBuffer] = []
        var started = 0
        var stopped = 0
        var reads = 0
        var failStart = false
        var onRead: ((Int) -> Void)?
        var clipboard: [String] = []

        init(script: [String], sizes: [(Int, Int)] = [(100, 30)]) {
            self.script = script.map(Array.init)
            self.sizes = sizes.map { (width: $0.0, height: $0.1) }
        }

        func start() throws {
            if failStart { throw TerminalError.cannotStart }
            started += 1
        }

        func stop() { stopped += 1 }

        func size() -> (width: Int, height: Int) {
            sizes.count > 1 && reads >= 2 ? sizes[1] : sizes[0]
        }

        func draw(_ buffer: ScreenBuffer, theme: Theme) { frames.append(buffer) }

        func copyToClipboard(_ text: String) { clipboard.append(text) }

        func read(timeoutMilliseconds: Int) -> [Character] {
            reads += 1
            onRead?(reads)
            return script.isEmpty ? [] : script.removeFirst()
        }

        var lastFrameText: String { frames.last?.text ?? "" }
    }

    static func runtime(_ terminal: ScriptedTerminal, session: Session? = nil) throws -> (Runtime, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("papers-runtime-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let state = AppState(session: session, server: "http://127.0.0.1:9", localPath: dir)
        return (Runtime(terminal: terminal, theme: .monochrome, state: state, sessionStore: SessionStore(path: dir + "/session.json")), dir)
    }

    @Test func keysReachTheReducerAndCtrlCQuits() throws {
        let terminal = ScriptedTerminal(script: ["ada@example.com", "\u{03}"])
        let (runtime, dir) = try Self.runtime(terminal)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = try runtime.run()
        #expect(terminal.started == 1 && terminal.stopped == 1)
        #expect(state.shouldQuit)
        guard case .login(let form) = state.screen else { Issue.record("expected the login form"); return }
        #expect(form.email.text == "ada@example.com")
        #expect(terminal.lastFrameText.contains("ada@example.com"))
    }

    @Test func escapeSequencesAreDecodedAcrossReads() throws {
        // "Down" split over two reads, then Ctrl-C.
        let terminal = ScriptedTerminal(script: ["\u{1B}", "[B", "\u{03}"])
        let (runtime, dir) = try Self.runtime(terminal)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = try runtime.run()
        guard case .login(let form) = state.screen else { Issue.record("expected the login form"); return }
        #expect(form.focus == .password)  // Down moved from the e-mail field to the next one
    }

    @Test func aResizeIsNoticedAndRedrawn() throws {
        let terminal = ScriptedTerminal(script: ["", "", "", "\u{03}"], sizes: [(100, 30), (60, 20)])
        let (runtime, dir) = try Self.runtime(terminal)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = try runtime.run()
        #expect(state.width == 60 && state.height == 20)
        #expect(terminal.frames.first?.width == 100)
        #expect(terminal.frames.last?.width == 60)
    }

    @Test func aStopRequestEndsTheLoopAndRestoresTheTerminal() throws {
        let terminal = ScriptedTerminal(script: [])
        let (runtime, dir) = try Self.runtime(terminal)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        terminal.onRead = { reads in if reads == 3 { runtime.requestStop() } }
        let state = try runtime.run()
        #expect(!state.shouldQuit)
        #expect(terminal.reads == 3)
        #expect(terminal.stopped == 1)
    }

    @Test func aTerminalThatCannotStartIsAnError() throws {
        let terminal = ScriptedTerminal(script: [])
        terminal.failStart = true
        let (runtime, dir) = try Self.runtime(terminal)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: TerminalError.self) { try runtime.run() }
        #expect(terminal.frames.isEmpty)
    }
}
