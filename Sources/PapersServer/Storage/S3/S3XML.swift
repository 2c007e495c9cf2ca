import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Reads the few XML answers of the S3 API Papers uses (listings, multipart starts, errors) with
/// Foundation's parser: the text of named elements, or of named children of repeated elements.
enum S3XML {
    /// The texts of every element named `name`, in document order.
    static func values(of name: String, in text: String) -> [String] {
        records(of: nil, fields: [name], in: text).compactMap { $0[name] }
    }

    /// For each element named `record`, the texts of its children named in `fields` (`record` nil:
    /// each matching element is a record of its own).
    static func records(of record: String?, fields: Set<String>, in text: String) -> [[String: String]] {
        let collector = Collector(record: record, fields: fields)
        let parser = XMLParser(data: Data(text.utf8))
        parser.shouldResolveExternalEntities = false
        parser.delegate = collector
        parser.parse()
        return collector.records
    }

    /// The body of `CompleteMultipartUpload` for parts' entity tags, in part order.
    static func completion(_ etags: [String]) -> String {
        let parts = etags.enumerated().map { "<Part><PartNumber>\($0.offset + 1)</PartNumber><ETag>\(escape($0.element))</ETag></Part>" }
        return "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\(parts.joined())</CompleteMultipartUpload>"
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    private final class Collector: NSObject, XMLParserDelegate {
        let record: String?
        let fields: Set<String>
        var records: [[String: String]] = []
        private var current: [String: String]?
        private var field: String?
        private var text = ""

        init(record: String?, fields: Set<String>) {
            self.record = record
            self.fields = fields
        }

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            if name == record { current = [:] }
            if fields.contains(name), record == nil || current != nil {
                field = name
                text = ""
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if field != nil { text += string }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == field {
                if record == nil {
                    records.append([name: text])
                } else {
                    current?[name] = text
                }
                field = nil
            }
            if name == record, let done = current {
                records.append(done)
                current = nil
            }
        }
    }
}
