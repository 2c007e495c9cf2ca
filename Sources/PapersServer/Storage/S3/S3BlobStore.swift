import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Content in an S3-compatible bucket (`--blobs s3://bucket/prefix?endpoint=...&region=...`), keyed
/// `prefix/ab/cd/<sha256>` like the disk store's folders.
///
/// A commit asks with HEAD whether the key holds the content already (deduplication) and otherwise
/// sends it from the staging file: one PUT below `singlePutLimit`, signed with the content's SHA-256
/// (the store checks the bytes against it), or a multipart upload of `partSize` parts, `partsInFlight`
/// at a time, each signed with its own SHA-256 and read from the file as it is sent (memory stays at a
/// few chunks whatever the size). A multipart upload that fails is aborted; one that a crash left
/// behind is aborted by the collector once older than `abandonedUploadAge`. Reads are one ranged GET
/// streamed to the client (`S3ObjectReader`).
final class S3BlobStore: BlobStore {
    let client: S3Client
    var kind: String { "s3" }
    /// Below this, one PUT; from it on, a multipart upload.
    static let singlePutLimit: Int64 = 16 << 20
    static let partSize: Int64 = 16 << 20
    static let partsInFlight = 4
    /// Incomplete multipart uploads older than this are a crash's leftovers.
    let abandonedUploadAge: TimeInterval
    /// The multipart uploads this process is sending now, never aborted as leftovers whatever the
    /// store says of their age (moto, for one, dates every upload 2010-11-10).
    private let sending = Mutex<Set<String>>([])

    init(location: S3Location, credentials: SigV4.Credentials) {
        client = S3Client(location: location, credentials: credentials)
        abandonedUploadAge = location.abandonedUploadAge
    }

    var location: S3Location { client.location }

    func commit(_ content: FinishedBlob) async throws -> BlobCommit {
        let key = location.key(for: content.sha256)
        if try await storedSize(key) == content.size { return BlobCommit(wrote: false, tookStagingFile: false) }
        if content.size < Self.singlePutLimit {
            _ = try await client.call(
                .PUT, key: key, headers: [("content-type", "application/octet-stream")],
                body: .file(path: content.temporaryPath, offset: 0, length: content.size), payloadHash: content.sha256,
                deadline: Self.deadline(for: content.size))
        } else {
            try await uploadInParts(content, key: key)
        }
        return BlobCommit(wrote: true, tookStagingFile: false)
    }

    /// The size of the object at `key`, `nil` when there is none.
    private func storedSize(_ key: String) async throws -> Int64? {
        let answer = try await client.call(.HEAD, key: key, allowMissing: true)
        guard answer.status == .ok else { return nil }
        return answer.headers.first(name: "content-length").flatMap { Int64($0) }
    }

    /// Time enough for `size` bytes at 1 MB/s, plus a minute.
    static func deadline(for size: Int64) -> NIODeadline { .now() + .seconds(60 + size / 1_000_000) }

    private func uploadInParts(_ content: FinishedBlob, key: String) async throws {
        let started = try await client.call(.POST, key: key, query: [("uploads", "")], headers: [("content-type", "application/octet-stream")])
        guard let uploadID = S3XML.values(of: "UploadId", in: started.body).first, !uploadID.isEmpty else {
            throw BlobStoreError.unavailable(detail: "POST \(key)?uploads: no UploadId in the answer")
        }
        sending.withLock { _ = $0.insert(uploadID) }
        defer { sending.withLock { _ = $0.remove(uploadID) } }
        do {
            let count = Int((content.size + Self.partSize - 1) / Self.partSize)
            var etags = [String](repeating: "", count: count)
            try await withThrowingTaskGroup(of: (Int, String).self) { group in
                var next = 0
                func start(_ index: Int) {
                    group.addTask { (index, try await self.uploadPart(index, of: content, key: key, uploadID: uploadID)) }
                }
                while next < min(Self.partsInFlight, count) {
                    start(next)
                    next += 1
                }
                while let (index, etag) = try await group.next() {
                    etags[index] = etag
                    if next < count {
                        start(next)
                        next += 1
                    }
                }
            }
            let body = ByteBuffer(string: S3XML.completion(etags))
            let done = try await client.call(
                .POST, key: key, query: [("uploadId", uploadID)], headers: [("content-type", "application/xml")], body: .bytes(body),
                payloadHash: HexDigest.string(SHA256.hash(data: Data(buffer: body))), deadline: .now() + .seconds(120))
            // The completion's errors may come in a 200 answer's body.
            if done.body.contains("<Error>") {
                throw BlobStoreError.unavailable(detail: "completing \(key): \(S3Client.errorCode(ByteBuffer(string: done.body)))")
            }
        } catch {
            _ = try? await client.call(.DELETE, key: key, query: [("uploadId", uploadID)], allowMissing: true)
            throw error
        }
    }

    /// Sends part `index` (from 0) and returns its entity tag.
    private func uploadPart(_ index: Int, of content: FinishedBlob, key: String, uploadID: String) async throws -> String {
        let offset = Int64(index) * Self.partSize
        let length = min(Self.partSize, content.size - offset)
        let hash = try await FileRangeChunks.sha256(of: content.temporaryPath, offset: offset, length: length)
        let response = try await client.call(
            .PUT, key: key, query: [("partNumber", String(index + 1)), ("uploadId", uploadID)],
            body: .file(path: content.temporaryPath, offset: offset, length: length), payloadHash: hash, deadline: Self.deadline(for: length))
        guard let etag = response.headers.first(name: "etag") else {
            throw BlobStoreError.unavailable(detail: "PUT \(key) part \(index + 1): no ETag in the answer")
        }
        return etag
    }

