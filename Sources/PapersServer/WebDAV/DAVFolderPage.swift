import Foundation
import Hummingbird
import NIOCore

/// What a browser sees at a `/dav/` folder: a plain HTML list of its members with links, streamed
/// a page of the folder at a time.
enum DAVFolderPage {
    static func body(files: FileService, ownerId: String, folder: NodeRecord, path: DAVPath) -> ResponseBody {
        let parentId: String? = path.isRoot ? nil : folder.id
        return ResponseBody { writer in
            let title = DAVXML.escape(path.isRoot ? "/" : path.key)
            var head = "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>\(title)</title></head><body><h1>\(title)</h1><ul>\n"
            if !path.isRoot { head += "<li><a href=\"\(DAVXML.escape(path.parent.href(folder: true)))\">..</a></li>\n" }
            try await writer.write(ByteBuffer(string: head))
            var cursor: ListCursor?
            repeat {
                let page = try await files.children(ownerId: ownerId, parentId: parentId, query: ListQuery(limit: ListQuery.maxLimit, after: cursor))
                var chunk = ""
                for child in page.items {
                    let href = path.appending(child.name).href(folder: child.isFolder)
                    chunk += "<li><a href=\"\(DAVXML.escape(href))\">\(DAVXML.escape(child.name))\(child.isFolder ? "/" : "")</a></li>\n"
                }
                try await writer.write(ByteBuffer(string: chunk))
                cursor = page.next
            } while cursor != nil
            try await writer.write(ByteBuffer(string: "</ul></body></html>\n"))
            try await writer.finish(nil)
        }
    }
}
