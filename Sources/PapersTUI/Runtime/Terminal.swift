/// What the runtime needs from a terminal. `NcursesTerminal` is the real one; tests drive the
/// runtime's parts without any.
public protocol Terminal: AnyObject {
    /// Enters full-screen raw mode.
    func start() throws
    /// Restores the terminal as it was. Safe to call twice.
    func stop()
    /// Current size in columns and rows (re-read from the tty, so a resize is seen at once).
    func size() -> (width: Int, height: Int)
    /// Shows a buffer (only what changed reaches the tty).
    func draw(_ buffer: ScreenBuffer, theme: Theme)
    /// Waits up to `timeoutMilliseconds` for typed characters; empty when none came.
    func read(timeoutMilliseconds: Int) -> [Character]
    /// Asks the terminal to put `text` on the system clipboard (OSC 52). Terminals that do not
    /// allow it ignore the request; there is no answer to wait for.
    func copyToClipboard(_ text: String)
}
