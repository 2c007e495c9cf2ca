import Foundation
import MultipartKit
import NIOCore

/// A `multipart/form-data` upload being parsed as it streams: the first `file` part goes to a staged
/// blob, small text fields (`name`, `parent_id`, `on_conflict`) are kept, and any later `file` part
/// is skipped, as docs/api.md says.
///
/// MultipartKit's streaming parser ignores what follows the close delimiter and says nothing when a
/// body stops before it, so the delimiter (`--boundary--`) is looked for here: a body without it was
/// cut off, and `finish` refuses it (nothing is stored).
final class MultipartUpload {
    let staged: StagedBlob
    private let parser: MultipartParser
    private(set) var fields: [String: String] = [:]
    private(set) var filename: String?
    private(set) var partContentType: String?
    private var failure: (any Error)?
    private var currentName: String?
    private var currentFilename: String?
    private var currentType: String?
    private var currentValue: [UInt8] = []
    private var sawFilePart = false
    private var closing: DelimiterFinder
    private static let maxFieldBytes = 4096

    init(boundary: String, staged: StagedBlob) {
        self.staged = staged
        self.parser = MultipartParser(boundary: boundary)
        self.closing = DelimiterFinder(pattern: Array("--\(boundary)--".utf8))
        parser.onHeader = { [unowned self] name, value in self.header(name, value) }
        parser.onBody = { [unowned self] buffer in self.body(buffer) }
        parser.onPartComplete = { [unowned self] in self.partComplete() }
    }

    /// Parses the next chunk of the body.
    /// - Throws: `APIError` 400 for a malformed body or an over-long field, the staged blob's
    ///   `UploadError` when the file part passes a limit or the disk refuses it.
    func feed(_ chunk: ByteBuffer) throws {
        if !closing.found { closing.scan(chunk) }
        do {
            try parser.execute(chunk)
        } catch {
            throw APIError.badRequest("The multipart/form-data body is malformed.")
        }
        if let failure { throw failure }
    }

    /// Called once the body has ended.
    /// - Throws: what `feed` saved, or `APIError` 400 when the body stopped before its close delimiter.
    func finish() throws {
        if let failure { throw failure }
        guard closing.found, currentName == nil else {
            throw APIError(
                .badRequest, code: "upload_interrupted",
                message: "The multipart/form-data body ends before its closing boundary; nothing was stored.")
        }
    }

    private func header(_ name: String, _ value: String) {
        switch name.lowercased() {
        case "content-disposition":
            currentName = Self.parameter("name", in: value) ?? ""
            currentFilename = Self.parameter("filename", in: value)
        case "content-type":
            currentType = value
        default:
            if currentName == nil { currentName = "" }
        }
    }

    private func body(_ buffer: ByteBuffer) {
        guard failure == nil, let name = currentName else { return }
        if name == "file" {
            guard !sawFilePart else { return }  // a later file part: skipped
            do { try staged.write(buffer) } catch { failure = error }
        } else if !name.isEmpty {
            currentValue += buffer.readableBytesView
            if currentValue.count > Self.maxFieldBytes {
                failure = APIError.badRequest("A form field other than \"file\" is too long.")
            }
        }
    }

    private func partComplete() {
        if currentName == "file" {
            if !sawFilePart {
                sawFilePart = true
                filename = currentFilename ?? ""
                partContentType = currentType
            }
        } else if let name = currentName, !name.isEmpty, fields[name] == nil {
            fields[name] = String(decoding: currentValue, as: UTF8.self)
        }
        currentName = nil
        currentFilename = nil
        currentType = nil
        currentValue = []
    }

    /// The `boundary` parameter of a multipart Content-Type. Hand-parsed: Hummingbird's `MediaType`
    /// keeps only one parameter, so `multipart/form-data; charset=utf-8; boundary=x` would lose it.
    static func boundary(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return value.isEmpty || value.count > 200 ? nil : value
            }
        }
        return nil
    }

    /// A parameter of a Content-Disposition value, unquoted (`filename*=UTF-8''...` is decoded too).
    /// Hand-written: neither MultipartKit's streaming parser nor Hummingbird's `MediaType` (one
    /// parameter only) reads Content-Disposition parameters, and RFC 5987's `filename*` needs decoding.
    static func parameter(_ wanted: String, in value: String) -> String? {
        var plain: String?
        for part in value.split(separator: ";").dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            let key = pair[0].lowercased()
            if key == wanted + "*", pair[1].lowercased().hasPrefix("utf-8''") {
                return String(pair[1].dropFirst(7)).removingPercentEncoding
            }
            if key == wanted {
                var text = pair[1]
                if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 {
                    text = String(text.dropFirst().dropLast()).replacingOccurrences(of: "\\\"", with: "\"")
                }
                plain = text
            }
        }
        return plain
    }
}

/// Finds a byte pattern in a stream of chunks, also where it straddles two chunks, with `memmem`
/// (a per-byte Swift loop would cost about a second per GiB of upload).
struct DelimiterFinder {
    let pattern: [UInt8]
    private(set) var found = false
    /// The last `pattern.count - 1` bytes seen, for matches across chunk boundaries.
    private var tail: [UInt8] = []

    init(pattern: [UInt8]) {
        self.pattern = pattern
    }

    mutating func scan(_ chunk: ByteBuffer) {
        guard !found, !pattern.isEmpty else { return }
        let keep = pattern.count - 1
        chunk.withUnsafeReadableBytes { bytes in
            if !tail.isEmpty {
                // The seam: the tail before this chunk and as much of the chunk as a match could use.
                let seam = tail + bytes.prefix(keep)
                if Self.contains(seam, pattern) { found = true; return }
            }
            if bytes.count >= pattern.count, let base = bytes.baseAddress,
                pattern.withUnsafeBytes({ memmem(base, bytes.count, $0.baseAddress, $0.count) }) != nil
            {
                found = true
                return
            }
            tail = Array((tail + bytes.suffix(keep)).suffix(keep))
        }
    }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        haystack.withUnsafeBytes { h in
            needle.withUnsafeBytes { n in h.count >= n.count && memmem(h.baseAddress, h.count, n.baseAddress, n.count) != nil }
        }
    }
}

/// `memmem(3)`, which Swift's Glibc module does not export (it needs `_GNU_SOURCE`).
@_silgen_name("memmem")
private func memmem(_ haystack: UnsafeRawPointer?, _ haystackLength: Int, _ needle: UnsafeRawPointer?, _ needleLength: Int)
    -> UnsafeMutableRawPointer?
