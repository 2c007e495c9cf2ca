import CCurl
import Crypto
import Foundation

/// One HTTP exchange over libcurl (with `HandlePool`, the only code that touches libcurl).
///
/// Request bodies stream from memory or from a file; response bodies go to memory or, for a
/// successful download, straight to a file. Both directions can be hashed on the way. `perform`
/// blocks; `APIClient` runs it off Swift's cooperative threads.
struct CurlTransfer {
    enum Body {
        case none
        case bytes([UInt8], contentType: String)
        /// Streams `size` bytes from an open file.
        case file(descriptor: Int32, size: Int64, contentType: String)
        /// Streams `length` bytes of an open file from `offset` (a chunk of a resumable upload).
        case fileRange(descriptor: Int32, offset: Int64, length: Int64, contentType: String)
    }

    enum Sink {
        case memory
        /// A 2xx response body is written here; an error body still goes to memory. With `prefix`,
        /// the file already holds the content's first bytes and a 206 goes on after them; a 200 (the
        /// content changed, `If-Range` did not match) empties the file first.
        case file(descriptor: Int32, prefix: Prefix? = nil)
    }

    /// The bytes a download already has: how many, and their SHA-256 so far.
    struct Prefix {
        var bytes: Int64
        var hasher: SHA256
    }

    struct Result {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        /// SHA-256 (hex) of the request body sent, for file bodies.
        var sentSHA256: String?
        /// SHA-256 (hex) of the content in a file sink (its prefix included).
        var receivedSHA256: String?
        /// The bytes of content in a file sink (its prefix included).
        var receivedBytes: Int64
    }

    var method: String
    var url: String
    var headers: [String] = []
    var body: Body = .none
    var sink: Sink = .memory
    /// Abort when less than 1 byte/s moves for this long.
    var stallTimeout: Int = 60
    var connectTimeout: Int = 15

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// Runs the exchange. Throws `ClientError.network`, `.cancelled` or `.localIO`.
    func perform(control: TransferControl?) throws(ClientError) -> Result {
        _ = Self.globalInit
        guard let pooled = HandlePool.take() else { throw .network(message: "libcurl could not start") }
        defer { HandlePool.give(pooled) }
        let handle = pooled.pointer
        let state = TransferState(body: body, sink: sink, control: control)
        let context = Unmanaged.passUnretained(state).toOpaque()

        papers_curl_set_string(handle, CURLOPT_URL, url)
        papers_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
        papers_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT, connectTimeout)
        papers_curl_set_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1)
        papers_curl_set_long(handle, CURLOPT_LOW_SPEED_TIME, stallTimeout)
        papers_curl_set_string(handle, CURLOPT_USERAGENT, "papers/0.1")
        papers_curl_set_string(handle, CURLOPT_ACCEPT_ENCODING, "")
        if let caFile = TLSTrust.caFile { papers_curl_set_string(handle, CURLOPT_CAINFO, caFile) }

        var list: UnsafeMutablePointer<curl_slist>?
        var allHeaders = headers
        switch body {
        case .none:
            if method == "HEAD" {
                papers_curl_set_long(handle, CURLOPT_NOBODY, 1)
            } else if method != "GET" {
                papers_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, method)
            }
        case .bytes(let bytes, let contentType):
            allHeaders.append("Content-Type: \(contentType)")
            papers_curl_set_long(handle, CURLOPT_POST, 1)
            papers_curl_set_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count))
            papers_curl_set_read_callback(handle, readCallback)
            papers_curl_set_pointer(handle, CURLOPT_READDATA, context)
            papers_curl_set_seek_callback(handle, seekCallback)
            papers_curl_set_pointer(handle, CURLOPT_SEEKDATA, context)
            if method != "POST" { papers_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, method) }
        case .file(_, let size, let contentType), .fileRange(_, _, let size, let contentType):
            allHeaders.append("Content-Type: \(contentType)")
            papers_curl_set_long(handle, CURLOPT_POST, 1)
            papers_curl_set_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(size))
            papers_curl_set_read_callback(handle, readCallback)
            papers_curl_set_pointer(handle, CURLOPT_READDATA, context)
            papers_curl_set_seek_callback(handle, seekCallback)
            papers_curl_set_pointer(handle, CURLOPT_SEEKDATA, context)
            if method != "POST" { papers_curl_set_string(handle, CURLOPT_CUSTOMREQUEST, method) }
        }
        for header in allHeaders { list = curl_slist_append(list, header) }
        defer { curl_slist_free_all(list) }
        papers_curl_set_headers(handle, list)
        papers_curl_set_write_callback(handle, writeCallback)
        papers_curl_set_pointer(handle, CURLOPT_WRITEDATA, context)
        papers_curl_set_header_callback(handle, headerCallback)
        papers_curl_set_pointer(handle, CURLOPT_HEADERDATA, context)
        papers_curl_set_long(handle, CURLOPT_NOPROGRESS, 0)
        papers_curl_set_progress_callback(handle, progressCallback)
        papers_curl_set_pointer(handle, CURLOPT_XFERINFODATA, context)
        state.handle = handle

        let code = curl_easy_perform(handle)
        if let failure = state.failure { throw failure }
        if code == CURLE_ABORTED_BY_CALLBACK, control?.isCancelled == true { throw .cancelled }
        var status = 0
        papers_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        // A server may refuse an upload before its body is sent (409, 413, 507) and close; when its
        // answer arrived before the connection broke, that answer is what the user needs to read.
        let answeredEarly = (code == CURLE_SEND_ERROR || code == CURLE_RECV_ERROR) && status >= 400 && !state.memory.isEmpty
        guard code == CURLE_OK || answeredEarly else {
            throw .network(message: String(cString: curl_easy_strerror(code)))
        }
        state.finishHashes()
        return Result(
            status: status, headers: state.responseHeaders, body: state.memory, sentSHA256: state.sentHash.map(Self.hex),
            receivedSHA256: state.fileHash.map(Self.hex), receivedBytes: state.fileBytes)
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}

