import Crypto
import NIOCore
import Testing

@testable import PapersServer

/// The upload hash is the SHA-256 of every byte in order, whether it was computed in place (the
/// first MiB) or on the hasher's queue, and however far the queue fell behind.
@Suite struct StreamHasherTests {
    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }

    @Test(arguments: [0, 10, StreamHasher.inlineBytes, StreamHasher.inlineBytes + 1, 3 * StreamHasher.maxBacklog + 12_345])
    func digestEqualsSHA256OfTheWholeStream(size: Int) async {
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 13) }
        let hasher = StreamHasher()
        var offset = 0
        var chunk = 1
        while offset < size {
            // Chunk sizes from 1 byte to 1 MiB, so the switch to the queue falls inside a chunk.
            let count = min(chunk, size - offset)
            hasher.update(ByteBuffer(bytes: bytes[offset..<offset + count]))
            offset += count
            chunk = chunk >= 1 << 20 ? 7 : chunk * 3
            if hasher.isBehind {
                await hasher.catchUp()
                #expect(!hasher.isBehind)
            }
        }
        #expect(await hasher.digest() == Self.hex(SHA256.hash(data: bytes)))
    }
}
