import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import PapersCore

/// The HTML face of a share link for browsers: a file's name, size and a download button, or a
/// folder's entries with links. Server-rendered, no script; every value goes through Mustache's
/// HTML escaping (`{{ }}`), and every link is made of percent-encoded names under the link itself.
enum SharePage {
    static let layout = try! MustacheTemplate(
        string: """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer"><title>{{title}} — Papers</title>
            <style>
            body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}
            h1{font-size:1.4rem;word-break:break-all}table{border-collapse:collapse;width:100%}
            td,th{padding:.35rem .5rem;border-bottom:1px solid #ddd;text-align:left}td.n{text-align:right;white-space:nowrap}
            a.button{display:inline-block;padding:.6rem 1.2rem;background:#2456a6;color:#fff;border-radius:.3rem;text-decoration:none}
            nav{margin-bottom:1rem;word-break:break-all}footer{margin-top:2rem;color:#777;font-size:.85rem}
            </style></head><body>
            <nav>{{#crumbs}}<a href="{{href}}">{{name}}</a> / {{/crumbs}}</nav>
            <h1>{{title}}</h1>
            {{#file}}
            <p>{{size}} · modified {{modified}}</p>
            <p><a class="button" id="download" href="{{download}}" download>Download</a></p>
            {{/file}}
            {{#folder}}
            <table><thead><tr><th>Name</th><th>Size</th><th>Modified</th></tr></thead><tbody>
            {{#items}}<tr><td><a href="{{href}}">{{name}}{{#isFolder}}/{{/isFolder}}</a></td><td class="n">{{size}}</td><td>{{modified}}</td></tr>
            {{/items}}
            {{^items}}<tr><td colspan="3">This folder is empty.</td></tr>{{/items}}
            </tbody></table>
            {{#next}}<p><a id="next" href="{{next}}">Next page</a></p>{{/next}}
            {{/folder}}
            <footer>Shared with Papers</footer>
            </body></html>
            """)

    static func file(node: NodeRecord, path: SharePath, root: String, method: HTTPRequest.Method) -> Response {
        let context: [String: Any] = [
            "title": node.name, "crumbs": crumbs(path, root: root),
            "file": [
                "size": ByteCount.human(node.size), "modified": Timestamp.format(milliseconds: node.modifiedMs),
                "download": path.href(path.names, folder: false) + "?download=1",
            ] as [String: Any],
        ]
        return page(context, method: method)
    }

    static func folder(node: NodeRecord, items: [NodeRecord], next: String?, path: SharePath, root: String, method: HTTPRequest.Method) -> Response {
        let rows: [[String: Any]] = items.map { item in
            [
                "name": item.name, "isFolder": item.isFolder, "href": path.href(path.names + [item.name], folder: item.isFolder),
                "size": item.isFolder ? "" : ByteCount.human(item.size), "modified": Timestamp.format(milliseconds: item.modifiedMs),
            ]
        }
        var folder: [String: Any] = ["items": rows]
        if let next { folder["next"] = path.href(path.names, folder: true) + "?cursor=" + next }
        return page(["title": node.name, "crumbs": crumbs(path, root: root), "folder": folder], method: method)
    }

    /// The folders above the page inside the link, from the shared node down (never above it).
    private static func crumbs(_ path: SharePath, root: String) -> [[String: Any]] {
        guard !path.names.isEmpty else { return [] }
        return (0..<path.names.count).map { depth in
            ["name": depth == 0 ? root : path.names[depth - 1], "href": path.href(Array(path.names.prefix(depth)), folder: true)]
        }
    }

    private static func page(_ context: [String: Any], method: HTTPRequest.Method) -> Response {
        let html = ByteBuffer(string: layout.render(context))
        let headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .contentLength: String(html.readableBytes)]
        return Response(status: .ok, headers: headers, body: method == .head ? ResponseBody() : .init(byteBuffer: html))
    }
}
