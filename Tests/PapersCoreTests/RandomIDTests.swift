import Foundation
import PapersCore
import Testing

@Suite struct RandomIDTests {
    @Test func idsAreVersion4UUIDsInLowercase() {
        for _ in 0..<1_000 {
            let id = RandomID.uuid()
            #expect(id.count == 36)
            #expect(id == id.lowercased())
            // Foundation parses it, and reads it back the same.
            #expect(UUID(uuidString: id)?.uuidString.lowercased() == id)
            let parts = id.split(separator: "-").map(\.count)
            #expect(parts == [8, 4, 4, 4, 12])
            let version = id[id.index(id.startIndex, offsetBy: 14)]
            let variant = id[id.index(id.startIndex, offsetBy: 19)]
            #expect(version == "4")
            #expect("89ab".contains(variant))
        }
    }

    @Test func idsDoNotRepeat() {
        let ids = (0..<10_000).map { _ in RandomID.uuid() }
        #expect(Set(ids).count == ids.count)
    }
}
