import CCurl
import Synchronization

/// libcurl easy handles kept between exchanges, so that the next exchange finds its connection
/// open: kept-alive HTTP/1.1 or HTTP/2, the TLS session and the DNS answer are all in the handle
/// and survive `curl_easy_reset`. Without it every request paid a TCP (and TLS) handshake, which is
/// most of the cost of a small file in `put -r`/`get -r`.
///
/// A handle serves one exchange at a time; parallel transfers take one each. At most `kept` idle
/// handles stay (the most `--transfers` allows); more are cleaned up when returned. A handle that
/// failed is reset like any other: libcurl closes a connection it cannot trust before reuse.
enum HandlePool {
    /// A `CURL *`, moved between threads only while no exchange runs on it.
    struct Handle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }

    static let kept = 16
    private static let idle = Mutex<[Handle]>([])

    /// A handle with libcurl's default options, reused when one is idle.
    static func take() -> Handle? {
        if let handle = idle.withLock({ $0.popLast() }) {
            curl_easy_reset(handle.pointer)
            return handle
        }
        return curl_easy_init().map(Handle.init)
    }

    /// Gives a handle back once its exchange is over.
    static func give(_ handle: Handle) {
        let keep = idle.withLock { handles in
            guard handles.count < kept else { return false }
            handles.append(handle)
            return true
        }
        if !keep { curl_easy_cleanup(handle.pointer) }
    }
}
