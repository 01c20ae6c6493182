import Foundation
import StrataCore

/// Backups with `pg_dump -Fc` of the server's major version; restores that replace every schema in one transaction.
public struct PostgresBackupEngine: BackupEngine {
    public let target: PostgresTarget
    public let makeDriver: DriverFactory
    public var engine: String { "postgres" }

    public init(target: PostgresTarget, makeDriver: @escaping DriverFactory) {
        self.target = target
        self.makeDriver = makeDriver
    }

    /// The server's version and the client tools that match it.
    public func tools() async throws -> (serverVersion: String, tools: PostgresTools) {
        let driver = makeDriver(.postgres(target))
        let version = try await driver.withSession { try await driver.serverVersion(on: $0) }
        guard let major = PostgresTools.majorVersion(fromServerVersion: version) else {
            throw SafetyError(stage: .backup, message: "cannot read the server's major version from \(version)")
        }
        return (version, try await PostgresTools.locate(serverMajor: major))
    }

    public func backup(to path: String) async throws -> (serverVersion: String, tool: String) {
        let (version, tools) = try await tools()
        let dump = tools.command(tools.pgDump, ["--format=custom", "--no-password", "--file=\(path)"], target: target)
        do {
            try await dump.runChecked()
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
        _ = chmod(path, 0o600)
        return (version, "pg_dump (PostgreSQL) \(tools.major)")
    }

    /// Drops every schema (and large object) of the target, then replays the dump, inside one transaction:
    /// if anything fails, the database is left as it was.
    public func restore(from path: String) async throws {
        let (_, tools) = try await tools()
        let script = tools.command(tools.pgRestore, ["--file=-", path], target: target)
        let apply = tools.command(tools.psql, ["--no-psqlrc", "--quiet", "--no-password", "--single-transaction", "--set=ON_ERROR_STOP=1",
                                               "--command=\(Self.clearDatabaseSQL)", "--file=-"], target: target)
        try await ExternalCommand.pipeline(script, apply)
    }

    /// Empties the database: every schema but the system ones is dropped; `public` is recreated with its owner,
    /// privileges and comment (a dump does not create it).
    static let clearDatabaseSQL = """
        SET client_min_messages = warning;
        DO $strata$
        DECLARE
            s record;
            g record;
            owner text;
            acl aclitem[];
            note text;
            had_public boolean;
        BEGIN
            PERFORM pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata;
            SELECT n.nspowner::regrole::text, n.nspacl, pg_catalog.obj_description(n.oid, 'pg_namespace'), true
              INTO owner, acl, note, had_public
              FROM pg_catalog.pg_namespace n WHERE n.nspname = 'public';
            FOR s IN SELECT nspname FROM pg_catalog.pg_namespace
                     WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%' LOOP
                EXECUTE format('DROP SCHEMA %I CASCADE', s.nspname);
            END LOOP;
            IF had_public THEN
                CREATE SCHEMA public;
                EXECUTE format('ALTER SCHEMA public OWNER TO %s', owner);
                IF acl IS NOT NULL THEN
                    REVOKE ALL ON SCHEMA public FROM PUBLIC;
                    FOR g IN SELECT grantee, privilege_type FROM pg_catalog.aclexplode(acl) LOOP
                        EXECUTE format('GRANT %s ON SCHEMA public TO %s', g.privilege_type,
                                       CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE g.grantee::regrole::text END);
                    END LOOP;
                END IF;
                IF note IS NOT NULL THEN EXECUTE format('COMMENT ON SCHEMA public IS %L', note); END IF;
            END IF;
        END
        $strata$;
        """
}
