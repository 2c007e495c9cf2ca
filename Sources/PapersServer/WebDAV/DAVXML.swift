import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// An XML element of a WebDAV request body, namespaces resolved.
struct DAVElement: Sendable, Equatable {
    enum Content: Sendable, Equatable {
        case element(DAVElement)
        case text(String)
    }

    var name: PropertyName
    /// Attributes without a namespace, by name (namespaced ones, `xmlns` included, are dropped).
    var attributes: [String: String] = [:]
    var content: [Content] = []

    var children: [DAVElement] {
        content.compactMap { if case .element(let element) = $0 { element } else { nil } }
    }

    /// The text directly inside, whitespace trimmed.
    var text: String {
        content.compactMap { if case .text(let text) = $0 { text } else { nil } }.joined().trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func child(_ name: String, namespace: String = DAVXML.dav) -> DAVElement? {
        children.first { $0.name == PropertyName(namespace: namespace, name: name) }
    }

    func isDAV(_ local: String) -> Bool { name.namespace == DAVXML.dav && name.name == local }

    /// What is inside, as self-contained XML: each element declares its namespace with `xmlns`, so
    /// the fragment means the same wherever it is written back (a dead property's value, a lock's owner).
    var innerXML: String {
        var out = ""
        for part in content { Self.write(part, to: &out) }
        return out
    }

    private static func write(_ part: Content, to out: inout String) {
        switch part {
        case .text(let text): out += DAVXML.escape(text)
        case .element(let element):
            out += "<\(element.name.name) xmlns=\"\(DAVXML.escape(element.name.namespace))\""
            for (key, value) in element.attributes.sorted(by: { $0.key < $1.key }) { out += " \(key)=\"\(DAVXML.escape(value))\"" }
            if element.content.isEmpty {
                out += "/>"
            } else {
                out += ">"
                for inner in element.content { write(inner, to: &out) }
                out += "</\(element.name.name)>"
            }
        }
    }
}

/// Reading and writing the XML of WebDAV bodies.
///
/// Parsing uses Foundation's `XMLParser` (libxml2) with namespaces processed, and limits of its own:
/// the body's size (read by the caller with a cap), no DTD at all (no entities to expand, nothing
/// external to fetch), a bounded depth and element count. A body over them is a 400, as is any
/// malformed one.
enum DAVXML {
    static let dav = "DAV:"
    static let maxBodyBytes = 1 << 20
    static let maxDepth = 64
    static let maxElements = 20_000

    /// Why a body could not be read; answered as 400.
    struct Invalid: Error, Equatable {
        var reason: String
    }

    /// The root element of `data`.
    /// - Throws: `Invalid` for malformed XML, a DTD, or a body past the limits.
    static func parse(_ data: Data) throws(Invalid) -> DAVElement {
        guard data.count <= maxBodyBytes else { throw Invalid(reason: "the XML body is larger than \(maxBodyBytes) bytes") }
        // A DTD is the way to entity expansion and external fetches; WebDAV bodies never need one.
        if data.range(of: Data("<!DOCTYPE".utf8)) != nil || data.range(of: Data("<!ENTITY".utf8)) != nil {
            throw Invalid(reason: "XML with a DTD is not accepted")
        }
        let builder = TreeBuilder()
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        parser.shouldReportNamespacePrefixes = false
        parser.shouldResolveExternalEntities = false
        parser.delegate = builder
        let parsed = parser.parse()
        if let limit = builder.overLimit { throw Invalid(reason: limit) }
        guard parsed, let root = builder.root else {
            throw Invalid(reason: "the body is not well-formed XML" + (parser.parserError.map { " (\($0.localizedDescription))" } ?? ""))
        }
        return root
    }

    static func escape(_ text: String) -> String {
        // Most names and values have nothing to escape: handed back as they are.
        guard text.utf8.contains(where: { $0 == 38 || $0 == 60 || $0 == 62 || $0 == 34 || $0 == 39 }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private final class TreeBuilder: NSObject, XMLParserDelegate {
        var stack: [DAVElement] = []
        var root: DAVElement?
        var count = 0
        /// Why the parse was stopped by a rule of ours (a limit, a bad prefix).
        var overLimit: String?

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            count += 1
            if stack.count >= DAVXML.maxDepth || count > DAVXML.maxElements {
                overLimit = "the XML body is nested deeper than \(DAVXML.maxDepth) or has more than \(DAVXML.maxElements) elements"
                parser.abortParsing()
                return
            }
            // `xmlns:p=""` cannot undeclare a prefix in XML Namespaces 1.0: an element `p:x` under it is malformed.
            if let qualifiedName, qualifiedName.contains(":"), (namespaceURI ?? "").isEmpty {
                overLimit = "the prefix of <\(qualifiedName)> is bound to no namespace"
                parser.abortParsing()
                return
            }
            let plain = attributes.filter { !$0.key.contains(":") && $0.key != "xmlns" }
            stack.append(DAVElement(name: PropertyName(namespace: namespaceURI ?? "", name: elementName), attributes: plain))
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            guard let element = stack.popLast() else { return }
            if stack.isEmpty {
                root = element
            } else {
                stack[stack.count - 1].content.append(.element(element))
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            appendText(string)
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            appendText(String(decoding: CDATABlock, as: UTF8.self))
        }

        private func appendText(_ text: String) {
            guard !stack.isEmpty else { return }
            if case .text(let previous) = stack[stack.count - 1].content.last {
                stack[stack.count - 1].content[stack[stack.count - 1].content.count - 1] = .text(previous + text)
            } else {
                stack[stack.count - 1].content.append(.text(text))
            }
        }
    }
}
