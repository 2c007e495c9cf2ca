import Foundation
import PapersCore

/// Who the client acts for: the token and its user.
public struct Credentials: Sendable, Equatable, Codable {
    public var token: String
    public var userId: String

    public init(token: String, userId: String) {
        self.token = token
        self.userId = userId
    }
}

/// The Papers HTTP API from the client side: JSON in and out through Core's payload types,
/// transfers streamed from and to files. Used by the TUI and the scriptable commands.
///
/// Every call throws `ClientError`: `.server` with the server's `message` and `code`,
/// `.sessionExpired` for a 401, `.network` when there was no answer.
public struct APIClient: Sendable {
    /// `http://host:port`, without a trailing slash.
    public let server: String
    public let credentials: Credentials?
    /// How files from a size on are uploaded: in chunks that resume after a failure (tus); `nil`:
    /// every file in one request.
    public var resumable: ResumableSettings? = ResumableSettings()

    public init(server: String, credentials: Credentials? = nil) {
        var server = server.trimmingCharacters(in: .whitespaces)
        while server.hasSuffix("/") { server.removeLast() }
        if !server.contains("://") { server = "http://" + server }
        self.server = server
        self.credentials = credentials
    }

    public func with(_ credentials: Credentials?) -> APIClient {
        var client = APIClient(server: server, credentials: credentials)
        client.resumable = resumable
        return client
    }

    // MARK: Accounts

    public func register(fullname: String, email: String, password: String, passwordConfirmation: String) async throws(ClientError)
        -> RegisterResponse
    {
        try await send(
            "POST", "/api/v1/auth/register",
            json: RegisterRequest(fullname: fullname, email: email, password: password, passwordConf: passwordConfirmation))
    }

    public func login(email: String, password: String) async throws(ClientError) -> LoginResponse {
        try await send("POST", "/api/v1/auth/login", json: LoginRequest(email: email, password: password))
    }

    /// Revokes this client's token on the server.
    public func logout() async throws(ClientError) {
        _ = try await exchange(CurlTransfer(method: "POST", url: server + "/api/v1/auth/logout"))
    }

    public func me() async throws(ClientError) -> Account {
        try await send("GET", "/api/v1/auth/me")
    }

    public func health() async throws(ClientError) -> HealthStatus {
        try await send("GET", "/health")
    }

    // MARK: Nodes

    /// One page of a folder's children (`parentId` `nil`: the root).
    public func listPage(
        parentId: String?, limit: Int = 1000, cursor: String? = nil, sort: SortField = .name, order: SortDirection = .asc
    ) async throws(ClientError) -> NodePage {
        var query = ["limit": String(limit), "sort": sort.rawValue, "order": order.rawValue]
        if let parentId { query["parent_id"] = parentId }
        if let cursor { query["cursor"] = cursor }
        return try await send("GET", try userPath("/files/"), query: query)
    }

    /// The child of a folder with exactly this name, if any.
    public func child(named name: String, in parentId: String?) async throws(ClientError) -> Node? {
        var query = ["name": name]
        if let parentId { query["parent_id"] = parentId }
        let page: NodePage = try await send("GET", try userPath("/files/"), query: query)
        return page.items.first
    }

    public func node(id: String) async throws(ClientError) -> Node {
        try await send("GET", try userPath("/files/\(id)"))
    }

    public func createFolder(name: String, in parentId: String?, onConflict: OnConflict = .fail) async throws(ClientError) -> Node {
        try await send(
            "POST", try userPath("/folders/"), query: ["on_conflict": onConflict.rawValue], json: CreateFolderRequest(name: name, parentId: parentId))
    }

    /// Renames and/or moves a node.
    public func edit(id: String, name: String? = nil, destination: EditNodeRequest.Destination? = nil, onConflict: OnConflict = .fail)
        async throws(ClientError) -> Node
    {
        try await send(
            "PUT", try userPath("/files/\(id)"), query: ["on_conflict": onConflict.rawValue],
            json: EditNodeRequest(name: name, destination: destination))
    }

    /// Moves a node (a folder with everything under it) to the trash, or with `permanent` deletes it for good.
    public func delete(id: String, permanent: Bool = false) async throws(ClientError) {
        let query = permanent ? ["permanent": "true"] : [:]
        _ = try await exchange(CurlTransfer(method: "DELETE", url: try url(try userPath("/files/\(id)"), query: query)))
    }

    // MARK: Plumbing

    func userPath(_ suffix: String) throws(ClientError) -> String {
        guard let credentials else { throw .sessionExpired(message: "You are not logged in.") }
        return "/api/v1/user/\(credentials.userId)\(suffix)"
    }

    func url(_ path: String, query: [String: String] = [:]) throws(ClientError) -> String {
        var components = URLComponents()
        components.percentEncodedPath = path
        if !query.isEmpty {
            components.queryItems = query.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
            // `+` would read as a space on the server.
            components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        }
        guard let tail = components.string else { throw .localIO(message: "cannot build a URL for \(path)") }
        return server + tail
    }

    func send<Response: Decodable>(_ method: String, _ path: String, query: [String: String] = [:]) async throws(ClientError) -> Response {
        try decode(try await exchange(CurlTransfer(method: method, url: try url(path, query: query))))
    }

    func send<Response: Decodable>(_ method: String, _ path: String, query: [String: String] = [:], json: some Encodable)
        async throws(ClientError) -> Response
    {
        let body: [UInt8]
        do { body = Array(try JSONEncoder().encode(json)) } catch { throw .localIO(message: "cannot encode the request: \(error)") }
        let transfer = CurlTransfer(method: method, url: try url(path, query: query), body: .bytes(body, contentType: "application/json"))
        return try decode(try await exchange(transfer))
    }

    func decode<Response: Decodable>(_ result: CurlTransfer.Result) throws(ClientError) -> Response {
        do {
            return try JSONDecoder().decode(Response.self, from: Data(result.body))
        } catch {
            throw .badResponse(message: "HTTP \(result.status) with a body that is not the expected JSON")
        }
    }

    /// Runs a transfer off the cooperative threads, with the token attached; maps error statuses.
    func exchange(_ transfer: CurlTransfer, control: TransferControl? = nil) async throws(ClientError) -> CurlTransfer.Result {
        var transfer = transfer
        if let credentials { transfer.headers.append("Authorization: Bearer \(credentials.token)") }
        let control = control ?? TransferControl()
        let prepared = transfer
        let outcome: Result<CurlTransfer.Result, ClientError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                DispatchQueue.global(qos: .userInitiated).async {
                    do throws(ClientError) {
                        continuation.resume(returning: .success(try prepared.perform(control: control)))
                    } catch {
                        continuation.resume(returning: .failure(error))
                    }
                }
            }
        } onCancel: {
            control.cancel()
        }
        let result = try outcome.get()
        guard (200..<300).contains(result.status) || result.status == 304 else { throw Self.error(from: result) }
        return result
    }

    static func error(from result: CurlTransfer.Result) -> ClientError {
        let body = try? JSONDecoder().decode(ErrorBody.self, from: Data(result.body))
        let message = body?.message ?? "HTTP \(result.status)"
        if result.status == 401 { return .sessionExpired(message: message) }
        guard let body else { return .badResponse(message: "HTTP \(result.status) without an error body") }
        return .server(status: result.status, code: body.code, message: body.message)
    }
}
