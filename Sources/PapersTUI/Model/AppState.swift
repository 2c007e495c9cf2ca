import Foundation
import PapersClient
import PapersCore

/// The login or registration form.
public struct LoginForm: Sendable, Equatable {
    public enum Field: Int, Sendable, CaseIterable {
        case server, fullname, email, password, confirmation
    }

    public var isRegistration = false
    public var server: LineEditor
    public var fullname = LineEditor()
    public var email: LineEditor
    public var password = LineEditor()
    public var confirmation = LineEditor()
    public var focus: Field
    public var error: String?
    public var notice: String?
    public var isBusy = false

    public init(server: String, email: String = "") {
        self.server = LineEditor(server)
        self.email = LineEditor(email)
        focus = server.isEmpty ? .server : (email.isEmpty ? .email : .password)
    }

    /// The fields shown, in order.
    public var fields: [Field] {
        isRegistration ? [.server, .fullname, .email, .password, .confirmation] : [.server, .email, .password]
    }

    public func editor(_ field: Field) -> LineEditor {
        switch field {
        case .server: return server
        case .fullname: return fullname
        case .email: return email
        case .password: return password
        case .confirmation: return confirmation
        }
    }

    public mutating func edit(_ field: Field, _ change: (inout LineEditor) -> Void) {
        switch field {
        case .server: change(&server)
        case .fullname: change(&fullname)
        case .email: change(&email)
        case .password: change(&password)
        case .confirmation: change(&confirmation)
        }
    }

    /// Puts the cursor in the first empty field.
    public mutating func focusFirstEmpty() {
        focus = fields.first { editor($0).text.isEmpty } ?? fields.last!
    }
}

/// A prompt for a line of text (rename, new folder, paths, filter).
public struct Prompt: Sendable, Equatable {
    public enum Purpose: Sendable, Equatable {
        case rename(nodeId: String)
        case makeFolder
        case move(nodeIds: [String])
        case uploadPath
        case filter
        /// Names containing a text, anywhere but the trash (`f`).
        case search
        /// The local pane's counterparts: full local paths.
        case renameLocal(path: String)
        case makeLocalFolder
        case moveLocal(paths: [String])
        /// The name of a new app password (the app passwords screen's `n`).
        case createAppPassword
        /// A share link to a node (`c`): first how long it works, then its password.
        case shareExpiry(node: Node)
        case sharePassword(node: Node, lifetime: ShareDuration?)
    }

    public var purpose: Purpose
    public var title: String
    public var editor: LineEditor
    public var completions: [String] = []
    public var error: String?
    /// A password: shown as dots.
    public var isSecret = false
    /// Submitted and waiting for the server: the prompt stays up until it answers, and shows the
    /// refusal (a taken name) with the text kept.
    public var isBusy = false
    /// A completion was asked for and has not come back.
    public var isCompleting = false
    /// Enter was pressed while completing: submit once the completion is in.
    public var submitAfterCompletion = false
}

/// A question answered with y (default No).
public struct Confirmation: Sendable, Equatable {
    public enum Purpose: Sendable, Equatable {
        /// To the trash, or with `permanent` for good.
        case delete(nodeIds: [String], permanent: Bool)
        /// Items of the trash for good; `nil`: everything in it.
        case eraseTrashed(ids: [String]?)
        /// Make a version of a file current.
        case restoreVersion(fileId: String, version: Int64)
        case deleteLocal(paths: [String])
        case revokeAppPassword(id: String, name: String)
        case revokeShare(id: String, name: String)
        /// A folder or a big download, confirmed with where it goes.
        case download(nodes: [Node])
        case logout
        case quit
    }

    public var purpose: Purpose
    public var message: String
    /// The overlay the question was asked from (the trash, versions): shown again after the answer.
    public var behind: Overlay? = nil
}

/// A transfer that found a name taken, waiting for the user's answer (mc's "file exists" dialog).
public struct ConflictQuestion: Sendable, Equatable {
    public var transferId: Int
    public var conflict: Conflict
    /// "Apply to all": the answer settles this transfer's later conflicts too.
    public var applyToAll = false

    public init(transferId: Int, conflict: Conflict) {
        self.transferId = transferId
        self.conflict = conflict
    }
}

/// What covers the panes, if anything.
public indirect enum Overlay: Sendable, Equatable {
    case help(scroll: Int)
    case prompt(Prompt)
    case confirm(Confirmation)
    case conflict(ConflictQuestion)
    case queue(cursor: Int)
    case preview(title: String, lines: [String])
    case trash(TrashView)
    case versions(VersionsView)
    case appPasswords(AppPasswordsView)
    case shares(SharesView)
}

/// The app passwords screen (`A`): list, make (shown once) and revoke passwords for WebDAV clients.
public struct AppPasswordsView: Sendable, Equatable {
    public var items: [AppPassword] = []
    public var cursor = 0
    public var isLoading = true
    /// The password just made, with the address to use it at: shown until the screen closes.
    public var created: CreatedAppPassword?

    public init() {}

    public var selected: AppPassword? { cursor < items.count ? items[cursor] : nil }
}

/// An app password as it is made: the only time its secret is seen.
public struct CreatedAppPassword: Sendable, Equatable {
    public var password: NewAppPassword
    /// The WebDAV address it opens.
    public var webDAV: String

    public init(password: NewAppPassword, webDAV: String) {
        self.password = password
        self.webDAV = webDAV
    }
}

