import Foundation
import PapersClient
import PapersCore
import Synchronization

/// Runs effects off the UI loop (network, disk, transfers) and sends their results back as actions.
final class EffectRunner: Sendable {
    private let send: @Sendable (Action) -> Void
    private let sessionStore: SessionStore
    private let state = Mutex(RunnerState())

    private struct RunnerState {
        var client: APIClient?
        /// The session the client was made from (places are kept per server and account).
        var session: Session?
        var controls: [Int: TransferControl] = [:]
        var cancelled: Set<Int> = []
        var transferChain: Task<Void, Never>?
        /// Transfers waiting for the answer to a conflict.
        var questions: [Int: CheckedContinuation<ConflictAnswer?, Never>] = [:]
        /// "Apply to all" answers, per transfer.
        var answersForAll: [Int: ConflictAnswer] = [:]
    }

    init(session: Session?, sessionStore: SessionStore, send: @escaping @Sendable (Action) -> Void) {
        self.send = send
        self.sessionStore = sessionStore
        state.withLock {
            $0.client = session.map { APIClient(server: $0.server, credentials: $0.credentials) }
            $0.session = session
        }
    }

    var client: APIClient? { state.withLock { $0.client } }
    /// Sends an action to the UI loop.
    func deliver(_ action: Action) { send(action) }

    func run(_ effect: Effect) {
        switch effect {
        case .quit:
            return
        case .rememberPlace(let place):
            guard let session = state.withLock({ $0.session }) else { return }
            PlaceStore(besides: sessionStore).save(place, for: session)
        case .saveQueue(let transfers):
            guard let session = state.withLock({ $0.session }) else { return }
            QueueStore(besides: sessionStore).save(transfers, for: session)
        case .loadQueue:
            guard let session = state.withLock({ $0.session }) else { return }
            let unfinished = QueueStore(besides: sessionStore).load(for: session, firstId: 0)
            if !unfinished.isEmpty { send(.queueLoaded(unfinished)) }
        case .logout:
            let client = state.withLock { s -> APIClient? in
                defer {
                    s.client = nil
                    s.session = nil
                }
                return s.client
            }
            sessionStore.clear()
            Task {
                try? await client?.logout()  // revoked when the server answers; the file is gone either way
                self.send(.loggedOut)
            }
        case .saveSession(let session):
            state.withLock {
                $0.client = APIClient(server: session.server, credentials: session.credentials)
                $0.session = session
            }
            do { try sessionStore.save(session) } catch { send(.failed(error)) }
        case .cancelTransfer(let id):
            let (control, question) = state.withLock { s in
                s.cancelled.insert(id)
                return (s.controls[id], s.questions.removeValue(forKey: id))
            }
            control?.cancel()
            question?.resume(returning: nil)
        case .answerConflict(let id, let answer, let applyToAll):
            let question = state.withLock { s in
                if applyToAll, let answer { s.answersForAll[id] = answer }
                return s.questions.removeValue(forKey: id)
            }
            question?.resume(returning: answer)
        case .startTransfer(let transfer):
            // One transfer at a time, in order; the rest wait as "queued".
            state.withLock { s in
                let previous = s.transferChain
                s.transferChain = Task {
                    await previous?.value
                    await self.perform(.startTransfer(transfer))
                }
            }
        default:
            Task { await self.perform(effect) }
        }
    }

