import Foundation
import PapersClient
import PapersCore

/// The trash, versions and search effects.
extension EffectRunner {
    func runTrashEffect(_ effect: Effect) async {
        guard let client else { return }
        do {
            switch effect {
            case .loadTrash:
                deliver(.trashLoaded(try await client.trash()))
            case .restoreTrashed(let id, let rename):
                let node = try await client.restore(trashed: id, onConflict: rename ? .rename : .fail)
                deliver(.trashChanged(message: "Restored \(node.path)\(node.isFolder ? "/" : "")."))
            case .eraseTrashed(let ids):
                if let ids {
                    for id in ids { try await client.erase(trashed: id) }
                    deliver(.trashChanged(message: "Deleted \(ids.count) item\(ids.count == 1 ? "" : "s") for good."))
                } else {
                    try await client.emptyTrash()
                    deliver(.trashChanged(message: "The trash is empty."))
                }
            case .loadVersions(let fileId):
                deliver(.versionsLoaded(fileId: fileId, try await client.versions(of: fileId)))
            case .restoreVersion(let fileId, let version):
                let node = try await client.restore(version: version, of: fileId)
                deliver(.changed(message: "Version \(version) of \(node.name) is current again.", select: node.id))
                deliver(.versionsLoaded(fileId: fileId, try await client.versions(of: fileId)))
            case .previewVersion(let node, let version):
                let bytes = try await client.head(of: node, version: version, count: 1024)
                let text = bytes.contains(0) ? "(binary content, \(ByteCount.grouped(version.size)) bytes)" : String(decoding: bytes, as: UTF8.self)
                deliver(.previewLoaded(title: "\(node.name), version \(version.version)", text: text))
            case .downloadVersion(let node, let version, let folder):
                let local = try TreeTransfer.freeLocalName(
                    beside: (folder as NSString).appendingPathComponent(Self.versionName(node.name, version.version)), orItself: true)
                try await client.download(node, version: version, to: local)
                let name = (local as NSString).lastPathComponent
                deliver(.localChanged(message: "Saved version \(version.version) of \(node.name) as \(local).", select: name))
            case .loadSearch(let text, let cursor, let generation):
                do {
                    let page = try await client.searchPage(text, limit: 1000, cursor: cursor)
                    deliver(.folderLoaded(generation: generation, nodes: page.items, nextCursor: page.nextCursor))
                } catch {
                    deliver(.folderFailed(generation: generation, error))
                }
            case .reveal(let node):
                // The folders from the root down to the node's, looked up by name (a result knows its
                // path, not the ids above it).
                var trail = [FolderRef(id: nil, name: "")]
                for name in RemotePath((node.path as NSString).deletingLastPathComponent).components {
                    guard let folder = try await client.child(named: name, in: trail.last?.id), folder.isFolder else {
                        throw ClientError.server(status: 404, code: "not_found", message: "\(node.path) is no longer there.")
                    }
                    trail.append(FolderRef(id: folder.id, name: folder.name))
                }
                deliver(.revealed(trail: trail, select: node.id))
            default:
                break
            }
        } catch let error as ClientError {
            deliver(.failed(error))
        } catch {
            deliver(.failed(.localIO(message: error.message)))
        }
    }

    /// `report (version 3).pdf`: where a downloaded version goes, beside the file's own name.
    static func versionName(_ name: String, _ version: Int64) -> String {
        let ext = (name as NSString).pathExtension
        let stem = ext.isEmpty ? name : (name as NSString).deletingPathExtension
        return stem + " (version \(version))" + (stem == name ? "" : "." + ext)
    }
}
