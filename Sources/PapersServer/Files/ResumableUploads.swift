import Crypto
import Foundation
import Logging
import NIOCore
import PapersCore
import ServiceLifecycle
import Synchronization

/// The use cases of resumable uploads (tus at `/api/v1/user/<id>/uploads/`): create one with its
/// target checked, append bytes at an offset, ask how far it got, end it; once its bytes are all
/// there it is committed through `FileService.createFile` exactly as an ordinary upload. Also the
/// service that sweeps expired uploads (`--upload-expiry`).
///
/// The whole upload's SHA-256 is kept in memory while its appends arrive in order at this process;
/// after a restart, or when another process appended, the bytes are hashed again at completion.
final class ResumableUploads: Service, Sendable {
    let store: ResumableUploadStore
    let files: FileService
    /// How long an unfinished upload waits for its bytes.
    let expiry: TimeInterval
    let sweepInterval: TimeInterval
    let now: @Sendable () -> Date
    let logger: Logger
    /// `PATCH` bodies being appended now (`/metrics`' uploads in flight).
    let appending = ActivityCounter()
    private let hashes = Mutex<[String: RunningHash]>([:])
    /// The append running in this process for each upload, to be asked to stop by a newer PATCH.
    private let holders = Mutex<[String: AppendHolder]>([:])

    private struct RunningHash: Sendable {
        var offset: Int64
        var sha = SHA256()
    }

    /// What one append hashes while its chunks arrive (changed only by the task receiving the body).
    private final class ChunkHashes: @unchecked Sendable {
        var running: RunningHash?
        var sha1: Insecure.SHA1?
        var sha256: SHA256?

        init(running: RunningHash?, checksum: Checksum?) {
            self.running = running
            sha1 = checksum?.algorithm == .sha1 ? Insecure.SHA1() : nil
            sha256 = checksum?.algorithm == .sha256 ? SHA256() : nil
        }
    }

    init(store: ResumableUploadStore, files: FileService, expiry: TimeInterval, sweepInterval: TimeInterval, now: @escaping @Sendable () -> Date,
         logger: Logger) {
        self.store = store
        self.files = files
        self.expiry = expiry
        self.sweepInterval = sweepInterval
        self.now = now
        self.logger = logger
    }

    /// What a new upload is to become.
    struct Target: Sendable {
        var parentId: String?
        var name: String
        var onConflict: OnConflict
        var length: Int64
        var sha256: String?
        var metadata: String?
    }

    /// Checks the target as an upload of `length` bytes would be checked, and records the upload.
    /// When `sha256` names content the caller already stores in one of their own files, the upload
    /// is committed at once (nothing needs to be sent); only the caller's own content counts.
    /// - Throws: `StoreError.nodeNotFound` / `.notAFolder` / `.nameConflict`, `UploadError.tooLarge` /
    ///   `.quotaExceeded`, `UploadError` when the disk refuses.
    func create(ownerId: String, _ target: Target) async throws -> (upload: ResumableUpload, node: NodeRecord?) {
        let (existing, limit) = try await files.uploadTarget(ownerId: ownerId, parentId: target.parentId, name: target.name)
        try limit.check(target.length)
        if target.onConflict == .fail, existing.nameTaken { throw StoreError.nameConflict(name: target.name) }
        let created = now()
        let createdMs = Int64(created.timeIntervalSince1970 * 1000)
        var upload = ResumableUpload(
            id: RandomID.uuid(), ownerId: ownerId, parentId: target.parentId, name: target.name,
            mimeType: MimeType.forName(target.name) ?? MimeType.fallback, onConflict: target.onConflict, length: target.length,
            sha256: target.sha256, metadata: target.metadata, createdMs: createdMs, expiresMs: createdMs + Int64(expiry * 1000))
        if let sha256 = target.sha256, let node = try await files.createFileFromOwnContent(
            ownerId: ownerId, parentId: target.parentId, name: target.name, mimeType: upload.mimeType,
            sha256: sha256, size: target.length, onConflict: target.onConflict)
        {
            upload.nodeId = node.id
            try await store.save(upload)
            return (upload, node)
        }
        try await store.create(upload)
        hashes.withLock { $0[upload.id] = RunningHash(offset: 0) }
        if target.length == 0 { return try await complete(upload) }
        return (upload, nil)
    }

