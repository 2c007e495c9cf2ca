import NIOCore
import NIOHTTP1
import Testing

@testable import PapersServer

/// The hand-written parsers of request parts: each holds the rule docs/api.md states.
@Suite struct StrictJSONTests {
    @Test(arguments: [
        "{}", "[]", "0", "-0.5e+10", "\"x\"", "true", "null", " {\"a\" : [1, 2.5, {\"b\": null}], \"c\": \"\\u00e9\\n\"} ",
        "{\"name\": \"x\", \"parent_id\": null}",
    ])
    func acceptsWhatTheRFCAllows(text: String) throws {
        try StrictJSON.validate(Array(text.utf8))
    }

    @Test(arguments: [
        "", "{\"name\": \"x\",}", "[1,]", "{'a': 1}", "{a: 1}", "{\"a\": 1} x", "NaN", "01", "1.", ".5", "-", "1e",
        "{\"a\": \"\t\"}", "\"\\x\"", "\"\\u12\"", "\"open", "{\"a\" 1}", "[1 2]", "tru", "// c\n{}",
    ])
    func refusesWhatItForbids(text: String) {
        #expect(throws: StrictJSON.Invalid.self) { try StrictJSON.validate(Array(text.utf8)) }
    }

    @Test func nestingIsBounded() throws {
        let ok = String(repeating: "[", count: StrictJSON.maxDepth - 1) + String(repeating: "]", count: StrictJSON.maxDepth - 1)
        try StrictJSON.validate(Array(ok.utf8))
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: StrictJSON.Invalid.self) { try StrictJSON.validate(Array(deep.utf8)) }
    }

    @Test func reportsWhereItBroke() {
        #expect(throws: StrictJSON.Invalid(offset: 13)) { try StrictJSON.validate(Array("{\"name\": \"x\",}".utf8)) }
    }
}

@Suite struct QueryParametersTests {
    @Test func plusIsASpaceAndEscapesAreDecoded() {
        let query = QueryParameters("name=a+b.txt&n%61me2=c%2Bd&empty=&flag&name=second")
        #expect(query["name"] == "a b.txt")  // the first of a repeated key
        #expect(query["name2"] == "c+d")
        #expect(query["empty"] == "")
        #expect(query["flag"] == "")
        #expect(query["missing"] == nil)
    }

    @Test func malformedEscapesStayAsTheyCame() {
        #expect(QueryParameters("name=100%25+sure%zz")["name"] == "100%25 sure%zz")
        #expect(QueryParameters("name=%E6%97%A5")["name"] == "日")
        #expect(QueryParameters(nil)["name"] == nil)
    }
}

@Suite struct ByteRangeTests {
    @Test func numbersPastInt64Saturate() {
        #expect(ByteRange.parse("bytes=0-99999999999999999999", size: 10) == .partial(0...9))
        #expect(ByteRange.parse("bytes=99999999999999999999-", size: 10) == .unsatisfiable)
        #expect(ByteRange.parse("bytes=-99999999999999999999", size: 10) == .partial(0...9))
        #expect(ByteRange.parse("bytes=9223372036854775807-", size: 10) == .unsatisfiable)
    }

    @Test func theOtherFormsAreUnchanged() {
        #expect(ByteRange.parse("bytes=2-4", size: 10) == .partial(2...4))
        #expect(ByteRange.parse("bytes=-3", size: 10) == .partial(7...9))
        #expect(ByteRange.parse("bytes=-0", size: 10) == .unsatisfiable)
        #expect(ByteRange.parse("bytes=4-2", size: 10) == .whole)
        #expect(ByteRange.parse("bytes=+1-2", size: 10) == .whole)
        #expect(ByteRange.parse("bytes=1-2,4-5", size: 10) == .whole)
        #expect(ByteRange.parse(nil, size: 10) == .whole)
    }

    @Test func onlyAStrongTagValidatesARange() {
        #expect(ContentController.strongMatch("\"abc-2\"", etag: "\"abc-2\""))
        #expect(!ContentController.strongMatch("W/\"abc-2\"", etag: "\"abc-2\""))
        #expect(!ContentController.strongMatch("Wed, 02 Dec 2026 11:44:31 GMT", etag: "\"abc-2\""))
    }
}

@Suite struct DelimiterFinderTests {
    static func scan(_ text: String, pieces: Int) -> Bool {
        var finder = DelimiterFinder(pattern: Array("--XyZ--".utf8))
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + pieces)
            finder.scan(ByteBuffer(bytes: bytes[offset..<end]))
            offset = end
        }
        return finder.found
    }

    @Test(arguments: [1, 2, 3, 6, 7, 8, 1000])
    func findsTheDelimiterAcrossAnySplit(pieces: Int) {
        #expect(Self.scan("--XyZ\r\nheaders\r\n\r\nbody\r\n--XyZ--\r\n", pieces: pieces))
        #expect(!Self.scan("--XyZ\r\nheaders\r\n\r\nbody\r\n--XyZ-\r\n--XyZ\r\n", pieces: pieces))
    }
}

@Suite struct MalformedRequestAnswerTests {
    @Test func statusFollowsWhatOverflowed() {
        #expect(MalformedRequestHandler.answer(for: .headerOverflow, requestLineTooLong: true).status == .uriTooLong)
        #expect(MalformedRequestHandler.answer(for: .headerOverflow, requestLineTooLong: false).status == .requestHeaderFieldsTooLarge)
        #expect(MalformedRequestHandler.answer(for: .unexpectedContentLength, requestLineTooLong: false).status == .badRequest)
        #expect(MalformedRequestHandler.answer(for: .invalidChunkSize, requestLineTooLong: false).code == "bad_request")
    }
}
