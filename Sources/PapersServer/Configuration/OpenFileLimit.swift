#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Raises the soft limit on open files to the hard one at start, as nginx's `worker_rlimit_nofile`
/// and Go's runtime do: every connection, upload in progress and download holds a descriptor, and the
/// soft limit a shell or service manager hands out is often 1,024, which a server with a thousand
/// idle clients passes. The hard limit is the operator's ceiling and is kept.
enum OpenFileLimit {
    /// The soft limit before and after, or nil when it could not be read or was already the hard one.
    static func raiseToHard() -> (before: UInt64, after: UInt64)? {
        var limit = rlimit()
        guard getrlimit(resourceNumber, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return nil }
        let before = UInt64(limit.rlim_cur)
        limit.rlim_cur = limit.rlim_max
        guard setrlimit(resourceNumber, &limit) == 0 else { return nil }
        return (before, UInt64(limit.rlim_max))
    }

    #if os(Linux)
    private static let resourceNumber = __rlimit_resource_t(UInt32(RLIMIT_NOFILE.rawValue))
    #else
    private static let resourceNumber = RLIMIT_NOFILE
    #endif
}
