import Foundation

/// The JWT signing key: given, or read from `secret.key` in the data directory, or made there at
/// first start (32 random bytes, mode 0600). There is no built-in default.
enum SecretKey {
    enum Failure: Error, CustomStringConvertible {
        case unreadable(String)
        case tooShort(String)

        var description: String {
            switch self {
            case .unreadable(let path): return "cannot read or create the signing key at \(path)"
            case .tooShort(let path): return "the signing key at \(path) is shorter than 32 bytes"
            }
        }
    }

    /// - Throws: `SecretKey.Failure` when the file cannot be read or written, or holds too short a key.
    static func loadOrCreate(dataDirectory: String) throws -> [UInt8] {
        let path = dataDirectory + "/secret.key"
        if let data = FileManager.default.contents(atPath: path) {
            guard data.count >= 32 else { throw Failure.tooShort(path) }
            return Array(data)
        }
        var key = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for i in key.indices { key[i] = generator.next() }
        let temporary = path + ".new"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure.unreadable(path) }
        let written = key.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == key.count, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw Failure.unreadable(path)
        }
        return key
    }
}
