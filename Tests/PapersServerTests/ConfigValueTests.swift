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

    @Test func blobStoreNames() {
        #expect(ConfigValue.blobs("/srv/blobs") == .file(path: "/srv/blobs"))
        #expect(ConfigValue.blobs("relative/blobs") == .file(path: "relative/blobs"))
        #expect(ConfigValue.blobs("file:///srv/papers%20blobs") == .file(path: "/srv/papers blobs"))
        #expect(ConfigValue.blobs("file://localhost/srv/b") == .file(path: "/srv/b"))
        #expect(ConfigValue.blobs("s3://bucket/prefix?region=eu-west-1") == .s3(url: "s3://bucket/prefix?region=eu-west-1"))
        #expect(ConfigValue.blobs("file://elsewhere/srv/b") == nil, "another host's folder")
        #expect(ConfigValue.blobs("s3://") == nil)
        #expect(ConfigValue.blobs("ftp://x/y") == nil)
        #expect(ConfigValue.blobs("") == nil)
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
