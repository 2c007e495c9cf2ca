import Foundation
import PapersClient
import PapersCore

/// Everything that can happen to the client: keys, and the results of effects.
public enum Action: Sendable, Equatable {
    case key(Key)
    case resized(width: Int, height: Int)
    case loggedIn(Session)
    case registered(email: String)
    case loginFailed(String)
    /// The session was ended (Ctrl-X): back to the form.
    case loggedOut
    case folderLoaded(generation: Int, nodes: [Node], nextCursor: String?)
    case folderFailed(generation: Int, ClientError)
    /// A remote edit is done: the message, and the item to put the cursor on (a new folder).
    case changed(message: String, select: String? = nil)
    /// A delete of several items is this far.
    case deleting(done: Int, total: Int)
    case failed(ClientError)
    case localListed(path: String, entries: [LocalEntry])
    case localFailed(path: String, message: String)
    /// A local edit is done: the message, and the entry to put the cursor on.
    case localChanged(message: String, select: String?)
    case transferProgress(id: Int, TransferProgress)
    case transferFinished(id: Int, error: ClientError?)
    /// One more file of a transfer arrived: its `TreeTransfer.Done.key` and size.
    case transferFileDone(id: Int, key: String, bytes: Int64)
    /// How far one file of a transfer has come (a row under the transfer in the queue).
    case transferFileProgress(id: Int, number: Int, name: String, TransferProgress)
    /// A file's turn in a transfer ended (arrived, skipped or failed).
    case transferFileEnded(id: Int, number: Int)
    /// Transfers unfinished when the client last quit, to offer again (as paused).
    case queueLoaded([Transfer])
    /// A transfer passed over an entry (skipped on a conflict, or not a regular file or folder).
    case transferSkipped(id: Int, path: String, reason: String)
    /// A transfer found a name taken and waits for an answer.
    case conflictFound(id: Int, Conflict)
    case previewLoaded(title: String, text: String)
    case completions([String])
    /// Whether a typed local path can be uploaded: `nil` when it can, else why not.
    case localPathChecked(path: String, problem: String?)
    /// Time to try reaching the server again.
    case retry
    case trashLoaded([TrashItem])
    /// A trash change is done (restored, deleted for good, emptied): the message; the trash reloads.
    case trashChanged(message: String)
    case versionsLoaded(fileId: String, [FileVersionInfo])
    /// The folders from the root down to a search result's folder, to open with the cursor on it.
    case revealed(trail: [FolderRef], select: String)
    case appPasswordsLoaded([AppPassword])
    /// A new app password and the WebDAV address it opens.
    case appPasswordCreated(NewAppPassword, webDAV: String)
    /// An app password was revoked: the message; the list reloads.
    case appPasswordRevoked(message: String)
    /// The account's links, and when they were read (RFC 3339), to tell which have expired.
    case sharesLoaded([Share], now: String)
    /// A new link to the node named `name`, and its full URL.
    case shareCreated(CreatedShare)
    /// A link was revoked: the message; the list reloads.
    case shareRevoked(message: String)
}

/// The I/O the reducer asks the runtime to do; results come back as actions.
public enum Effect: Sendable, Equatable {
    case login(server: String, email: String, password: String)
    case register(server: String, fullname: String, email: String, password: String, confirmation: String)
    case saveSession(Session)
    /// Revoke the token (when the server answers) and remove the session file.
    case logout
    case loadFolder(folderId: String?, cursor: String?, sort: SortField, reversed: Bool, generation: Int)
    case makeFolder(name: String, parentId: String?)
    case rename(nodeId: String, name: String)
    case move(nodeIds: [String], destination: String)
    /// To the trash, or with `permanent` for good.
    case delete(nodeIds: [String], permanent: Bool)
    case loadTrash
    case restoreTrashed(id: String, rename: Bool)
    /// Items of the trash for good; `nil`: everything.
    case eraseTrashed(ids: [String]?)
    case loadVersions(fileId: String)
    case restoreVersion(fileId: String, version: Int64)
    case previewVersion(Node, FileVersionInfo)
    /// One version of a file into a local folder, as `NAME (version N).ext`.
    case downloadVersion(Node, FileVersionInfo, localFolder: String)
    /// A page of search results, reported as a folder's page (`.folderLoaded`).
    case loadSearch(text: String, cursor: String?, generation: Int)
    /// Finds the folders from the root to a node's folder (`.revealed`).
    case reveal(Node)
    case loadAppPasswords
    case createAppPassword(name: String)
    case revokeAppPassword(id: String)
    case loadShares
    /// A link to a node that works for `lifetime` from now (`nil`: until revoked).
    case createShare(node: Node, lifetime: ShareDuration?, password: String?)
    case revokeShare(id: String)
    /// Puts a text on the terminal's clipboard (OSC 52), where the terminal allows it.
    case copyToClipboard(String)
    case listLocal(path: String)
    /// Local edits (the local pane's F2, F6, F7, F8); results come back as `.localChanged` or `.failed`.
    case renameLocal(path: String, name: String)
    case makeLocalFolder(path: String)
    case moveLocal(paths: [String], into: String)
    case deleteLocal(paths: [String])
    case previewLocal(path: String)
    case startTransfer(Transfer)
    /// Stops a transfer (cancel and pause alike: what arrived stays, and big files' parts are recorded).
    case cancelTransfer(id: Int)
    /// Keep the unfinished transfers for the next start (per server and account).
    case saveQueue([Transfer])
    /// Read what the last run left unfinished (`.queueLoaded`).
    case loadQueue
    /// The user's answer to a transfer's conflict; `nil` cancels the transfer. With `applyToAll`, the
    /// transfer settles its later conflicts the same way without asking.
    case answerConflict(id: Int, answer: ConflictAnswer?, applyToAll: Bool)
    case preview(Node)
    case complete(text: String, local: Bool)
    /// Check that a typed local path exists before it is queued (`.localPathChecked`).
    case checkLocalPath(String)
    case retryAfter(seconds: Double)
    /// Remember where the user is (per server and account) for the next start.
    case rememberPlace(Place)
    case quit
}