    /// The caller's upload and its offset.
    /// - Throws: `ResumableUploadError.notFound` (also for another user's), `.expired`.
    func status(ownerId: String, id: String) throws -> (upload: ResumableUpload, offset: Int64) {
        let upload = try find(ownerId: ownerId, id: id)
        return (upload, store.offset(of: upload))
    }

    /// A chunk's promised digest (`Upload-Checksum`).
    struct Checksum: Sendable {
        enum Algorithm: String, Sendable { case sha1, sha256 }
        var algorithm: Algorithm
        var digest: [UInt8]
    }

    /// Appends `body` at `offset`, durable before it returns; commits the file when the upload is
    /// whole. Without a checksum, the bytes of a body cut off mid-way are kept (the client resumes
    /// after them); with one, a chunk that does not match — or is cut off — is dropped whole.
    /// - Throws: `ResumableUploadError` (`.notFound`, `.expired`, `.wrongOffset`, `.busy`, `.tooLong`,
    ///   `.checksumMismatch`), the body's error when it was cut off, and at completion what
    ///   `FileService.createFile` throws (the upload is then ended).
    func append<Body: AsyncSequence & Sendable>(
        ownerId: String, id: String, offset: Int64, body: Body, checksum: Checksum?
    ) async throws -> (upload: ResumableUpload, offset: Int64, node: NodeRecord?) where Body.Element == ByteBuffer {
        let upload = try find(ownerId: ownerId, id: id)
        if upload.isComplete {
            guard offset == upload.length else { throw ResumableUploadError.wrongOffset(expected: upload.length) }
            for try await chunk in body where chunk.readableBytes > 0 { throw ResumableUploadError.tooLong(length: upload.length) }
            return (upload, upload.length, nil)
        }
        let append = try await openForAppend(upload)
        guard append.start == offset else { throw ResumableUploadError.wrongOffset(expected: append.start) }
        let holder = AppendHolder()
        appending.enter()
        defer { appending.leave() }
        holders.withLock { $0[id] = holder }
        defer { holders.withLock { if $0[id] === holder { $0[id] = nil } } }
        let before = hashes.withLock { $0.removeValue(forKey: id) }.flatMap { $0.offset == offset ? $0 : nil }
        let hashed = ChunkHashes(running: before, checksum: checksum)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await chunk in body {
                        try append.write(chunk)
                        chunk.withUnsafeReadableBytes { bytes in
                            hashed.running?.sha.update(bufferPointer: bytes)
                            hashed.sha1?.update(bufferPointer: bytes)
                            hashed.sha256?.update(bufferPointer: bytes)
                        }
                    }
                }
                group.addTask {
                    // A newer PATCH of this upload (its client gave this connection up) takes over.
                    await holder.takeoverRequested()
                    if !Task.isCancelled { throw ResumableUploadError.takenOver }
                }
                defer { group.cancelAll() }
                _ = try await group.next()
            }
        } catch {
            if checksum != nil || (error is ResumableUploadError && error as? ResumableUploadError != .takenOver) {
                await append.undo()
                if let before { hashes.withLock { $0[id] = before } }
            } else {
                // Cut off (or taken over): what arrived stays, and the client resumes after it.
                try? await append.sync()
                if var running = hashed.running {
                    running.offset = append.offset
                    hashes.withLock { $0[id] = running }
                }
            }
            throw error is ResumableUploadError || error is UploadError ? error : ResumableUploadError.interrupted
        }
        if let checksum {
            let actual = hashed.sha1.map { Array($0.finalize()) } ?? hashed.sha256.map { Array($0.finalize()) } ?? []
            guard actual == checksum.digest else {
                await append.undo()
                if let before { hashes.withLock { $0[id] = before } }
                throw ResumableUploadError.checksumMismatch
            }
        }
        try await append.sync()
        let reached = append.offset
        if var running = hashed.running {
            running.offset = reached
            hashes.withLock { $0[id] = running }
        }
        guard reached == upload.length else { return (upload, reached, nil) }
        // Ended meanwhile (a DELETE while this append ran): nothing to commit.
        guard store.load(id) != nil else { throw ResumableUploadError.notFound }
        let (done, node) = try await complete(upload)
        return (done, reached, node)
    }

    /// Opens an upload's bytes for an append. While another append of this process holds them
    /// (a PATCH whose connection may be dead without the server knowing yet), that one is asked to
    /// stop — keeping what arrived — and this one waits up to 3 s for its turn.
    /// - Throws: `ResumableUploadError.busy` when the holder does not let go (or is another
    ///   process), `.notFound`.
    private func openForAppend(_ upload: ResumableUpload) async throws -> UploadAppend {
        do { return try store.openForAppend(upload) } catch ResumableUploadError.busy {
            guard let holder = holders.withLock({ $0[upload.id] }) else { throw ResumableUploadError.busy }
            holder.requestTakeover()
            let deadline = ContinuousClock.now + .seconds(3)
            while ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                do { return try store.openForAppend(upload) } catch ResumableUploadError.busy { continue }
            }
            throw ResumableUploadError.busy
        }
    }

    /// Ends an upload and removes its bytes (a committed file stays).
    /// - Throws: `ResumableUploadError.notFound` (also for another user's).
    func terminate(ownerId: String, id: String) async throws {
        guard let upload = store.load(id), upload.ownerId == ownerId else { throw ResumableUploadError.notFound }
        hashes.withLock { _ = $0.removeValue(forKey: id) }
        await store.remove(id)
    }

    /// Commits a whole upload as a file, as an ordinary upload would be; ends the upload when the
    /// commit is refused.
    private func complete(_ upload: ResumableUpload) async throws -> (upload: ResumableUpload, node: NodeRecord?) {
        let path = store.dataPath(upload.id)
        do {
            let running = hashes.withLock { $0.removeValue(forKey: upload.id) }
            let sha256 =
                if let running, running.offset == upload.length { HexDigest.string(running.sha.finalize()) } else {
                    try await FileRangeChunks.sha256(of: path, offset: 0, length: upload.length)
                }
            if let expected = upload.sha256, expected != sha256 { throw UploadError.checksumMismatch(expected: expected, actual: sha256) }
            let content = FinishedBlob(temporaryPath: path, sha256: sha256, size: upload.length)
            let (node, _) = try await files.createFile(
                ownerId: upload.ownerId, parentId: upload.parentId, name: upload.name, mimeType: upload.mimeType, content: content,
                onConflict: upload.onConflict)
            var done = upload
            done.nodeId = node.id
            try await store.save(done)
            return (done, node)
        } catch {
            await store.remove(upload.id)
            throw error
        }
    }

    private func find(ownerId: String, id: String) throws -> ResumableUpload {
        guard let upload = store.load(id), upload.ownerId == ownerId else { throw ResumableUploadError.notFound }
        guard upload.expiresMs > Int64(now().timeIntervalSince1970 * 1000) else { throw ResumableUploadError.expired }
        return upload
    }

    /// Removes expired uploads (and bytes a crash left without a record), every `sweepInterval`.
    func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            let gone = await sweep()
            if gone > 0 { logger.info("removed \(gone) resumable uploads past their expiry") }
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: .milliseconds(Int64(self.sweepInterval * 1000)))
            }
        }
    }

    /// One sweep; returns how many uploads went.
    func sweep() async -> Int {
        let ids = await store.expired(at: now())
        for id in ids {
            hashes.withLock { _ = $0.removeValue(forKey: id) }
            await store.remove(id)
        }
        return ids.count
    }
}

/// One running append, which a newer PATCH of the same upload can ask to stop.
private final class AppendHolder: Sendable {
    private let requested: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() { (requested, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1)) }

    func requestTakeover() { continuation.yield() }

    /// Returns when a takeover is asked for, or when the waiting task is cancelled.
    func takeoverRequested() async {
        for await _ in requested { return }
    }
}
