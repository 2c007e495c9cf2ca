import Foundation
import PapersClient
import Synchronization

/// The client's loop: reads keys, feeds actions to `reduce`, hands effects to the `EffectRunner`,
/// and draws `render`'s buffer — all terminal work on one thread, all I/O off it.
public final class Runtime: @unchecked Sendable {
    private let terminal: any Terminal
    private let theme: Theme
    private var state: AppState
    private let inbox = Mutex<[Action]>([])
    private let stopRequested = Atomic<Bool>(false)
    private var runner: EffectRunner!
    private var decoder = KeyDecoder()

    public init(terminal: any Terminal, theme: Theme, state: AppState, sessionStore: SessionStore) {
        self.terminal = terminal
        self.theme = theme
        self.state = state
        runner = EffectRunner(session: state.session, sessionStore: sessionStore) { [weak self] action in
            self?.inbox.withLock { $0.append(action) }
        }
    }

    /// Asks the loop to end (SIGTERM); the terminal is restored on the way out.
    public func requestStop() { stopRequested.store(true, ordering: .relaxed) }

    /// Runs until the user quits. Blocks the calling thread. Returns the state it ended in.
    /// - Throws: `TerminalError` when the terminal cannot start.
    @discardableResult
    public func run() throws -> AppState {
        try terminal.start()
        defer { terminal.stop() }
        let size = terminal.size()
        _ = reduce(&state, .resized(width: size.width, height: size.height))
        perform(startEffects(&state))
        if state.showLocal { perform([.listLocal(path: state.local.path)]) }
        var dirty = true
        while !state.shouldQuit, !stopRequested.load(ordering: .relaxed) {
            if dirty {
                terminal.draw(render(state, theme: theme), theme: theme)
                dirty = false
            }
            var actions: [Action] = []
            let typed = terminal.read(timeoutMilliseconds: decoder.isWaiting ? 30 : 50)
            for character in typed {
                for key in decoder.feed(character) { actions.append(.key(key)) }
            }
            if typed.isEmpty { actions += decoder.flush().map(Action.key) }
            let now = terminal.size()
            if now.width != state.width || now.height != state.height { actions.append(.resized(width: now.width, height: now.height)) }
            actions += inbox.withLock { pending in
                defer { pending = [] }
                return pending
            }
            for action in actions {
                if action == .key(.ctrl("c")) {
                    state.shouldQuit = true
                    break
                }
                perform(reduce(&state, action))
                dirty = true
            }
        }
        for transfer in state.transfers where transfer.isActive { runner.run(.cancelTransfer(id: transfer.id)) }
        // What did not finish is offered again at the next start.
        runner.run(.saveQueue(state.transfers))
        return state
    }

    private func perform(_ effects: [Effect]) {
        for effect in effects {
            // Terminal work stays on this thread.
            if case .copyToClipboard(let text) = effect {
                terminal.copyToClipboard(text)
            } else {
                runner.run(effect)
            }
        }
    }
}
