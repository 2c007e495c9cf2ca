import Foundation

/// A small state file of the client's (places, the unfinished queue), readable by the user only.
enum PrivateFile {
    /// Writes `data` to `path` through a temporary file and a rename (a crash leaves the old file or
    /// the new one), its folder made 0700 and the file 0600 when missing. Failures are ignored: such
    /// a file holds only a convenience.
    static func write(_ data: Data, to path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else { return }
        rename(temporary, path)
    }
}
