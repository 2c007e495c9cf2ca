import Foundation

/// Why an upload's bytes were not kept.
enum UploadError: Error, Sendable, Equatable {
    /// More bytes than `--max-upload` allows.
    case tooLarge(limit: Int64)
    /// More bytes than the user's remaining quota.
    case quotaExceeded
    /// `X-Content-SHA256` did not match what arrived.
    case checksumMismatch(expected: String, actual: String)
    /// The disk refused (permissions, I/O error, ...). `detail` is for the log only.
    case storageFailed(detail: String)
    /// The disk is full (ENOSPC, EDQUOT). `detail` is for the log only.
    case diskFull(detail: String)
    /// Taking the upload would leave less free space than `--min-free-space` keeps for deletes and
    /// the database.
    case belowFreeSpaceFloor(free: Int64, needed: Int64, floor: Int64)

    /// The error for a failed system call on `path`, from `errno`.
    static func disk(_ operation: String, _ path: String, errno code: Int32 = errno) -> UploadError {
        let detail = "\(operation) \(path): \(String(cString: strerror(code)))"
        return code == ENOSPC || code == EDQUOT ? .diskFull(detail: detail) : .storageFailed(detail: detail)
    }
}

