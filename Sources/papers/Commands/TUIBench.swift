import ArgumentParser
import Foundation
import PapersClient
import PapersCore
import PapersTUI

/// `papers tui-bench`: times the TUI's reducer and renderer on the in-memory screen buffer the tests
/// use (no terminal): the first frame after a big listing arrives, and key-press-to-frame while scrolling.
/// Used by `make bench`; prints one JSON document.
struct TUIBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tui-bench", abstract: "Time the TUI on a big folder (for make bench).", shouldDisplay: false)

    @Option(help: "Entries in the folder.") var entries = 100_000
    @Option(help: "Key presses to time.") var keys = 2_000

    struct Result: Encodable {
        var entries: Int
        var firstFrameMs: Double
        var keyToFrameMedianMs: Double
        var keyToFrameP99Ms: Double

        enum CodingKeys: String, CodingKey {
            case entries
            case firstFrameMs = "first_frame_ms"
            case keyToFrameMedianMs = "key_to_frame_median_ms"
            case keyToFrameP99Ms = "key_to_frame_p99_ms"
        }
    }

    func run() throws {
        DisplayWidth.prepareLocale()
        let session = Session(server: "http://127.0.0.1:8080", email: "bench@example.com", token: "t", userId: "u", expiresAt: "")
        var state = AppState(session: session, server: session.server, localPath: "/tmp")
        _ = reduce(&state, .resized(width: 120, height: 40))
        _ = startEffects(&state)
        let pageSize = 1000
        let pages: [[Node]] = stride(from: 0, to: entries, by: pageSize).map { start in
            (start..<min(entries, start + pageSize)).map { i in
                let name = i % 7 == 0 ? "日本語のメモ \(i).txt" : String(format: "file-%06d.dat", i)
                return Node(
                    id: "id-\(i)", name: name, isFolder: i < 100, parentId: nil, path: "/" + name, size: Int64(i * 37),
                    mimeType: "application/octet-stream", sha256: i < 100 ? nil : String(repeating: "ab", count: 32), creator: "u",
                    dateCreated: "2026-11-25T22:40:00.123Z", dateModified: "2026-11-25T22:41:00.456Z", etag: "\"e-\(i)\"")
            }
        }
        // The first page arrives: time to its first frame.
        let clock = ContinuousClock()
        var frame = ScreenBuffer(width: 1, height: 1)
        let first = clock.measure {
            _ = reduce(&state, .folderLoaded(generation: 1, nodes: pages[0], nextCursor: pages.count > 1 ? "more" : nil))
            frame = render(state, theme: .fallback)
        }
        // The rest arrive in the background; then time key presses while scrolling through all of it.
        for (i, page) in pages.enumerated().dropFirst() {
            _ = reduce(&state, .folderLoaded(generation: 1, nodes: page, nextCursor: i + 1 < pages.count ? "more" : nil))
        }
        var samples: [Double] = []
        for i in 0..<keys {
            let key: Key = i % 50 == 49 ? .pageDown : .down
            let elapsed = clock.measure {
                _ = reduce(&state, .key(key))
                frame = render(state, theme: .fallback)
            }
            samples.append(Self.ms(elapsed))
        }
        precondition(frame.width == 120)
        samples.sort()
        let result = Result(
            entries: entries, firstFrameMs: Self.ms(first), keyToFrameMedianMs: samples[samples.count / 2],
            keyToFrameP99Ms: samples[min(samples.count - 1, samples.count * 99 / 100)])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
    }

    static func ms(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
