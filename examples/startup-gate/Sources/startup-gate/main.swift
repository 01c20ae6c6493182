// The boot sequence of an app that never migrates by itself: it checks the schema first and refuses
// to start when it is stale, printing what is missing and the command to run.
//
//   DATABASE_URL          the database (default sqlite:app.sqlite)
//   MIGRATIONS_DIR        the migrations shipped with the app (default migrations)
//   REQUIRED_TABLES       comma-separated tables the app needs (default users,orders)
//   SCHEMA_WAIT_SECONDS   wait up to this long for a migration job running next to the app (default: look once)
//   STRATA_FIX_COMMAND    the command the message tells the operator to run (default: strata up -d … --dir …)
import Foundation
import StrataKit

let env = ProcessInfo.processInfo.environment
let database = env["DATABASE_URL"] ?? "sqlite:app.sqlite"
let directory = env["MIGRATIONS_DIR"] ?? "migrations"
let requiredTables = (env["REQUIRED_TABLES"] ?? "users,orders").split(separator: ",")
    .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
let waitSeconds = env["SCHEMA_WAIT_SECONDS"].flatMap { Int($0) }

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ERROR: \(message)\n".utf8))
    exit(1)
}

print("Validating database schema…")
do {
    let gate = try SchemaGate(database: database, directory: directory, requiredTables: requiredTables,
                              fixCommand: env["STRATA_FIX_COMMAND"])
    if let waitSeconds {
        let result = try await gate.wait(timeout: .seconds(waitSeconds)) { print("  not ready yet: \($0)") }
        print("✓ \(result.message)")
    } else {
        try await gate.verify()
        print("✓ database schema is ready")
    }
} catch {
    // SchemaNotReadyError: the same message `strata check` prints (missing tables, pending versions, the command).
    // ConnectionError: the database is unreachable. SourceError: the shipped migration files are broken.
    fail("\(error)")
}

print("Starting the app on :8080 (a real server would now bind its port and serve requests).")
