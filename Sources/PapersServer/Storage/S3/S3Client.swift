import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Signed requests to one bucket over async-http-client, with retries: a request that meets a
/// reset connection, a refused connection or a 5xx goes again after 0.1 and then 0.4 s (every
/// request Papers sends is idempotent, or harmless to repeat: a repeated multipart start leaves an
/// upload that the collector aborts later).
struct S3Client: Sendable {
    let location: S3Location
    let signer: SigV4

    /// One client for the process, never shut down (the stores live as long as the process).
    /// Connections are kept 60 s; a connection that sends or receives nothing for 30 s is dropped.
    /// The connect timeout is short because the pool keeps trying to connect until it passes: with
    /// three attempts, a store that is down is a 503 in about 6.5 s.
    static let http = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: {
            var c = HTTPClient.Configuration(
                redirectConfiguration: .disallow, timeout: .init(connect: .seconds(2), read: .seconds(30), write: .seconds(30)),
                connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 32), decompression: .disabled)
            c.httpVersion = .http1Only
            return c
        }())

    /// What goes up with a request.
    enum Body: Sendable {
        case empty
        case bytes(ByteBuffer)
        /// `length` bytes of a file from `offset`, read as they are sent.
        case file(path: String, offset: Int64, length: Int64)
    }

    static let attempts = 3

    init(location: S3Location, credentials: SigV4.Credentials) {
        self.location = location
        signer = SigV4(credentials: credentials, region: location.region, service: "s3")
    }

    /// A whole answer: status, headers, and the body (the S3 API's answers are small XML documents).
    struct Answer: Sendable {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: String
    }

    /// Sends one request and reads its whole answer (a 2xx, or 404 when `allowMissing`); reading it
    /// all lets the connection go back to the pool. `key` nil addresses the bucket itself.
    /// - Throws: as `send`.
    func call(
        _ method: HTTPMethod, key: String?, query: [(String, String)] = [], headers: [(String, String)] = [], body: Body = .empty,
        payloadHash: String = SigV4.emptyPayloadHash, deadline: NIODeadline = .now() + .seconds(30), allowMissing: Bool = false
    ) async throws -> Answer {
        let response = try await send(
            method, key: key, query: query, headers: headers, body: body, payloadHash: payloadHash, deadline: deadline, allowMissing: allowMissing)
        do {
            let bytes = try await response.body.collect(upTo: 16 << 20)
            return Answer(status: response.status, headers: response.headers, body: String(buffer: bytes))
        } catch {
            throw BlobStoreError.unavailable(detail: "\(method) \(key ?? "bucket"): the answer was cut off: \(error)")
        }
    }

    /// Sends one request and returns its answer with the body not yet read (a 2xx, or 404 when
    /// `allowMissing`), for a body to stream. `key` nil addresses the bucket itself.
    /// - Throws: `BlobStoreError.refused` for 403 (and 404 without `allowMissing`), `.unavailable`
    ///   when the store does not answer or answers 5xx after the retries.
    func send(
        _ method: HTTPMethod, key: String?, query: [(String, String)] = [], headers extra: [(String, String)] = [], body: Body = .empty,
        payloadHash: String = SigV4.emptyPayloadHash, deadline: NIODeadline = .now() + .seconds(30), allowMissing: Bool = false
    ) async throws -> HTTPClientResponse {
        let base = location.base
        let path = base.pathPrefix + (key.map { "/" + SigV4.encodePath($0) } ?? (base.pathPrefix.isEmpty ? "/" : ""))
        let queryString = SigV4.canonicalQuery(query)
        var pause = Duration.milliseconds(100)
        var attempt = 1
        while true {
            let response: HTTPClientResponse
            do {
                response = try await Self.http.execute(
                    request(method, path: path, query: query, queryString: queryString, host: base.host, url: base.url, headers: extra,
                            body: body, payloadHash: payloadHash),
                    deadline: deadline)
            } catch {
                guard attempt < Self.attempts, NIODeadline.now() < deadline else {
                    throw BlobStoreError.unavailable(detail: "\(method) \(path): \(error)")
                }
                try await Task.sleep(for: pause)
                pause *= 4
                attempt += 1
                continue
            }
            switch response.status.code {
            case 200..<300:
                return response
            case 404 where allowMissing:
                return response
            case 500..<600 where attempt < Self.attempts:
                _ = try? await response.body.collect(upTo: 64 << 10)
                try await Task.sleep(for: pause)
                pause *= 4
                attempt += 1
            default:
                var code = Self.errorCode(try? await response.body.collect(upTo: 64 << 10))
                if code.isEmpty {
                    // HEAD answers have no body to say why.
                    code = [403: "Forbidden (wrong credentials, or no permission)", 404: "Not Found (no such bucket)"][Int(response.status.code)]
                        ?? response.status.reasonPhrase
                }
                let detail = "\(method) \(path): \(response.status.code) \(code)"
                if response.status.code == 403 || response.status.code == 404 || response.status.code == 400 || response.status.code == 301 {
                    throw BlobStoreError.refused(detail: detail)
                }
                throw BlobStoreError.unavailable(detail: detail)
            }
        }
    }

    private func request(
        _ method: HTTPMethod, path: String, query: [(String, String)], queryString: String, host: String, url: String,
        headers extra: [(String, String)], body: Body, payloadHash: String
    ) -> HTTPClientRequest {
        let date = Date()
        var signed: [(String, String)] = [("host", host), ("x-amz-content-sha256", payloadHash), ("x-amz-date", SigV4.timestamp(date).stamp)]
        if let token = signer.credentials.sessionToken { signed.append(("x-amz-security-token", token)) }
        signed += extra.filter { $0.0.lowercased().hasPrefix("x-amz-") }
        let authorization = signer.authorization(
            for: SigV4.Request(method: method.rawValue, encodedPath: path, query: query, headers: signed, payloadHash: payloadHash), at: date)
        var request = HTTPClientRequest(url: url + path + (queryString.isEmpty ? "" : "?" + queryString))
        request.method = method
        for (name, value) in signed + extra.filter({ !$0.0.lowercased().hasPrefix("x-amz-") }) { request.headers.add(name: name, value: value) }
        request.headers.add(name: "authorization", value: authorization)
        switch body {
        case .empty:
            if method == .PUT || method == .POST { request.body = .bytes(ByteBuffer()) }
        case .bytes(let buffer):
            request.body = .bytes(buffer)
        case .file(let path, let offset, let length):
            request.body = .stream(FileRangeChunks(path: path, offset: offset, length: length), length: .known(length))
        }
        return request
    }

    /// The `<Code>` of an S3 error body, or what there is of the body.
    static func errorCode(_ body: ByteBuffer?) -> String {
        guard let body, let text = body.getString(at: body.readerIndex, length: body.readableBytes) else { return "" }
        if let code = S3XML.values(of: "Code", in: text).first {
            return code + (S3XML.values(of: "Message", in: text).first.map { ": " + $0 } ?? "")
        }
        return String(text.prefix(200))
    }
}

/// What the object store did wrong, in the user's terms; answered as 503 (`APIError+mapping.swift`).
enum BlobStoreError: Error, Sendable, Equatable {
    /// The store does not answer, or answers with server errors. `detail` is for the log only.
    case unavailable(detail: String)
    /// The store refuses us: wrong credentials, no such bucket, no permission. `detail` is for the log.
    case refused(detail: String)
}
