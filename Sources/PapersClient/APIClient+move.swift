import PapersCore

extension APIClient {
    /// Moves or renames a node the way `mv` does: when `destination` is an existing folder (or is
    /// written with a trailing `/`), the node moves into it keeping its name; otherwise it takes the
    /// destination's folder and name. One rule for the CLI's `mv` and the TUI's F6.
    /// - Throws: `ClientError.server` 409 `name_conflict` when something already has the destination
    ///   path, 404 when the destination folder (or a parent on its way) is missing, 400 when a
    ///   component is a file; and whatever the server answers to the edit.
    public func move(_ node: Node, to destination: RemotePath) async throws(ClientError) -> Node {
        let found = try await lookup(destination)
        if let folderId = found.folderId {
            return try await edit(id: node.id, destination: folderId.map { .folder($0) } ?? .root)
        }
        if case .node = found {
            throw .server(status: 409, code: "name_conflict", message: "\(destination) exists")
        }
        if destination.meansFolder {
            throw .server(status: 404, code: "not_found", message: "\(destination): no such folder")
        }
        let parent = try await resolve(destination.parent)
        let newParent: EditNodeRequest.Destination? = parent?.id == node.parentId ? nil : (parent.map { .folder($0.id) } ?? .root)
        let newName = destination.name == node.name ? nil : destination.name
        return try await edit(id: node.id, name: newName, destination: newParent)
    }

    /// Moves nodes into the folder at `folder` (which must exist), resolving it once.
    /// Returns the folder (`nil`: the root).
    /// - Throws: `ClientError.server` 404 when the folder is missing, 400 when the path names a
    ///   file, and whatever the server answers to an edit (409 for a name taken there).
    @discardableResult
    public func move(ids: [String], into folder: RemotePath) async throws(ClientError) -> Node? {
        let target = try await resolve(RemotePath(components: folder.components, meansFolder: true))
        for id in ids { _ = try await edit(id: id, destination: target.map { .folder($0.id) } ?? .root) }
        return target
    }
}
