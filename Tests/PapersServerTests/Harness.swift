import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import PapersServer

/// A clock the tests move by hand.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date()
    var now: Date { lock.withLock { current } }
    func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
}

/// A Papers app over a fresh temporary data directory, driven through Hummingbird's router tester.
struct Harness {
    let client: any TestClientProtocol
    let dependencies: AppDependencies
    var dataDirectory: String { dependencies.configuration.dataDirectory }

    /// Runs `body` against a new app. Password hashing uses few rounds unless the test asks otherwise.
    static func run(
        rounds: Int = 1_000, clock: TestClock = TestClock(), configure: (inout ServerConfiguration) -> Void = { _ in },
        _ body: @Sendable (Harness) async throws -> Void
    ) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("papers-test-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var configuration = ServerConfiguration(dataDirectory: dir)
        configuration.passwordRounds = rounds
        configuration.secretKey = Array("router-test-secret-key-of-32-bytes!!".utf8)
        configure(&configuration)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let dependencies = try await AppDependencies.open(configuration, logger: logger, now: { clock.now })
        let app = buildApplication(dependencies, logger: logger)
        try await app.test(.router) { client in
            try await body(Harness(client: client, dependencies: dependencies))
        }
    }

    // MARK: Requests

    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: Any? = nil, form: String? = nil, bytes: [UInt8]? = nil,
        headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = headers
        var body: ByteBuffer?
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let json {
            body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json))
            if headers[.contentType] == nil { headers[.contentType] = "application/json" }
        } else if let form {
            body = ByteBuffer(string: form)
            headers[.contentType] = "application/x-www-form-urlencoded"
        } else if let bytes {
            body = ByteBuffer(bytes: bytes)
            if headers[.contentType] == nil { headers[.contentType] = "application/octet-stream" }
            headers[.contentLength] = String(bytes.count)
        }
        return try await client.execute(uri: uri, method: method, headers: headers, body: body)
    }

    /// Registers and logs in a new user.
    func user(_ name: String = "ada") async throws -> TestUser {
        let email = "\(name)-\(UUID().uuidString.prefix(8))@example.com"
        let password = "correct horse battery"
        let registered = try await call(
            .post, "/api/v1/auth/register", json: ["fullname": name, "email": email, "password": password, "password_conf": password])
        #expect(registered.status == .created)
        let login = try await call(.post, "/api/v1/auth/login", json: ["email": email, "password": password])
        #expect(login.status == .ok)
        let object = try login.object()
        return TestUser(harness: self, id: object["user_id"] as! String, token: object["token"] as! String, email: email, password: password)
    }
}

/// A logged-in user and shortcuts for their routes.
struct TestUser {
    let harness: Harness
    let id: String
    let token: String
    let email: String
    let password: String

    var base: String { "/api/v1/user/\(id)" }

    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ path: String, json: Any? = nil, bytes: [UInt8]? = nil, headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        try await harness.call(method, base + path, token: token, json: json, bytes: bytes, headers: headers)
    }

    func mkdir(_ name: String, in parent: String? = nil) async throws -> [String: Any] {
        var body: [String: Any] = ["name": name]
        if let parent { body["parent_id"] = parent }
        let response = try await call(.post, "/folders/", json: body)
        try #require(response.status == .created, "mkdir \(name): \(response.text)")
        return try response.object()
    }

    func upload(_ name: String, _ content: String, in parent: String? = nil, query: String = "") async throws -> [String: Any] {
        let response = try await uploadResponse(name, Array(content.utf8), in: parent, query: query)
        try #require(response.status == .created, "upload \(name): \(response.text)")
        return try response.object()
    }

    func uploadResponse(_ name: String, _ content: [UInt8], in parent: String? = nil, query: String = "", headers: HTTPFields = [:])
        async throws -> TestResponse
    {
        var uri = "/files/?name=\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)"
        if let parent { uri += "&parent_id=\(parent)" }
        return try await call(.post, uri + query, bytes: content, headers: headers)
    }

    /// Every child of a folder, following `next_cursor`.
    func listAll(_ parent: String? = nil, limit: Int = 1000, extra: String = "") async throws -> [[String: Any]] {
        var items: [[String: Any]] = []
        var cursor: String?
        repeat {
            var uri = "/files/?limit=\(limit)\(extra)"
            if let parent { uri += "&parent_id=\(parent)" }
            if let cursor { uri += "&cursor=\(cursor)" }
            let page = try await call(.get, uri)
            try #require(page.status == .ok, "list: \(page.text)")
            let object = try page.object()
            items += object["items"] as! [[String: Any]]
            cursor = object["next_cursor"] as? String
        } while cursor != nil
        return items
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var bytes: [UInt8] { Array(buffer: body) }

    func object() throws -> [String: Any] {
        let value = try JSONSerialization.jsonObject(with: Data(bytes))
        return try #require(value as? [String: Any], "not a JSON object: \(text)")
    }

    /// The error body's `code`, checking that the body has the error shape.
    func errorCode() throws -> String {
        let object = try self.object()
        #expect(object["message"] is String, "no message in \(text)")
        return try #require(object["code"] as? String, "no code in \(text)")
    }
}

func sha256Hex(_ text: String) -> String {
    sha256Hex(Array(text.utf8))
}

func sha256Hex(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}
