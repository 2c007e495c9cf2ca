import Foundation
import PapersCore

extension FileService {
    /// Copies a file, or a folder with (`deep`) or without what is in it, to `name` in the folder
    /// `parentId` (`nil`: the root): new nodes over the same content, so no byte is read or written
    /// and the quota counts the copy. Dead properties are copied along; locks are not.
    ///
    /// Not one transaction: a copy stopped half-way (the quota, a crash) leaves the part made so far,
    /// each node of it whole. The caller refuses a folder copied into its own subtree.
    /// - Throws: `.nodeNotFound`, `.notAFolder`, `.nameConflict`, `.quotaExceeded`.
    func copy(ownerId: String, _ source: NodeRecord, toParent parentId: String?, name: String, deep: Bool) async throws -> NodeRecord {
        let copy: NodeRecord
        if let sha256 = source.sha256 {
            guard
                let made = try await createFileFromOwnContent(
                    ownerId: ownerId, parentId: parentId, name: name, mimeType: source.mimeType, sha256: sha256, size: source.size,
                    onConflict: .fail)
            else { throw StoreError.contentBeingRemoved }
            copy = made
        } else {
            copy = try await createFolder(ownerId: ownerId, parentId: parentId, name: name, onConflict: .fail)
        }
        if let properties = try await store.deadProperties(ownerId: ownerId, nodeIds: [source.id])[source.id] {
            try await store.patchDeadProperties(ownerId: ownerId, nodeId: copy.id, set: properties, remove: [])
        }
        guard source.isFolder, deep else { return copy }
        var cursor: ListCursor?
        repeat {
            let page = try await children(ownerId: ownerId, parentId: source.id, query: ListQuery(limit: ListQuery.maxLimit, after: cursor))
            for child in page.items {
                _ = try await self.copy(ownerId: ownerId, child, toParent: copy.id, name: child.name, deep: true)
            }
            cursor = page.next
        } while cursor != nil
        return copy
    }
}