/// The share links screen (`C`, and after `c` makes one): the account's links with their expiry
/// and downloads; `x` revokes one.
public struct SharesView: Sendable, Equatable {
    public var items: [Share] = []
    public var cursor = 0
    public var isLoading = true
    /// The link just made: its URL is shown until the screen closes (the server keeps only a hash).
    public var created: CreatedShare?
    /// When the list was read (RFC 3339): links that expired by then say so.
    public var loadedAt = ""

    public init() {}

    public var selected: Share? { cursor < items.count ? items[cursor] : nil }
}

/// A share link as it is made: the only time its URL is known.
public struct CreatedShare: Sendable, Equatable {
    public var name: String
    public var url: String
    public var share: NewShare

    public init(name: String, url: String, share: NewShare) {
        self.name = name
        self.url = url
        self.share = share
    }
}

/// The trash overlay (`T`): what was deleted, newest first.
public struct TrashView: Sendable, Equatable {
    public var items: [TrashItem] = []
    public var cursor = 0
    public var isLoading = true

    public init() {}

    public var selected: TrashItem? { cursor < items.count ? items[cursor] : nil }
}

/// A file's versions (`V`): view, download or restore one.
public struct VersionsView: Sendable, Equatable {
    public var file: Node
    public var items: [FileVersionInfo] = []
    public var cursor = 0
    public var isLoading = true

    public init(file: Node) {
        self.file = file
    }

    public var selected: FileVersionInfo? { cursor < items.count ? items[cursor] : nil }
}

/// One upload or download in the queue: one file, several, or whole folders, sent a few files at
/// once (`AppState.parallelism`) with one progress for all of it and a row per file being sent.
public struct Transfer: Sendable, Equatable, Identifiable {
    public enum Direction: String, Sendable, Equatable, Codable { case upload, download }
    public enum Phase: Sendable, Equatable {
        case queued, running, done
        /// Stopped by the user (`p`), or unfinished when the client last quit; `r` goes on.
        case paused
        case failed(String)
        case cancelled
    }

    /// A file of the transfer being sent now.
    public struct FileRow: Sendable, Equatable {
        public var number: Int
        public var name: String
        public var bytes: Int64 = 0
        public var total: Int64?
    }

    public var id: Int
    public var direction: Direction
    public var name: String
    /// Upload: local paths and the remote folder id (`nil`: root). Download: nodes and the local folder.
    public var localPaths: [String]
    public var nodes: [Node]
    public var remoteFolderId: String?
    /// The remote folder's path, for the queue.
    public var remoteFolderPath = "/"
    public var localFolder: String
    public var phase: Phase = .queued
    public var progress = TransferProgress(bytes: 0, total: nil, bytesPerSecond: 0)
    /// Entries passed over, with why (`path: reason`).
    public var skipped: [String] = []
    /// What a resumed transfer passes over (`TreeTransfer.Done.key` of each file that arrived) and
    /// those files' bytes.
    public var done: Set<String> = []
    public var bytesDone: Int64 = 0
    /// Files that arrived (in this run and the ones before).
    public var filesDone: Int { done.count }
    /// The files being sent now.
    public var files: [FileRow] = []
    /// Files sent at once.
    public var parallelism = 4

    public var isActive: Bool { phase == .queued || phase == .running }
    /// Paused, failed or cancelled: `r` goes on from where it stopped.
    public var canResume: Bool {
        switch phase {
        case .paused, .failed, .cancelled: return true
        case .queued, .running, .done: return false
        }
    }

    /// Where it goes: the remote folder for an upload, the local folder for a download.
    public var destination: String { direction == .upload ? remoteFolderPath : localFolder }
}

/// Everything the client shows and knows, changed only by `reduce`.
public struct AppState: Sendable, Equatable {
    public enum Screen: Sendable, Equatable {
        case login(LoginForm)
        case browser
    }

    public enum Focus: Sendable, Equatable { case remote, local }

    public var screen: Screen
    public var session: Session?
    /// The data directory of the bundled server the client talks to, when it does (shown in the
    /// header, and stamped on the sessions made with it).
    public var bundledData: String?
    public var keyMap: KeyMap
    public var remote = RemotePane()
    public var local: LocalPane
    public var showLocal = false
    public var focus: Focus = .remote
    public var overlay: Overlay?
    public var status: String?
    public var statusIsError = false
    public var unreachable = false
    public var transfers: [Transfer] = []
    /// A conflict question that arrived while a prompt or confirmation was open; asked when it closes.
    public var pendingConflict: ConflictQuestion?
    public var nextTransferId = 1
    /// Files a transfer sends at once.
    public var parallelism = 4
    public var width = 80
    public var height = 24
    public var shouldQuit = false

    public init(
        session: Session?, server: String, localPath: String, keyMap: KeyMap = .standard, bundledData: String? = nil, place: Place? = nil
    ) {
        self.session = session
        self.keyMap = keyMap
        self.bundledData = bundledData
        if let place, place.trail.first?.id == nil {
            remote.trail = place.trail
            remote.reselect = place.selected
        }
        local = LocalPane(path: localPath)
        if session != nil {
            screen = .browser
        } else {
            screen = .login(LoginForm(server: server))
        }
    }

    public var activeTransfers: Int { transfers.filter(\.isActive).count }

    /// Where the user is, to open there next time.
    public var place: Place {
        if remote.searchText != nil { return Place(trail: remote.folders, selected: nil) }
        return Place(trail: remote.trail, selected: remote.selected?.id ?? remote.reselect)
    }

    /// Rows of list the panes have (screen minus header, borders, status and key bar).
    public var listRows: Int { max(1, height - 5) }
}
