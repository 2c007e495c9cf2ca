import Foundation
import Testing

@testable import PapersServer

/// Several processes may share one data directory: each stages uploads in its own locked
/// `tmp/<instance>/`, and a start-up clears only what processes that are gone left behind.
@Suite struct StagingTests {
    @Test func startUpClearsOnlyTheStagingOfProcessesThatAreGone() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("papers-staging-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let a = try StagingArea(root: root + "/tmp")
        let staged = try a.stage(limit: UploadLimit(maxUpload: nil, quotaRemaining: nil))
        #expect(staged.path.hasPrefix(a.directory + "/"))

        // What a crashed process left: an unlocked staging folder with an upload in it, and a loose
        // file of the older one-folder layout.
        let dead = root + "/tmp/dead-instance"
        try FileManager.default.createDirectory(atPath: dead, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dead + "/upload-x", contents: Data(repeating: 1, count: 100))
        _ = FileManager.default.createFile(atPath: root + "/tmp/upload-loose", contents: Data(repeating: 2, count: 100))

        let b = try StagingArea(root: root + "/tmp")
        #expect(b.directory != a.directory)
        #expect(b.clearLeftovers() == 2)
        #expect(!FileManager.default.fileExists(atPath: dead))
        #expect(!FileManager.default.fileExists(atPath: root + "/tmp/upload-loose"))
        // The live process's upload is untouched, and so is b's own folder.
        #expect(FileManager.default.fileExists(atPath: staged.path))
        #expect(FileManager.default.fileExists(atPath: b.directory))
        staged.discard()
    }
}