    private func perform(_ effect: Effect) async {
        switch effect {
        case .login(let server, let email, let password):
            let anonymous = APIClient(server: server)
            do {
                let answer = try await anonymous.login(email: email, password: password)
                let session = Session(
                    server: anonymous.server, email: email.lowercased(), token: answer.token, userId: answer.userId, expiresAt: answer.expiresAt,
                    caFile: TLSTrust.caFile)
                send(.loggedIn(session))
            } catch {
                send(.loginFailed(Self.formMessage(error)))
            }
        case .register(let server, let fullname, let email, let password, let confirmation):
            do {
                _ = try await APIClient(server: server).register(
                    fullname: fullname, email: email, password: password, passwordConfirmation: confirmation)
                send(.registered(email: email))
            } catch {
                send(.loginFailed(Self.formMessage(error)))
            }
        case .loadFolder(let folderId, let cursor, let sort, let reversed, let generation):
            guard let client else { return }
            do {
                let page = try await client.listPage(
                    parentId: folderId, limit: 1000, cursor: cursor, sort: sort, order: reversed ? .desc : .asc)
                send(.folderLoaded(generation: generation, nodes: page.items, nextCursor: page.nextCursor))
            } catch {
                send(.folderFailed(generation: generation, error))
            }
        case .makeFolder(let path, let parentId):
            guard let client else { return }
            // `a/b/c`: the folders on the way are reused or made, the last one is new (409 if taken).
            do {
                let parts = path.split(separator: "/").map(String.init)
                var parent = parentId
                var first: String?
                for part in parts.dropLast() {
                    let folder = try await client.folder(named: part, in: parent)
                    first = first ?? folder.id
                    parent = folder.id
                }
                let folder = try await client.createFolder(name: parts.last ?? path, in: parent)
                send(.changed(message: "Created \(folder.path)/", select: first ?? folder.id))
            } catch {
                send(.failed(error))
            }
        case .rename(let id, let name):
            await report { client in
                let node = try await client.edit(id: id, name: name)
                return "Renamed to \(node.name)."
            }
        case .move(let ids, let destination):
            await report { client in
                // F6 names a folder to move into.
                let folder = try await client.move(ids: ids, into: RemotePath(destination))
                return "Moved \(ids.count) item\(ids.count == 1 ? "" : "s") to \(folder?.path ?? "/")."
            }
        case .delete(let ids, let permanent):
            await report { client in
                var last = ContinuousClock.now
                for (done, id) in ids.enumerated() {
                    try await client.delete(id: id, permanent: permanent)
                    // A long delete says how far it is, at most a few times a second.
                    if ids.count > 1, ContinuousClock.now - last > .milliseconds(250) {
                        last = .now
                        send(.deleting(done: done + 1, total: ids.count))
                    }
                }
                let count = "\(ByteCount.grouped(Int64(ids.count))) item\(ids.count == 1 ? "" : "s")"
                return permanent ? "Deleted \(count) for good." : "Moved \(count) to the trash (T shows it)."
            }
        case .loadTrash, .restoreTrashed, .eraseTrashed, .loadVersions, .restoreVersion, .previewVersion, .downloadVersion, .loadSearch,
            .reveal:
            await runTrashEffect(effect)
        case .loadAppPasswords, .createAppPassword, .revokeAppPassword:
            await runAppPasswordEffect(effect)
        case .loadShares, .createShare, .revokeShare:
            await runShareEffect(effect)
        case .copyToClipboard:
            break  // the runtime's, on the terminal's thread
        case .listLocal(let path):
            do {
                send(.localListed(path: path, entries: try LocalFolder.list(path)))
            } catch {
                send(.localFailed(path: path, message: "\(path): \(error.message)"))
            }
        case .renameLocal(let path, let name):
            reportLocal { () throws(ClientError) in
                try LocalFolder.rename(path, to: name)
                return ("Renamed to \(name).", name)
            }
        case .makeLocalFolder(let path):
            reportLocal { () throws(ClientError) in
                try LocalFolder.makeFolder(path)
                return ("Created \(path)/", (path as NSString).lastPathComponent)
            }
        case .moveLocal(let paths, let folder):
            reportLocal { () throws(ClientError) in
                try LocalFolder.move(paths, into: folder)
                return ("Moved \(paths.count) local item\(paths.count == 1 ? "" : "s") to \(folder).", nil)
            }
        case .deleteLocal(let paths):
            reportLocal { () throws(ClientError) in
                try LocalFolder.delete(paths)
                return ("Deleted \(paths.count) local item\(paths.count == 1 ? "" : "s").", nil)
            }
        case .previewLocal(let path):
            do {
                let bytes = try LocalFolder.head(of: path, count: 1024)
                let text = bytes.contains(0) ? "(binary content)" : String(decoding: bytes, as: UTF8.self)
                send(.previewLoaded(title: (path as NSString).lastPathComponent, text: text))
            } catch {
                send(.failed(error))
            }
        case .preview(let node):
            guard let client else { return }
            do {
                let bytes = try await client.head(of: node, count: 1024)
                let text = bytes.contains(0) ? "(binary content, \(ByteCount.grouped(node.size)) bytes)" : String(decoding: bytes, as: UTF8.self)
                send(.previewLoaded(title: node.name, text: text))
            } catch {
                send(.failed(error))
            }
        case .checkLocalPath(let path):
            var info = stat()
            let problem: String? = stat(path, &info) == 0 ? nil : "\(path): no such file or folder"
            send(.localPathChecked(path: path, problem: problem))
        case .complete(let text, let local):
            if local {
                send(.completions(LocalFolder.complete(text)))
            } else if let client {
                let path = RemotePath(text)
                let prefix = text.hasSuffix("/") ? "" : (path.name ?? "")
                let folder = text.hasSuffix("/") ? path : path.parent
                let resolved: Node?
                do { resolved = try await client.resolve(folder) } catch { return send(.completions([])) }
                if let resolved, !resolved.isFolder { return send(.completions([])) }
                guard let page = try? await client.listPage(parentId: resolved?.id, limit: 1000) else { return send(.completions([])) }
                let base = folder.isRoot ? "/" : folder.description + "/"
                send(.completions(page.items.filter { $0.isFolder && $0.name.hasPrefix(prefix) }.map { base + $0.name + "/" }))
            }
        case .retryAfter(let seconds):
            try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            send(.retry)
        case .startTransfer(let transfer):
            await TransferJob(transfer: transfer, client: client, runner: self).run()
        case .saveSession, .cancelTransfer, .answerConflict, .logout, .rememberPlace, .saveQueue, .loadQueue, .quit:
            break
        }
    }

