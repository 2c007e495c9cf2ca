import Testing

@testable import PapersServer

/// The values `papers serve` reads from options and `PAPERS_*` variables.
@Suite struct ConfigValueTests {
    @Test func databaseNames() {
        #expect(ConfigValue.database("/var/lib/papers/meta.sqlite") == .sqlite(path: "/var/lib/papers/meta.sqlite"))
        #expect(ConfigValue.database("sqlite:/srv/p.sqlite") == .sqlite(path: "/srv/p.sqlite"))
        #expect(ConfigValue.database("sqlite:///srv/p.sqlite") == .sqlite(path: "/srv/p.sqlite"))
        #expect(ConfigValue.database("relative.sqlite") == .sqlite(path: "relative.sqlite"))
        #expect(ConfigValue.database("postgres://u:p@db:5432/papers") == .postgres(url: "postgres://u:p@db:5432/papers"))
        #expect(ConfigValue.database("PostgreSQL://db/papers") == .postgres(url: "PostgreSQL://db/papers"))
        #expect(ConfigValue.database("ftp://x/y") == nil)
        #expect(ConfigValue.database("sqlite:") == nil)
        #expect(ConfigValue.database("  ") == nil)
    }

    @Test func blobFolderNames() {
        #expect(ConfigValue.blobsFolder("/srv/blobs") == "/srv/blobs")
        #expect(ConfigValue.blobsFolder("relative/blobs") == "relative/blobs")
        #expect(ConfigValue.blobsFolder("file:///srv/papers%20blobs") == "/srv/papers blobs")
        #expect(ConfigValue.blobsFolder("file://localhost/srv/b") == "/srv/b")
        #expect(ConfigValue.blobsFolder("file://elsewhere/srv/b") == nil, "another host's folder")
        #expect(ConfigValue.blobsFolder("https://objects.example.com/bucket") == nil, "a folder, not another URL")
        #expect(ConfigValue.blobsFolder("ftp://x/y") == nil)
        #expect(ConfigValue.blobsFolder("") == nil)
    }

    @Test func durationsAndZero() {
        #expect(ConfigValue.duration("0") == nil)
        #expect(ConfigValue.durationOrZero("0") == 0)
        #expect(ConfigValue.durationOrZero("0s") == 0)
        #expect(ConfigValue.durationOrZero("0.0m") == 0)
        #expect(ConfigValue.durationOrZero("30s") == 30)
        #expect(ConfigValue.durationOrZero("1h") == 3600)
        #expect(ConfigValue.durationOrZero("0x") == nil)
        #expect(ConfigValue.durationOrZero("-1s") == nil)
        #expect(ConfigValue.durationOrZero("soon") == nil)
    }
}
