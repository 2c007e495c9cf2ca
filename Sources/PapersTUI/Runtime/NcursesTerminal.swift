import CNcurses
import Foundation

/// The terminal through ncursesw (wide characters). The only file that imports CNcurses.
public final class NcursesTerminal: Terminal {
    private var started = false
    private var pairs: [PairKey: Int16] = [:]
    private var colours = 8
    private var lastSize = (width: 0, height: 0)

    private struct PairKey: Hashable {
        var fg: Int
        var bg: Int
    }

    public init() {}

    public func start() throws {
        DisplayWidth.prepareLocale()
        guard initscr() != nil else { throw TerminalError.cannotStart }
        started = true
        raw()
        noecho()
        nonl()
        keypad(papers_stdscr(), false)  // escape sequences are decoded by KeyDecoder
        if has_colors() {
            start_color()
            use_default_colors()
            colours = papers_colors() >= 256 ? 256 : (papers_colors() >= 16 ? 16 : 8)
        }
        set_escdelay(25)
        lastSize = size()
        Self.installCrashRestorer()
    }

    public func stop() {
        guard started else { return }
        started = false
        curs_set(1)
        endwin()
    }

    public func size() -> (width: Int, height: Int) {
        var window = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &window) == 0, window.ws_col > 0, window.ws_row > 0 {
            let size = (Int(window.ws_col), Int(window.ws_row))
            if started, size != lastSize {
                resizeterm(Int32(size.1), Int32(size.0))
                lastSize = size
            }
            return size
        }
        return (Int(papers_cols()), Int(papers_lines()))
    }

    public func draw(_ buffer: ScreenBuffer, theme: Theme) {
        for y in 0..<buffer.height {
            for x in 0..<buffer.width {
                let cell = buffer[x, y]
                if cell.isContinuation { continue }
                var text = Array(String(cell.character).unicodeScalars.map { wchar_t(bitPattern: $0.value) })
                text.append(0)
                papers_put_cell(Int32(y), Int32(x), text, attributes(cell.style), pair(cell.style))
            }
        }
        if let cursor = buffer.cursor {
            curs_set(1)
            move(Int32(cursor.y), Int32(cursor.x))
        } else {
            curs_set(0)
        }
        refresh()
    }

    public func read(timeoutMilliseconds: Int) -> [Character] {
        wtimeout(papers_stdscr(), Int32(timeoutMilliseconds))
        var characters: [Character] = []
        var code: wint_t = 0
        var result = wget_wch(papers_stdscr(), &code)
        while result != papers_err() {
            if result != papers_key_code_yes(), let scalar = Unicode.Scalar(UInt32(code)) {
                characters.append(Character(scalar))
            }
            // Drain whatever else is already typed (an escape sequence, a paste) without waiting.
            wtimeout(papers_stdscr(), 0)
            result = wget_wch(papers_stdscr(), &code)
        }
        return characters
    }

    /// `ESC ] 52 ; c ; <base64> BEL`, written straight to the tty between two frames (ncurses has
    /// no call for it). tmux passes it on with `set-clipboard on`; xterm, kitty, iTerm2, WezTerm,
    /// Windows Terminal and foot honour it, some only once allowed in their settings.
    public func copyToClipboard(_ text: String) {
        guard started else { return }
        let sequence = Array("\u{1B}]52;c;\(Data(text.utf8).base64EncodedString())\u{07}".utf8)
        sequence.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(1, bytes.baseAddress! + offset, bytes.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }

    private func attributes(_ style: Style) -> attr_t {
        var value = papers_a_normal()
        if style.bold { value |= papers_a_bold() }
        if style.underline { value |= papers_a_underline() }
        if style.reverse { value |= papers_a_reverse() }
        return value
    }

    private func pair(_ style: Style) -> Int16 {
        guard has_colors() else { return 0 }
        let key = PairKey(fg: style.fg.map { nearestIndex(of: $0, colours: colours) } ?? -1, bg: style.bg.map { nearestIndex(of: $0, colours: colours) } ?? -1)
        if key.fg == -1, key.bg == -1 { return 0 }
        if let existing = pairs[key] { return existing }
        let number = Int16(pairs.count + 1)
        guard Int32(number) < papers_color_pairs() else { return 0 }
        init_pair(number, Int16(key.fg), Int16(key.bg))
        pairs[key] = number
        return number
    }

    /// On a crash signal, give the terminal back before dying.
    private static func installCrashRestorer() {
        for signal in [SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE] {
            Foundation.signal(signal) { number in
                endwin()
                Foundation.signal(number, SIG_DFL)
                raise(number)
            }
        }
    }
}

public enum TerminalError: Error, CustomStringConvertible {
    case cannotStart

    public var description: String { "cannot start the terminal (is TERM set, and is this a terminal?)" }
}
