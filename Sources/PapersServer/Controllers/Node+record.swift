import PapersCore

extension Node {
    /// The API's view of a stored node (its path and visible parent filled in by the store).
    init(_ record: NodeRecord) {
        self.init(
            id: record.id, name: record.name, isFolder: record.isFolder, parentId: record.visibleParentId, path: record.path,
            size: record.size, mimeType: record.mimeType, sha256: record.sha256, creator: record.ownerId,
            dateCreated: Timestamp.format(milliseconds: record.createdMs), dateModified: Timestamp.format(milliseconds: record.modifiedMs),
            etag: record.etag)
    }
}