    func open(_ sha256: String, range: Range<Int64>) async throws -> any BlobSource {
        try await S3ObjectReader(client: client, key: location.key(for: sha256), range: range)
    }

    func contains(_ sha256: String) async throws -> Bool {
        try await storedSize(location.key(for: sha256)) != nil
    }

    func remove(_ hashes: [String]) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, sha256) in hashes.enumerated() {
                if index >= 8 { try await group.next() }
                group.addTask { _ = try await self.client.call(.DELETE, key: self.location.key(for: sha256), allowMissing: true) }
            }
            try await group.waitForAll()
        }
    }

    /// One ListObjectsV2 page (up to 1,000 keys) at a time.
    func stored(writtenBefore cutoff: Date, page: ([String]) async throws -> Void) async throws {
        var token: String?
        repeat {
            var query = [("list-type", "2")]
            if !location.listPrefix.isEmpty { query.append(("prefix", location.listPrefix)) }
            if let token { query.append(("continuation-token", token)) }
            let text = try await client.call(.GET, key: nil, query: query).body
            var hashes: [String] = []
            for object in S3XML.records(of: "Contents", fields: ["Key", "LastModified"], in: text) {
                guard let key = object["Key"], let modified = object["LastModified"].flatMap(S3BlobStore.date), modified < cutoff else { continue }
                let parts = key.dropFirst(location.listPrefix.count).split(separator: "/")
                if parts.count == 3, parts[2].count == 64, parts[2].allSatisfy(\.isHexDigit) { hashes.append(String(parts[2])) }
            }
            if !hashes.isEmpty { try await page(hashes) }
            token = S3XML.values(of: "IsTruncated", in: text).first == "true" ? S3XML.values(of: "NextContinuationToken", in: text).first : nil
        } while token != nil
    }

    func removeAbandonedWrites(now: Date) async throws -> Int {
        var query = [("uploads", "")]
        if !location.listPrefix.isEmpty { query.append(("prefix", location.listPrefix)) }
        let text = try await client.call(.GET, key: nil, query: query).body
        var aborted = 0
        for upload in S3XML.records(of: "Upload", fields: ["Key", "UploadId", "Initiated"], in: text) {
            guard let key = upload["Key"], let id = upload["UploadId"], let started = upload["Initiated"].flatMap(S3BlobStore.date),
                started < now.addingTimeInterval(-abandonedUploadAge), !sending.withLock({ $0.contains(id) })
            else { continue }
            _ = try await client.call(.DELETE, key: key, query: [("uploadId", id)], allowMissing: true)
            aborted += 1
        }
        return aborted
    }

    func ping() async throws {
        _ = try await client.call(.HEAD, key: nil, deadline: .now() + .seconds(3))
    }

    /// S3's dates: `2026-12-03T05:32:30.000Z` (fractions optional).
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}

/// A ranged GET of an object, its body handed out chunk by chunk as the client takes them; the
/// socket's buffer reads ahead while a chunk is being sent, so a download is not one round trip per
/// chunk. The request is made by `init`, so a missing object is an error before the response starts.
/// A body cut off mid-way (a reset, or the store's idle timeout while our client was slow to take
/// the bytes) is asked for again from where it stopped, twice at most.
final class S3ObjectReader: BlobSource, @unchecked Sendable {
    // `@unchecked`: `ContentController` asks for one chunk at a time and waits for it, so the
    // iterator is never used by two tasks at once.
    private let client: S3Client
    private let key: String
    private var iterator: HTTPClientResponse.Body.AsyncIterator
    private var position: Int64
    private let end: Int64
    private var resumes = 0
    /// Chunks are gathered up to this size (the socket delivers a few KiB at a time).
    static let chunk = 256 << 10

    /// - Throws: `StoreError.blobMissing` when the object is not there, `BlobStoreError` when the store
    ///   does not answer or refuses.
    init(client: S3Client, key: String, range: Range<Int64>) async throws {
        self.client = client
        self.key = key
        position = range.lowerBound
        end = range.upperBound
        iterator = try await Self.get(client, key, range)
    }

    private static func get(_ client: S3Client, _ key: String, _ range: Range<Int64>) async throws -> HTTPClientResponse.Body.AsyncIterator {
        let headers = range.isEmpty ? [] : [("range", "bytes=\(range.lowerBound)-\(range.upperBound - 1)")]
        let response = try await client.send(.GET, key: key, headers: headers, deadline: .distantFuture, allowMissing: true)
        guard response.status != .notFound else { throw StoreError.blobMissing }
        return response.body.makeAsyncIterator()
    }

    func read(at offset: Int64, end: Int64) async throws -> ByteBuffer {
        precondition(offset == position && end <= self.end, "reads of an S3 object go forward through the range it was opened for")
        var gathered: ByteBuffer?
        var iterator = self.iterator
        while (gathered?.readableBytes ?? 0) < Self.chunk, position < end {
            let next: ByteBuffer?
            do {
                next = try await iterator.next()
            } catch where resumes < 2 {
                resumes += 1
                iterator = try await Self.get(client, key, position..<self.end)
                continue
            }
            guard var next else { break }
            position += Int64(next.readableBytes)
            if gathered == nil { gathered = next } else { gathered!.writeBuffer(&next) }
        }
        self.iterator = iterator
        guard let gathered, gathered.readableBytes > 0 else { throw StoreError.blobMissing }
        return gathered
    }

    func recycle(_ buffer: ByteBuffer) {}
}
