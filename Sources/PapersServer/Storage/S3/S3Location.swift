import Foundation

/// Where `--blobs s3://bucket/prefix?endpoint=...&region=...` keeps content, and how to reach it.
///
/// With `endpoint` (MinIO, Garage, Ceph RGW, moto, R2, ...) requests use path-style addressing,
/// `<endpoint>/<bucket>/<key>`; without it, AWS's virtual-hosted style,
/// `https://<bucket>.s3.<region>.amazonaws.com/<key>`. `region` defaults to `AWS_REGION`, then
/// `AWS_DEFAULT_REGION`, then `us-east-1`.
public struct S3Location: Sendable, Equatable {
    public var bucket: String
    /// The key prefix without slashes at either end; empty for the bucket's top.
    public var prefix: String
    public var region: String
    /// `http(s)://host[:port]` of a path-style endpoint; `nil` for AWS itself.
    public var endpoint: String?
    /// `abort-incomplete-after=`: multipart uploads older than this are a crash's leftovers, which
    /// the collector aborts (default 24h; keep it above the longest upload).
    public var abandonedUploadAge: TimeInterval = 24 * 3600

    /// Why an `s3://` value cannot be used, in one line.
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// Parses an `s3://` value.
    /// - Throws: `Invalid` for a missing or malformed bucket, an unknown parameter, or an endpoint
    ///   that is not an http(s) URL without a path.
    public init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(Invalid) {
        guard text.lowercased().hasPrefix("s3://"), let components = URLComponents(string: text) else {
            throw Invalid(description: "--blobs \(text): not an s3://bucket/prefix URL")
        }
        let bucket = components.host ?? ""
        // S3's bucket rules: 3-63 of lower-case letters, digits, dots and dashes (dots would break
        // TLS with virtual-hosted style on AWS, but other stores allow them).
        guard (3...63).contains(bucket.count),
            bucket.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == ".") }),
            bucket.first!.isLetter || bucket.first!.isNumber
        else {
            throw Invalid(description: "--blobs \(text): \"\(bucket)\" is not a bucket name (3 to 63 lower-case letters, digits, dots and dashes)")
        }
        self.bucket = bucket
        prefix = components.path.split(separator: "/").joined(separator: "/")
        region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
        endpoint = nil
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "region":
                guard !value.isEmpty else { throw Invalid(description: "--blobs \(text): region= is empty") }
                region = value
            case "endpoint":
                guard let url = URLComponents(string: value), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                    let host = url.host, !host.isEmpty, url.path.isEmpty || url.path == "/", url.query == nil
                else {
                    throw Invalid(description: "--blobs \(text): endpoint= must be http(s)://host[:port], without a path")
                }
                endpoint = "\(scheme)://\(host)\(url.port.map { ":\($0)" } ?? "")"
            case "abort-incomplete-after":
                guard let seconds = ConfigValue.duration(value) else {
                    throw Invalid(description: "--blobs \(text): abort-incomplete-after= must look like 3600, 30m, 24h or 7d")
                }
                abandonedUploadAge = seconds
            default:
                throw Invalid(
                    description: "--blobs \(text): unknown parameter \"\(item.name)\" (known: endpoint, region, abort-incomplete-after)")
            }
        }
    }

    /// The value as given back in logs: `s3://bucket/prefix (endpoint, region)`.
    public var description: String {
        "s3://\(bucket)\(prefix.isEmpty ? "" : "/" + prefix) (\(endpoint ?? "AWS"), \(region))"
    }

    /// The scheme and host requests go to, and the path before the key.
    var base: (url: String, host: String, pathPrefix: String) {
        if let endpoint {
            let host = endpoint.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init) ?? ""
            return (endpoint, host, "/" + SigV4.encode(bucket))
        }
        let host = "\(bucket).s3.\(region).amazonaws.com"
        return ("https://" + host, host, "")
    }

    /// The key of the content with this hash: `prefix/ab/cd/<sha256>`, the disk store's layout, so a
    /// plain copy of a blob folder into the bucket moves content from one store to the other.
    func key(for sha256: String) -> String {
        let tail = "\(sha256.prefix(2))/\(sha256.dropFirst(2).prefix(2))/\(sha256)"
        return prefix.isEmpty ? tail : "\(prefix)/\(tail)"
    }

    /// What listings ask for: the prefix with its slash, or nothing for the bucket's top.
    var listPrefix: String { prefix.isEmpty ? "" : prefix + "/" }
}

extension SigV4.Credentials {
    /// The standard variables: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`.
    /// - Throws: `S3Location.Invalid` when either of the first two is missing.
    static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(S3Location.Invalid) -> Self {
        guard let id = environment["AWS_ACCESS_KEY_ID"], !id.isEmpty, let secret = environment["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
            throw S3Location.Invalid(description: "--blobs s3://...: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        let token = environment["AWS_SESSION_TOKEN"]
        return Self(accessKeyID: id, secretAccessKey: secret, sessionToken: token?.isEmpty == false ? token : nil)
    }
}