/// What the C callbacks see (through the `void *` context).
private final class TransferState {
    let body: CurlTransfer.Body
    let sink: CurlTransfer.Sink
    let control: TransferControl?
    var handle: UnsafeMutableRawPointer?
    var sentOffset = 0
    var sendHasher = SHA256()
    var fileHasher = SHA256()
    var fileBytes: Int64 = 0
    var memory: [UInt8] = []
    var responseHeaders: [String: String] = [:]
    var failure: ClientError?
    let started = ContinuousClock.now
    var lastReport = ContinuousClock.now - .seconds(1)
    var status: Int?
    var sentHash: SHA256.Digest?
    var fileHash: SHA256.Digest?

    /// Where a `.file` body's descriptor stood before the first byte was read (for a rewind).
    let fileStart: off_t

    init(body: CurlTransfer.Body, sink: CurlTransfer.Sink, control: TransferControl?) {
        self.body = body
        self.sink = sink
        self.control = control
        if case .file(let descriptor, _, _) = body { fileStart = lseek(descriptor, 0, SEEK_CUR) } else { fileStart = -1 }
        if case .file(_, let prefix?) = sink {
            fileHasher = prefix.hasher
            fileBytes = prefix.bytes
            prefixBytes = prefix.bytes
            hasPrefix = true
        }
    }

    /// A download that resumes after a prefix and gets the whole content (200) starts over.
    var hasPrefix = false
    /// Bytes the file sink had before this exchange (progress counts them as done).
    var prefixBytes: Int64 = 0

    /// The response status, read once the headers are in.
    var responseStatus: Int {
        if let status { return status }
        var value = 0
        papers_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &value)
        status = value
        return value
    }

    func finishHashes() {
        if case .file = body, sentHash == nil { sentHash = sendHasher.finalize() }
        if case .file = sink, fileHash == nil, (200..<300).contains(responseStatus) { fileHash = fileHasher.finalize() }
    }
}

private func state(_ context: UnsafeMutableRawPointer?) -> TransferState {
    Unmanaged<TransferState>.fromOpaque(context!).takeUnretainedValue()
}

private let readCallback: papers_curl_data_callback = { buffer, size, count, context in
    let state = state(context)
    let capacity = size * count
    guard let buffer, capacity > 0 else { return 0 }
    switch state.body {
    case .none:
        return 0
    case .bytes(let bytes, _):
        let n = min(capacity, bytes.count - state.sentOffset)
        bytes.withUnsafeBytes { raw in
            UnsafeMutableRawPointer(buffer).copyMemory(from: raw.baseAddress! + state.sentOffset, byteCount: n)
        }
        state.sentOffset += n
        return n
    case .file(let descriptor, _, _):
        while true {
            let n = read(descriptor, buffer, capacity)
            if n < 0, errno == EINTR { continue }
            if n < 0 {
                state.failure = .localIO(message: "cannot read the file being uploaded: \(String(cString: strerror(errno)))")
                return papers_curl_read_abort()
            }
            if n == 0 {
                if state.sentHash == nil { state.sentHash = state.sendHasher.finalize() }
            } else {
                state.sendHasher.update(bufferPointer: UnsafeRawBufferPointer(start: buffer, count: n))
            }
            return n
        }
    case .fileRange(let descriptor, let offset, let length, _):
        let wanted = min(capacity, Int(length) - state.sentOffset)
        guard wanted > 0 else { return 0 }
        while true {
            let n = pread(descriptor, buffer, wanted, off_t(offset) + off_t(state.sentOffset))
            if n < 0, errno == EINTR { continue }
            if n <= 0 {
                state.failure = .localIO(
                    message: n == 0 ? "the file being uploaded got shorter" : "cannot read the file being uploaded: \(String(cString: strerror(errno)))")
                return papers_curl_read_abort()
            }
            state.sentOffset += n
            return n
        }
    }
}

