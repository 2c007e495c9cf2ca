import HTTPTypes
import Hummingbird
import NIOCore

/// A WebDAV refusal that names its reason the RFC 4918 way: an `<D:error>` body with a precondition
/// element (`lock-token-submitted`, `propfind-finite-depth`, …). Other errors of `/dav/` requests are
/// mapped like the API's (`APIError.from`), with their JSON body.
struct DAVError: Error, Sendable {
    var status: HTTPResponse.Status
    /// The precondition or postcondition element, in the `DAV:` namespace.
    var condition: String?
    /// Hrefs inside the condition element (the locked resource, for `lock-token-submitted`).
    var hrefs: [String] = []

    static func locked(_ href: String) -> DAVError {
        DAVError(status: APIError.lockedStatus, condition: "lock-token-submitted", hrefs: [href])
    }
    static let preconditionFailed = DAVError(status: .preconditionFailed)
    static let conflict = DAVError(status: .conflict)
    static let forbidden = DAVError(status: .forbidden)
    static let methodNotAllowed = DAVError(status: .methodNotAllowed)
    static let notFound = DAVError(status: .notFound)

    func response() -> Response {
        var body = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:error xmlns:D=\"DAV:\">"
        if let condition {
            body += "<D:\(condition)>" + hrefs.map { "<D:href>\(DAVXML.escape($0))</D:href>" }.joined() + "</D:\(condition)>"
        }
        body += "</D:error>\n"
        var headers: HTTPFields = [.contentType: "application/xml; charset=utf-8", .contentLength: String(body.utf8.count)]
        if status == .methodNotAllowed { headers[.allow] = DAVController.allowedMethods }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
