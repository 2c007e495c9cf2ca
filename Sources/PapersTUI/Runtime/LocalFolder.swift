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

    /// Renames an entry within its folder; never over an existing one.
    /// - Throws: `ClientError.localIO` when the name is taken or the rename fails.
    static func rename(_ path: String, to name: String) throws(ClientError) {
        let destination = ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
        try moveRefusingExisting(path, to: destination)
    }

    /// Makes a folder (not its parents).
    /// - Throws: `ClientError.localIO` when something has that name or it cannot be made.
    static func makeFolder(_ path: String) throws(ClientError) {
        guard mkdir(path, 0o755) == 0 else { throw .localIO(message: "cannot create \(path): \(String(cString: strerror(errno)))") }
    }

    /// Moves entries into a folder, none over an existing entry (the first such one stops the move).
    /// - Throws: `ClientError.localIO` when the folder is missing, a name is taken there, or a move fails.
    static func move(_ paths: [String], into folder: String) throws(ClientError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .localIO(message: "\(folder) is not a folder")
        }
        for path in paths {
            try moveRefusingExisting(path, to: (folder as NSString).appendingPathComponent((path as NSString).lastPathComponent))
        }
    }

    /// Deletes entries, folders with everything in them.
    /// - Throws: `ClientError.localIO` naming the first entry that could not be removed.
    static func delete(_ paths: [String]) throws(ClientError) {
        for path in paths {
            do { try FileManager.default.removeItem(atPath: path) } catch {
                throw .localIO(message: "cannot delete \(path): \(error.message)")
            }
        }
    }

    /// The first `count` bytes of a file.
    /// - Throws: `ClientError.localIO` when it cannot be read.
    static func head(of path: String, count: Int) throws(ClientError) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .localIO(message: "cannot read \(path)") }
        defer { try? handle.close() }
        do { return [UInt8](try handle.read(upToCount: count) ?? Data()) } catch {
            throw .localIO(message: "cannot read \(path): \(error.message)")
        }
    }

    private static func moveRefusingExisting(_ path: String, to destination: String) throws(ClientError) {
        var info = stat()
        guard lstat(destination, &info) != 0 else {
            throw .localIO(message: "\((destination as NSString).lastPathComponent) already exists in \((destination as NSString).deletingLastPathComponent)")
        }
        do { try FileManager.default.moveItem(atPath: path, toPath: destination) } catch {
            throw .localIO(message: "cannot move \(path): \(error.message)")
        }
    }
}