/// Sends the body again from its start: libcurl asks when a kept-alive connection it reused turned
/// out closed by the server before the answer (it then retries on a new one) or when an HTTP/2
/// stream was refused. Only a rewind to the start is ever asked for.
private let seekCallback: papers_curl_seek_callback = { context, offset, origin in
    let state = state(context)
    guard offset == 0, origin == SEEK_SET else { return papers_curl_seek_cannot() }
    switch state.body {
    case .none, .bytes, .fileRange:
        state.sentOffset = 0
    case .file(let descriptor, _, _):
        guard state.fileStart >= 0, lseek(descriptor, state.fileStart, SEEK_SET) == state.fileStart else { return papers_curl_seek_cannot() }
        state.sendHasher = SHA256()
        state.sentHash = nil
    }
    return papers_curl_seek_ok()
}

private let writeCallback: papers_curl_data_callback = { buffer, size, count, context in
    let state = state(context)
    let n = size * count
    guard let buffer, n > 0 else { return n }
    let bytes = UnsafeRawBufferPointer(start: buffer, count: n)
    if case .file(let descriptor, _) = state.sink, (200..<300).contains(state.responseStatus) {
        if state.hasPrefix {
            state.hasPrefix = false
            if state.responseStatus == 200 {
                guard ftruncate(descriptor, 0) == 0, lseek(descriptor, 0, SEEK_SET) == 0 else {
                    state.failure = .localIO(message: "cannot start the download over: \(String(cString: strerror(errno)))")
                    return 0
                }
                state.fileHasher = SHA256()
                state.fileBytes = 0
                state.prefixBytes = 0
            }
        }
        state.fileHasher.update(bufferPointer: bytes)
        var offset = 0
        while offset < n {
            let written = write(descriptor, bytes.baseAddress! + offset, n - offset)
            if written < 0, errno == EINTR { continue }
            if written < 0 {
                state.failure = .localIO(message: "cannot write the download: \(String(cString: strerror(errno)))")
                return 0
            }
            offset += written
        }
        state.fileBytes += Int64(n)
        return n
    }
    guard state.memory.count + n <= 64 << 20 else {
        state.failure = .badResponse(message: "the answer is larger than 64 MiB")
        return 0
    }
    state.memory.append(contentsOf: bytes)
    return n
}

private let headerCallback: papers_curl_data_callback = { buffer, size, count, context in
    let state = state(context)
    let n = size * count
    guard let buffer else { return n }
    let line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: n), as: UTF8.self)
    if line.hasPrefix("HTTP/") {
        state.responseHeaders = [:]  // a 100 Continue came first; keep the final answer's headers only
        state.status = nil
    } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        state.responseHeaders[name] = value
    }
    return n
}

private let progressCallback: papers_curl_progress_callback = { context, downloadTotal, downloaded, uploadTotal, uploaded in
    let state = state(context)
    if state.control?.isCancelled == true { return 1 }
    guard let onProgress = state.control?.onProgress else { return 0 }
    let now = ContinuousClock.now
    guard now - state.lastReport >= .milliseconds(100) else { return 0 }
    state.lastReport = now
    let isUpload: Bool
    switch state.body {
    case .file, .fileRange: isUpload = true
    default: isUpload = false
    }
    let moved = Int64(isUpload ? uploaded : downloaded)
    let total = Int64(isUpload ? uploadTotal : downloadTotal)
    let done = isUpload ? 0 : state.prefixBytes
    let elapsed = now - state.started
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    onProgress(
        TransferProgress(bytes: done + moved, total: total > 0 ? done + total : nil, bytesPerSecond: seconds > 0 ? Double(moved) / seconds : 0))
    return 0
}
