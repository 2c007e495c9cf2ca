import Foundation
import HTTPTypes
import Hummingbird
import PapersCore

extension Response {
    /// A JSON response with the context's encoder.
    static func json(_ value: some Encodable, status: HTTPResponse.Status, headers: HTTPFields = [:], context: AppRequestContext) throws
        -> Response
    {
        let data = try context.responseEncoder.encode(value)
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(data.count)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension Response {
    /// A JSON response from bytes already serialised (`NodeJSON`).
    static func json(bytes: ByteBuffer, status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(bytes.readableBytes)
        return Response(status: status, headers: headers, body: .init(byteBuffer: bytes))
    }
}

extension Response {
    /// A node's properties as JSON (`NodeJSON`), with its `ETag`.
    static func node(_ record: NodeRecord, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.eTag] = record.etag
        return json(bytes: NodeJSON.node(Node(record)), status: status, headers: headers)
    }
}

extension Request {
    /// Decodes a JSON (or form) body; a malformed one is `DecodingError`, mapped to 400 `invalid_json`.
    func decodePayload<T: Decodable>(as type: T.Type, context: AppRequestContext) async throws -> T {
        try await context.requestDecoder.decode(type, from: self, context: context)
    }
}