    /// Runs a change and reports it as `.changed(message)` or `.failed(error)`.
    func report(_ work: (APIClient) async throws -> String) async {
        guard let client else { return }
        do {
            send(.changed(message: try await work(client)))
        } catch let error as ClientError {
            send(.failed(error))
        } catch {
            send(.failed(.localIO(message: error.message)))
        }
    }

    /// Runs a local edit and reports it as `.localChanged` or `.failed`.
    private func reportLocal(_ work: () throws(ClientError) -> (String, String?)) {
        do {
            let (message, select) = try work()
            send(.localChanged(message: message, select: select))
        } catch {
            send(.failed(error))
        }
    }

    static let unreachablePrefix = "Cannot reach the server: "

    static func formMessage(_ error: ClientError) -> String {
        switch error {
        case .network(let message): return unreachablePrefix + message
        case .sessionExpired(let message): return message
        default: return error.description
        }
    }

    // MARK: For transfer jobs

    func register(_ control: TransferControl, for id: Int) -> Bool {
        state.withLock { s in
            s.controls[id] = control
            return !s.cancelled.contains(id)
        }
    }

    func isCancelled(_ id: Int) -> Bool { state.withLock { $0.cancelled.contains(id) } }

    /// The answer to a transfer's conflict: its "apply to all" answer, else the user's (asked with
    /// `.conflictFound`). `nil`: the transfer was cancelled.
    func answer(_ id: Int, _ conflict: Conflict) async -> ConflictAnswer? {
        await withCheckedContinuation { continuation in
            let ready: ConflictAnswer?? = state.withLock { s in
                if s.cancelled.contains(id) { return .some(nil) }
                if let answer = s.answersForAll[id] { return .some(answer) }
                s.questions[id] = continuation
                return nil
            }
            if let ready { return continuation.resume(returning: ready) }
            send(.conflictFound(id: id, conflict))
        }
    }

    func finished(_ id: Int, error: ClientError?) {
        state.withLock { s in
            s.controls[id] = nil
            s.cancelled.remove(id)
            s.answersForAll[id] = nil
        }
        send(.transferFinished(id: id, error: error))
    }

    func progress(_ id: Int, _ progress: TransferProgress) { send(.transferProgress(id: id, progress)) }

    func fileDone(_ id: Int, key: String, bytes: Int64) { send(.transferFileDone(id: id, key: key, bytes: bytes)) }

    func fileProgress(_ id: Int, _ file: TreeTransfer.FileStart, _ progress: TransferProgress) {
        send(.transferFileProgress(id: id, number: file.number, name: file.name, progress))
    }

    func fileEnded(_ id: Int, number: Int) { send(.transferFileEnded(id: id, number: number)) }

    func skipped(_ id: Int, path: String, reason: String) { send(.transferSkipped(id: id, path: path, reason: reason)) }
}

extension Error {
    var message: String { (self as? LocalizedError)?.errorDescription ?? "\(self)" }
}
