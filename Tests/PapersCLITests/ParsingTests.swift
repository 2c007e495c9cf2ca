import ArgumentParser
import PapersCore
import Testing

@testable import papers

/// The command line as ArgumentParser reads it, without running anything: what each command
/// accepts, what it refuses before any work, and the exit code a refusal gets.
@Suite struct ParsingTests {
    static func refusal(_ arguments: [String]) -> String? {
        do {
            _ = try Papers.parseAsRoot(arguments)
            return nil
        } catch {
            return Papers.fullMessage(for: error)
        }
    }

    @Test func everyCommandIsReachable() throws {
        #expect(try Papers.parseAsRoot(["ls", "-l", "--sort", "modified", "/Work"]) is List)
        #expect(try Papers.parseAsRoot(["put", "-r", "a", "b", "/Dest/"]) is Put)
        #expect(try Papers.parseAsRoot(["get", "/x", "-"]) is Get)
        #expect(try Papers.parseAsRoot(["mv", "--", "-dash", "/b"]) is Move)
        #expect(try Papers.parseAsRoot(["mkdir", "-p", "/a/b"]) is MakeFolder)
        #expect(try Papers.parseAsRoot(["rm", "-r", "/a"]) is Remove)
        #expect(try Papers.parseAsRoot(["serve", "--port", "0"]) is Serve)
        #expect(try Papers.parseAsRoot([]) is TUI)  // the default subcommand
    }

    @Test func sortTakesThePeopleWords() throws {
        let list = try #require(try Papers.parseAsRoot(["ls", "--sort", "modified"]) as? List)
        #expect(SortField(label: list.sort) == .modified)
        #expect(Self.refusal(["ls", "--sort", "colour"])?.contains("--sort must be name, size or modified") == true)
    }

    @Test func refusedBeforeAnyWork() {
        #expect(Self.refusal(["put", "only-one"])?.contains("give at least one local path and a remote destination") == true)
        #expect(Self.refusal(["put", "--on-conflict", "clobber", "a", "/b"])?.contains("--on-conflict must be fail, skip, rename or overwrite") == true)
        #expect(Self.refusal(["get", "/only"])?.contains("give at least one remote path and a local destination") == true)
        #expect(Self.refusal(["frobnicate"]) != nil)
        #expect(Self.refusal(["mv", "/a"]) != nil)
    }

    @Test func serveOptionsAreCheckedWhenResolved() throws {
        let serve = try #require(try Papers.parseAsRoot(["serve", "--min-free-space", "1G", "--idle-timeout", "90s"]) as? Serve)
        let configuration = try serve.resolvedConfiguration(environment: ["HOME": "/home/ada"])
        #expect(configuration.minFreeSpaceBytes == 1 << 30)
        #expect(configuration.idleTimeout == 90)
        #expect(configuration.dataDirectory == "/home/ada/.local/share/papers")
        let defaults = try #require(try Papers.parseAsRoot(["serve"]) as? Serve).resolvedConfiguration(environment: ["PAPERS_MIN_FREE_SPACE": "0"])
        #expect(defaults.minFreeSpaceBytes == 0)
        #expect(defaults.idleTimeout == 60)
        let bad = try #require(try Papers.parseAsRoot(["serve", "--idle-timeout", "soon"]) as? Serve)
        #expect(throws: (any Error).self) { try bad.resolvedConfiguration(environment: [:]) }
    }
}
