/// Keeps the server's memory flat while it streams.
///
/// Transfers allocate and free many 128–256 KiB buffers on different threads. glibc's malloc raises
/// its mmap threshold each time such a buffer is freed, after which the buffers come from per-thread
/// heap arenas that are never given back: eight parallel 256 MiB downloads grew the process by
/// ~400 MiB and kept it. A fixed threshold keeps these buffers mmapped, returned to the kernel on
/// free (measured: +35 MiB peak, back to the baseline afterwards).
enum MemoryTuning {
    static func apply() {
        #if os(Linux)
        _ = glibcMallopt(mmapThreshold, 128 * 1024)
        // Fixing the mmap threshold also fixes the trim threshold at its 128 KiB default: every free
        // that leaves more than that at the top of a heap gave it back with madvise, and the next
        // allocation faulted the pages in again (with a TLB shootdown across cores each time) — a
        // tenth of a small upload's CPU, measured. Up to 4 MiB per heap may now stay unreturned.
        _ = glibcMallopt(trimThreshold, 4 * 1024 * 1024)
        #endif
    }

    /// `M_MMAP_THRESHOLD` of `<malloc.h>`, which Swift's Glibc module does not export.
    private static let mmapThreshold: Int32 = -3
    /// `M_TRIM_THRESHOLD`.
    private static let trimThreshold: Int32 = -1
}

#if os(Linux)
@_silgen_name("mallopt") private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
