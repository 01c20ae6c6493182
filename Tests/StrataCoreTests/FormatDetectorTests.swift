import Foundation
import Testing
@testable import StrataCore

@Suite("layout detection")
struct FormatDetectorTests {
    @Test("each fixture is recognised", arguments: [
        ("goose", MigrationFormat.goose), ("golang-migrate", .golangMigrate), ("dbmate", .dbmate), ("diesel/migrations", .diesel), ("drizzle", .drizzle),
    ])
    func fixtures(path: String, format: MigrationFormat) {
        let d = FormatDetector.detect(FormatFixtures.url(path))
        #expect(d.format == format && !d.explicit, "\(d)")
    }

    @Test("Strata's own layouts stay strata, and ambiguous folders default to strata", arguments: [
        (["0001_a.sql": "-- strata:up\nSELECT 1;"], MigrationFormat.strata),
        (["0001_a.up.sql": "-- strata:no-transaction\nSELECT 1;", "0001_a.down.sql": "SELECT 1;"], .strata),
        (["0001_a.up.sql": "SELECT 1;", "0001_a.verify.sql": "SELECT 1;"], .strata),
        (["0001_a.up.sql": "SELECT 1;", "strata.sum": "x"], .strata),
        (["0001_a.up.sql": "SELECT 1;", "0002-b.up.sql": "SELECT 1;"], .strata),
        (["0001_a.up.sql": "SELECT 1;", "0001_a.down.sql": "SELECT 1;"], .golangMigrate),
        (["0001_a/up.sql": "SELECT 1;"], .strata),
        (["0001_a/up.sql": "SELECT 1;", "0001_a/metadata.toml": "run_in_transaction = false"], .diesel),
        (["00000000000000_diesel_initial_setup/up.sql": "SELECT 1;", "0001_a/up.sql": "SELECT 1;", "0001_a/verify.sql": "SELECT 1;"], .strata),
        (["1_a.sql": "-- +goose Up\nSELECT 1;", "2_b.sql": "-- migrate:up\nSELECT 1;\n-- migrate:down\n"], .strata),
        (["1_a.sql": "-- +goose Up\nSELECT 1;", "2_b.sql": "CREATE TABLE no_annotation (id int);"], .goose),
        (["V1__init.sql": "CREATE TABLE t (id int);", "R__views.sql": "SELECT 1;"], .flyway),
        (["sqitch.plan": "%project=x\n"], .sqitch),
        ([:], .strata),
    ])
    func layouts(files: [String: String], format: MigrationFormat) throws {
        let dir = try TempDir("detect")
        defer { dir.remove() }
        for (path, text) in files { try dir.write(path, text) }
        #expect(FormatDetector.detect(dir.url).format == format, "\(files.keys.sorted())")
    }

    @Test("diesel.toml beside the migrations folder marks plain folders as diesel's")
    func dieselToml() throws {
        let dir = try TempDir("detect")
        defer { dir.remove() }
        try dir.write("migrations/2026-01-01-000001_a/up.sql", "SELECT 1;")
        #expect(FormatDetector.detect(dir.url.appendingPathComponent("migrations")).format == .strata)
        try dir.write("diesel.toml", "[print_schema]\n")
        #expect(FormatDetector.detect(dir.url.appendingPathComponent("migrations")).format == .diesel)
    }

    @Test("--format values", arguments: [("goose", MigrationFormat.goose as MigrationFormat?), ("Golang-Migrate", .golangMigrate), ("drizzle-kit", .drizzle), ("auto", nil), ("strata", .strata)])
    func option(text: String, format: MigrationFormat?) throws {
        #expect(try MigrationFormat.option(text, origin: "--format") == format)
    }

    @Test("an unknown format is a clear configuration error naming the option")
    func unsupportedOption() throws {
        do { _ = try MigrationFormat.option("liquibase", origin: "--format"); Issue.record("accepted liquibase") } catch {
            #expect("\(error)".contains("--format liquibase: unknown migrations format"))
        }
        #expect(try MigrationFormat.option("Flyway", origin: "--format") == .flyway)
        #expect(try MigrationFormat.option("sqitch", origin: "--format") == .sqitch)
    }

    @Test("Flyway file names are detected and read")
    func flywayDetected() async throws {
        let dir = try TempDir("detect")
        defer { dir.remove() }
        try dir.write("V1__init.sql", "CREATE TABLE t (id int);")
        let reading = try await MigrationSources.directory(dir.url).read()
        #expect(reading.format == .flyway && reading.migrations.map(\.version.digits) == ["1"])
    }

    @Test("the factory reads the detected layout and Strata's own files alike")
    func factory() async throws {
        let goose = try await MigrationSources.directory(FormatFixtures.url("goose")).read()
        #expect(goose.format == .goose && goose.migrations.count == 5)
        let dir = try TempDir("detect")
        defer { dir.remove() }
        try dir.write("0001_a.sql", "-- strata:up\nCREATE TABLE t (id int);\nCREATE INDEX CONCURRENTLY t_id ON t (id);\n-- strata:down\nDROP TABLE t;")
        let strata = try await MigrationSources.directory(dir.url).read()
        #expect(strata.format == .strata)
        // CREATE INDEX CONCURRENTLY leaves the transaction in Strata's own layout too.
        #expect(strata.migrations.first?.up.directives.noTransaction == true)
        #expect(strata.migrations.first?.down?.directives.noTransaction == false)
        let pairs = try TempDir("detect")
        defer { pairs.remove() }
        try pairs.write("0001_a.up.sql", "CREATE TABLE a (id int);")
        try pairs.write("0001_a.down.sql", "DROP TABLE a;")
        let detected = try await MigrationSources.directory(pairs.url).read()
        #expect(detected.format == .golangMigrate && detected.migrations.first?.origin == MigrationOrigin(format: .golangMigrate, key: "1"))
        let forced = try await MigrationSources.directory(pairs.url, format: .strata).read()
        #expect(forced.format == .strata && forced.migrations.first?.origin == nil)
        #expect(forced.migrations.map(\.checksum) == detected.migrations.map(\.checksum))
    }
}
