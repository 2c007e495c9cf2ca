import Foundation
import Logging
import NIOCore

/// `papers admin check [--repair]`: reads every content files and kept versions use back from the
/// blob store and hashes it, finds stored content nothing records, and folders whose size is not
/// their children's total. With `repair`, folder sizes are recomputed and content nothing records is
/// removed (as the collector would); missing or damaged content cannot be mended here — the report
/// names the files that use it, to be restored from a back-up.
public struct IntegrityCheck: Sendable {
    /// Content a file needs that is gone or does not hash to its address.
    public struct Damaged: Sendable {
        public enum Problem: String, Sendable {
            /// Not in the blob store.
            case missing
            /// Stored, but its bytes do not hash to its address or are fewer than recorded.
            case corrupt
        }

        public var sha256: String
        public var size: Int64
        public var problem: Problem
        /// Some of the files that use it (at most `usersShown`).
        public var users: [ContentUser]
    }

    /// What one run found and did.
    public struct Report: Sendable {
        public var contentsChecked = 0
        public var bytesChecked: Int64 = 0
        public var damaged: [Damaged] = []
        /// Stored content, written over `unusedAge` ago, that no row records (removed with `repair`).
        public var unused: [String] = []
        public var unusedRemoved = 0
        /// Found before repairing (with `repair`, they are then fixed).
        public var sizeMismatches: [SizeMismatch] = []
        public var sizesRepaired = 0

        /// Whether something is still wrong: damaged content always; unused content and wrong sizes
        /// unless they were repaired.
        public var problemsRemain: Bool {
            !damaged.isEmpty || unused.count > unusedRemoved || (!sizeMismatches.isEmpty && sizesRepaired == 0)
        }
    }

    let store: any MetadataStore
    let blobs: any BlobStore
    static let page = 500
    static let usersShown = 10
    static let mismatchesShown = 1000
    /// Younger stored content without a row may be an upload about to commit (`BlobCollector.unrecordedAge`).
    static let unusedAge = BlobCollector.unrecordedAge

    /// Opens the server's database (never creating one) and blob store.
    /// - Throws: `AdminFailure.noDatabase`, `.unavailable`.
    public static func open(_ configuration: ServerConfiguration, logger: Logger) async throws(AdminFailure) -> IntegrityCheck {
        let store = try await AccountAdministration.openStore(configuration, logger: logger)
        do {
            return IntegrityCheck(store: store, blobs: try await AppDependencies.openBlobStore(configuration))
        } catch {
            throw .unavailable(AppDependencies.describeOpenFailure(error, configuration))
        }
    }

    init(store: any MetadataStore, blobs: any BlobStore) {
        self.store = store
        self.blobs = blobs
    }

    /// Checks everything (and repairs what can be, with `repair`); `progress` hears the contents and
    /// bytes checked so far after each content.
    /// - Throws: `AdminFailure.unavailable` when the database or the blob store stops answering.
    public func run(repair: Bool, progress: @Sendable (Int, Int64) -> Void = { _, _ in }) async throws(AdminFailure) -> Report {
        do {
            var report = Report()
            try await checkContent(&report, progress: progress)
            try await findUnused(&report, remove: repair)
            report.sizeMismatches = try await store.sizeMismatches(limit: Self.mismatchesShown)
            if repair, !report.sizeMismatches.isEmpty { report.sizesRepaired = try await store.repairSizes() }
            return report
        } catch let failure as AdminFailure {
            throw failure
        } catch {
            throw .unavailable("the check stopped: \(error)")
        }
    }

    /// Hashes every content in use, a page of hashes at a time.
    private func checkContent(_ report: inout Report, progress: @Sendable (Int, Int64) -> Void) async throws {
        var after: String?
        while true {
            let page = try await store.contentInUse(after: after, limit: Self.page)
            for content in page {
                if let problem = try await verify(content) {
                    let users = try await store.contentUsers(sha256: content.sha256, limit: Self.usersShown)
                    report.damaged.append(Damaged(sha256: content.sha256, size: content.size, problem: problem, users: users))
                }
                report.contentsChecked += 1
                report.bytesChecked += content.size
                progress(report.contentsChecked, report.bytesChecked)
            }
            guard page.count == Self.page, let last = page.last else { return }
            after = last.sha256
        }
    }

    /// Reads the content back whole; `nil` when its bytes hash to its address.
    /// - Throws: the blob store's errors other than missing content.
    func verify(_ content: ContentInUse) async throws -> Damaged.Problem? {
        do {
            try await BlobFolderCopy.readVerified(content.sha256, size: content.size, from: blobs) { _ in }
            return nil
        } catch BlobFolderCopy.Failure.missing {
            return .missing
        } catch BlobFolderCopy.Failure.corrupt {
            return .corrupt
        }
    }

    /// Lists stored content old enough not to be an upload in flight that no row records; with
    /// `remove`, claims it as the collector does (so no commit can take it meanwhile), removes and forgets it.
    private func findUnused(_ report: inout Report, remove: Bool) async throws {
        var unused: [String] = []
        try await blobs.stored(writtenBefore: store.now().addingTimeInterval(-Self.unusedAge)) { hashes in
            unused += try await store.unrecorded(hashes)
        }
        report.unused = unused
        guard remove, !unused.isEmpty else { return }
        for start in stride(from: 0, to: unused.count, by: Self.page) {
            let claimed = try await store.claimUnrecorded(Array(unused[start..<min(start + Self.page, unused.count)]))
            try await blobs.remove(claimed)
            try await store.forgetRemoved(claimed)
            report.unusedRemoved += claimed.count
        }
    }
}
