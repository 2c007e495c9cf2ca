import Foundation
import Testing

@testable import PapersCore

@Suite struct TimestampTests {
    @Test func formatsRFC3339WithMilliseconds() {
        #expect(Timestamp.format(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.format(milliseconds: 1_795_646_400_123) == "2026-11-25T22:40:00.123Z")
    }

    @Test func roundTrips() throws {
        let text = "2026-11-25T22:40:00.123Z"
        let date = try #require(Timestamp.parse(text))
        #expect(Timestamp.format(date) == text)
    }
}
