import Foundation

/// File-mode rules of the data directory: everything in it is the server's own (password hashes,
/// the tree, content), so files are owner-only whatever the process's umask.
enum DataDirectory {
    /// The directory's permission bits when group or others may read or enter it, else `nil`.
    static func openMode(_ path: String) -> UInt32? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let mode = UInt32(info.st_mode) & 0o777
        return mode & 0o077 != 0 ? mode : nil
    }

    /// Creates `path` as an empty owner-only file when missing, and takes group and other access away
    /// from it and from its companions (`path + suffix`) when they exist. SQLite gives its `-wal` and
    /// `-shm` files the database file's mode, so creating that file first is what makes them 0600 too.
    /// - Throws: `CocoaError` when the file cannot be created or changed.
    static func makeOwnerOnly(_ path: String, alsoExisting suffixes: [String] = []) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        close(fd)
        for file in [path] + suffixes.map({ path + $0 }) where access(file, F_OK) == 0 {
            var info = stat()
            if stat(file, &info) == 0, UInt32(info.st_mode) & 0o077 != 0, chmod(file, 0o600) != 0 {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: file])
            }
        }
    }
}
