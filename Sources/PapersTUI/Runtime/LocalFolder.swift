import Foundation
import PapersClient

/// The local file system as the TUI sees it.
enum LocalFolder {
    /// Entries of a folder: folders first, then by name (case-insensitive).
    static func list(_ path: String) throws(ClientError) -> [LocalEntry] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
            throw .localIO(message: "cannot open \(path)")
        }
        var entries: [LocalEntry] = []
        for name in names {
            var info = stat()
            guard stat(path == "/" ? "/" + name : path + "/" + name, &info) == 0 else { continue }
            let isFolder = (info.st_mode & S_IFMT) == S_IFDIR
            entries.append(
                LocalEntry(
                    name: name, isFolder: isFolder, size: Int64(info.st_size), modified: Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec))))
        }
        return entries.sorted { a, b in
            if a.isFolder != b.isFolder { return a.isFolder }
            let (x, y) = (a.name.lowercased(), b.name.lowercased())
            return x != y ? x < y : a.name < b.name
        }
    }

    /// Paths that complete `text` (folders end with `/`).
    static func complete(_ text: String) -> [String] {
        let expanded = (text as NSString).expandingTildeInPath
        let directory = expanded.hasSuffix("/") ? expanded : (expanded as NSString).deletingLastPathComponent
        let prefix = expanded.hasSuffix("/") ? "" : (expanded as NSString).lastPathComponent
        guard let entries = try? list(directory.isEmpty ? "." : directory) else { return [] }
        let base = directory.isEmpty ? "" : (directory.hasSuffix("/") ? directory : directory + "/")
        return entries.filter { $0.name.hasPrefix(prefix) && (!$0.name.hasPrefix(".") || prefix.hasPrefix(".")) }
            .map { base + $0.name + ($0.isFolder ? "/" : "") }
    }
}
