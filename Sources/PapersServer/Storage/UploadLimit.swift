import Foundation

/// Keeps uploads from filling the disk: an upload is refused while the free space under the data
/// directory, less what the upload brings, would fall below `floor` — so that deletes, the
/// database's own writes and other processes always have room.
struct FreeSpaceFloor: Sendable, Equatable {
    /// The file system to watch (any path on it).
    var path: String
    var floor: Int64

    init(path: String, floor: Int64) {
        self.path = path
        self.floor = floor
    }

    /// Bytes available to an unprivileged writer, or `nil` when the file system does not say.
    func available() -> Int64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    /// - Throws: `UploadError.belowFreeSpaceFloor` when `bytes` more would cross the floor.
    func check(adding bytes: Int64) throws(UploadError) {
        guard floor > 0, let free = available() else { return }
        if free - bytes < floor { throw .belowFreeSpaceFloor(free: free, needed: bytes, floor: floor) }
    }
}

/// How many bytes an upload may bring, and which rule says so.
struct UploadLimit: Sendable, Equatable {
    var maxUpload: Int64?
    var quotaRemaining: Int64?

    init(maxUpload: Int64?, quotaRemaining: Int64?) {
        self.maxUpload = maxUpload
        self.quotaRemaining = quotaRemaining
    }

    /// Throws when `size` bytes are more than allowed: `tooLarge` first, as the server-wide rule.
    func check(_ size: Int64) throws(UploadError) {
        if let maxUpload, size > maxUpload { throw .tooLarge(limit: maxUpload) }
        if let quotaRemaining, size > quotaRemaining { throw .quotaExceeded }
    }
}

