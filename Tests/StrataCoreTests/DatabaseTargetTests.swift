// DatabaseTarget: URLs, libpq variables and DATABASE_* / DB_* parts.

import Testing
@testable import StrataCore

/// The PostgreSQL target a URL parses to, or a recorded failure.
private func postgres(_ url: String, environment: [String: String] = [:],
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> PostgresTarget {
    let target = try DatabaseTarget.parse(url, origin: "--database", environment: environment)
    guard case .postgres(let p) = target else {
        Issue.record("expected a PostgreSQL target for \(url), got \(target)", sourceLocation: sourceLocation)
        throw ConfigError("not postgres")
    }
    return p
}

/// The ConfigError `body` throws, or a recorded failure.
func configError<T>(_ body: () throws(ConfigError) -> T, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
    do {
        let value = try body()
        Issue.record("expected a ConfigError, got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

struct DatabaseTargetTests {
    @Test("postgres URLs", arguments: [
        // (url, host, port, user, password, database)
        ("postgres://app:secret@db.example.com:6543/appdb", "db.example.com", 6543, "app", "secret", "appdb"),
        ("postgresql://app:secret@db/appdb", "db", 5432, "app", "secret", "appdb"),
        ("POSTGRES://app@db/appdb", "db", 5432, "app", nil, "appdb"),
        ("postgres://db", "db", 5432, "postgres", nil, "postgres"),
        ("postgres://app@db", "db", 5432, "app", nil, "app"),
        ("postgres://app@db/", "db", 5432, "app", nil, "app"),
        ("  postgres://app@db/x  ", "db", 5432, "app", nil, "x"),
        ("postgres://us%40er:p%40ss%3Aw%2Frd%20x@db/my%20db", "db", 5432, "us@er", "p@ss:w/rd x", "my db"),
        ("postgres://app:@db/x", "db", 5432, "app", "", "x"),
        ("postgres://app@127.0.0.1:5433/x", "127.0.0.1", 5433, "app", nil, "x"),
        ("postgres://app@[::1]:5433/x", "::1", 5433, "app", nil, "x"),
        ("postgres://app@[2001:db8::5]/x", "2001:db8::5", 5432, "app", nil, "x"),
        ("postgres:///x?user=u&password=pw&port=7000&dbname=other", "localhost", 7000, "u", "pw", "other"),
    ])
    func parsesPostgres(url: String, host: String, port: Int, user: String, password: String?, database: String) throws {
        let p = try postgres(url)
        #expect(p.host == host)
        #expect(p.port == port)
        #expect(p.user == user)
        #expect(p.password == password)
        #expect(p.database == database)
        #expect(p.socketDirectory == nil)
    }

    @Test func displayHasNoPasswordAndBracketsIPv6() throws {
        let target = try DatabaseTarget.parse("postgres://app:hunter22@[::1]:5433/x", origin: "test")
        #expect(target.display == "postgres://app@[::1]:5433/x")
        #expect(target.secrets == ["hunter22"])
        #expect(try DatabaseTarget.parse("postgres://app:pw@db/x", origin: "t").display == "postgres://app@db:5432/x")
    }

    @Test("sslmode values", arguments: [
        ("disable", PostgresTarget.SSLMode.disable), ("allow", .allow), ("prefer", .prefer), ("require", .require),
        ("verify-ca", .verifyCA), ("verify-full", .verifyFull), ("REQUIRE", .require),
    ])
    func sslModes(value: String, mode: PostgresTarget.SSLMode) throws {
        #expect(try postgres("postgres://app@db/x?sslmode=\(value)").sslMode == mode)
    }

    @Test func defaultsToPreferAndTakesTheRootCertificate() throws {
        #expect(try postgres("postgres://app@db/x").sslMode == .prefer)
        let p = try postgres("postgres://app@db/x?sslmode=verify-full&sslrootcert=/etc/ssl/ca.pem")
        #expect(p.sslMode == .verifyFull)
        #expect(p.sslRootCert == "/etc/ssl/ca.pem")
    }

    @Test func otherParameters() throws {
        let p = try postgres("postgres://app@db/x?connect_timeout=3&application_name=deploy")
        #expect(p.connectTimeout == .seconds(3))
        #expect(p.applicationName == "deploy")
    }

    @Test("host= with a directory means a Unix socket", arguments: [
        "postgres:///x?host=/var/run/postgresql",
        "postgres://app@/x?host=/var/run/postgresql",
        "postgres://%2Fvar%2Frun%2Fpostgresql/x",
    ])
    func socketDirectory(url: String) throws {
        let p = try postgres(url)
        #expect(p.socketDirectory == "/var/run/postgresql")
        #expect(p.database == "x")
        #expect(p.display.contains("/var/run/postgresql/.s.PGSQL.5432"))
    }

    @Test func hostParameterWithAName() throws {
        let p = try postgres("postgres:///x?host=db.internal")
        #expect(p.host == "db.internal")
        #expect(p.socketDirectory == nil)
    }

    @Test func libpqVariablesFillWhatTheURLLeavesOut() throws {
        let env = ["PGPASSWORD": "frompg", "PGSSLMODE": "require", "PGSSLROOTCERT": "/ca.pem", "PGCONNECT_TIMEOUT": "7"]
        let p = try postgres("postgres://app@db/x", environment: env)
        #expect(p.password == "frompg")
        #expect(p.sslMode == .require)
        #expect(p.sslRootCert == "/ca.pem")
        #expect(p.connectTimeout == .seconds(7))
        // The URL wins over the variables.
        let q = try postgres("postgres://app:fromurl@db/x?sslmode=disable", environment: env)
        #expect(q.password == "fromurl")
        #expect(q.sslMode == .disable)
    }

    @Test("bad URLs are refused with the important words", arguments: [
        // (url, words that must appear)
        ("postgres://app@db/x?sslmode=bogus", ["--database", "sslmode=bogus", "verify-full"]),
        ("postgres://app@db/x?sslmode=", ["sslmode="]),
        ("postgres://app@db/x?colour=blue", ["unknown URL parameter", "colour", "sslmode"]),
        ("postgres://app@db:70000/x", ["port", "70000"]),
        ("postgres://app@db/x?port=0", ["port=0"]),
        ("postgres://app@db/x?port=abc", ["port=abc"]),
        ("postgres://app@db/x?connect_timeout=soon", ["connect_timeout=soon"]),
        ("mysql://root@db/x", ["unsupported database URL", "mysql", "postgres://", "sqlite:"]),
        ("db.example.com", ["unsupported database URL"]),
        ("", ["unsupported database URL"]),
        ("sqlite:", ["sqlite", "file path"]),
        ("sqlite://", ["sqlite", "file path"]),
    ])
    func refuses(url: String, words: [String]) throws {
        let error = try #require(configError { () throws(ConfigError) in try DatabaseTarget.parse(url, origin: "--database") })
        expectContains(error.message, words)
    }

    @Test("malformed URLs are refused without showing the password", arguments: [
        ("postgres://app:pa#ss@db/x", "pa#ss"),
        ("postgres://app:pa/ss@db/x", "pa/ss"),
        ("postgres://app:pa#ss@tail9@db/x", "tail9"),
        ("postgres://app:s3cr3t@db:abc/x", "s3cr3t"),
        ("mysql://root:t0ps3cret@db/x", "t0ps3cret"),
        ("postgresql://app:pa#ss?word@db/x", "ss?word"),
    ])
    func malformedHidesPassword(url: String, secret: String) throws {
        let error = try #require(configError { () throws(ConfigError) in try DatabaseTarget.parse(url, origin: "DATABASE_URL") })
        #expect(!error.message.contains(secret), "the password leaked: \(error.message)")
        expectContains(error.message, ["DATABASE_URL"])
    }

    @Test("sqlite URLs", arguments: [
        ("sqlite:app.sqlite", "app.sqlite"),
        ("sqlite:data/app.sqlite", "data/app.sqlite"),
        ("sqlite://data/app.sqlite", "data/app.sqlite"),
        ("sqlite:///var/lib/app.sqlite", "/var/lib/app.sqlite"),
        ("sqlite:/var/lib/app.sqlite", "/var/lib/app.sqlite"),
        ("sqlite::memory:", ":memory:"),
        ("SQLITE:App.sqlite", "App.sqlite"),
        ("sqlite3:app.db", "app.db"),
        ("file:app.db", "app.db"),
        ("sqlite:app.sqlite?mode=rwc", "app.sqlite"),
        ("sqlite:my%20app.sqlite", "my app.sqlite"),
    ])
    func parsesSQLite(url: String, path: String) throws {
        let target = try DatabaseTarget.parse(url, origin: "test")
        #expect(target == .sqlite(path: path))
        #expect(target.display == "sqlite:\(path)")
        #expect(target.secrets.isEmpty)
    }

    @Test func fromLibpqVariables() throws {
        #expect(try DatabaseTarget.fromLibpq([:]) == nil)
        #expect(try DatabaseTarget.fromLibpq(["PGPASSWORD": "only-a-password", "PGSSLMODE": "require"]) == nil)
        #expect(try DatabaseTarget.fromLibpq(["PGHOST": ""]) == nil)

        let env = ["PGHOST": "pg.internal", "PGPORT": "6000", "PGUSER": "deploy", "PGPASSWORD": "pw1", "PGDATABASE": "shop",
                   "PGSSLMODE": "verify-ca", "PGSSLROOTCERT": "/ca.pem"]
        guard case .postgres(let p)? = try DatabaseTarget.fromLibpq(env) else {
            Issue.record("expected a PostgreSQL target")
            return
        }
        #expect(p.host == "pg.internal")
        #expect(p.port == 6000)
        #expect(p.user == "deploy")
        #expect(p.password == "pw1")
        #expect(p.database == "shop")
        #expect(p.sslMode == .verifyCA)
        #expect(p.sslRootCert == "/ca.pem")
    }

    @Test func fromLibpqDefaultsAndSocket() throws {
        guard case .postgres(let p)? = try DatabaseTarget.fromLibpq(["PGUSER": "me"]) else {
            Issue.record("PGUSER alone should give a target")
            return
        }
        #expect(p.host == "localhost")
        #expect(p.database == "me")
        guard case .postgres(let s)? = try DatabaseTarget.fromLibpq(["PGHOST": "/run/postgresql"]) else {
            Issue.record("PGHOST alone should give a target")
            return
        }
        #expect(s.socketDirectory == "/run/postgresql")
    }

    @Test("bad PGPORT is refused", arguments: ["abc", "0", "70000", "-1"])
    func badPGPORT(port: String) throws {
        let error = try #require(configError { () throws(ConfigError) in try DatabaseTarget.fromLibpq(["PGHOST": "db", "PGPORT": port]) })
        expectContains(error.message, ["PGPORT=\(port)"])
    }

    @Test("DATABASE_* and DB_* parts", arguments: ["DATABASE", "DB"])
    func fromParts(prefix: String) throws {
        #expect(try DatabaseTarget.fromParts(prefix: prefix, [:]) == nil)
        #expect(try DatabaseTarget.fromParts(prefix: prefix, ["\(prefix)_USER": "u", "\(prefix)_PASSWORD": "p"]) == nil)
        let env = ["\(prefix)_HOST": "db.local", "\(prefix)_PORT": "5999", "\(prefix)_USER": "svc",
                   "\(prefix)_PASSWORD": "pw-\(prefix)", "\(prefix)_NAME": "orders", "\(prefix)_SSLMODE": "require",
                   "PGPASSWORD": "ignored-when-parts-give-one"]
        guard case .postgres(let p)? = try DatabaseTarget.fromParts(prefix: prefix, env) else {
            Issue.record("expected a PostgreSQL target")
            return
        }
        #expect(p.host == "db.local")
        #expect(p.port == 5999)
        #expect(p.user == "svc")
        #expect(p.password == "pw-\(prefix)")
        #expect(p.database == "orders")
        #expect(p.sslMode == .require)

        guard case .postgres(let n)? = try DatabaseTarget.fromParts(prefix: prefix, ["\(prefix)_NAME": "only"]) else {
            Issue.record("NAME alone should give a target")
            return
        }
        #expect(n.database == "only")
        #expect(n.host == "localhost")
    }

    @Test("bad parts are refused, naming the variable", arguments: [
        (["DATABASE_HOST": "db", "DATABASE_PORT": "x"], "DATABASE_PORT=x"),
        (["DB_HOST": "db", "DB_PORT": "99999"], "DB_PORT=99999"),
        (["DB_HOST": "db", "DB_SSLMODE": "sometimes"], "DB_SSLMODE=sometimes"),
    ])
    func badParts(env: [String: String], words: String) throws {
        let prefix = env.keys.contains("DB_HOST") ? "DB" : "DATABASE"
        let error = try #require(configError { () throws(ConfigError) in try DatabaseTarget.fromParts(prefix: prefix, env) })
        expectContains(error.message, [words])
    }
}
