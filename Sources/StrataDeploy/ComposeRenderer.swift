import Foundation

/// What `strata render compose` fills in.
public struct ComposeOptions: Sendable {
    /// The migration service's name.
    public var service = "migrate"
    /// An image holding `strata` (ENTRYPOINT); the migrations are mounted at /app/migrations.
    public var image = "strata:latest"
    /// The migrations directory on the host, relative to the compose file.
    public var migrations = "./migrations"
    public var dbService = "db"
    public var dbImage = "postgres:16-alpine"
    public var appService = "app"
    public var appImage = "app:latest"
    /// Only the migration service and the app's `depends_on`, to merge over an existing compose.yaml
    /// (`compose.override.yaml`, which `docker compose` reads by itself); no database service, no app image.
    public var override = false
    /// The Strata version that rendered the file (written in its header).
    public var strataVersion = ""

    public init() {}
}

/// Renders a compose file: the database (healthy when `pg_isready` says so), a migration service that runs
/// `strata up` once (`restart: "no"`) after the database is healthy, and the app started only when the
/// migration service completed successfully.
///
/// ```swift
/// var options = ComposeOptions()
/// options.appImage = "ghcr.io/acme/shop:1.4.0"
/// try RenderedFile.write(ComposeRenderer.render(options), to: ".", overwrite: false)
/// ```
public enum ComposeRenderer {
    public static func fileName(_ o: ComposeOptions) -> String { o.override ? "compose.override.yaml" : "compose.yaml" }

    public static func render(_ o: ComposeOptions) throws -> [RenderedFile] {
        for (flag, name) in [("--service", o.service), ("--db-service", o.dbService), ("--app-service", o.appService)] {
            guard !name.isEmpty, name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0) }),
                  name.first?.isLetter == true || name.first?.isNumber == true else {
                throw DeployError("\(flag) \(name): not a service name (lower-case letters, digits, _ . -)")
            }
        }
        guard Set([o.service, o.dbService, o.appService]).count == 3 else { throw DeployError("the migration, database and app services need three different names") }
        return [RenderedFile(name: fileName(o), contents: try YAMLDocument.encode([file(o)], header: header(o)))]
    }

    struct Condition: Encodable, Sendable { var condition: String }

    struct Healthcheck: Encodable, Sendable {
        var test: [String]
        var interval: String
        var timeout: String
        var retries: Int
        var start_period: String
    }

    struct Service: Encodable, Sendable {
        var image: String?
        var command: [String]?
        var environment: OrderedMap<String>?
        var volumes: [String]?
        var healthcheck: Healthcheck?
        var restart: Quoted?
        var depends_on: OrderedMap<Condition>?
        var user: Quoted?
        var read_only: Bool?
        var tmpfs: [String]?
        var cap_drop: [String]?
        var security_opt: [String]?
    }

    struct File: Encodable, Sendable {
        var services: OrderedMap<Service>
        var volumes: OrderedMap<EmptyMapping>?
    }

    /// The connection the migration service and the app use; credentials come from the variables
    /// POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB (a .env file beside the compose file), with defaults for development.
    static func databaseURL(_ o: ComposeOptions) -> String {
        "postgres://${POSTGRES_USER:-app}:${POSTGRES_PASSWORD:-app}@\(o.dbService):5432/${POSTGRES_DB:-app}"
    }

    static func file(_ o: ComposeOptions) -> File {
        let migrate = Service(image: o.image, command: ["up"],
                              environment: OrderedMap([("DATABASE_URL", databaseURL(o)), ("STRATA_LOCK_WAIT", "5m")]),
                              volumes: ["\(o.migrations):/app/migrations:ro"],
                              restart: Quoted("no"), depends_on: OrderedMap([(o.dbService, Condition(condition: "service_healthy"))]),
                              user: Quoted("1000:1000"), read_only: true, tmpfs: ["/tmp"], cap_drop: ["ALL"], security_opt: ["no-new-privileges:true"])
        var app = Service(depends_on: OrderedMap([(o.service, Condition(condition: "service_completed_successfully"))]))
        if o.override {
            return File(services: OrderedMap([(o.service, migrate), (o.appService, app)]))
        }
        app.image = o.appImage
        app.environment = OrderedMap([("DATABASE_URL", databaseURL(o))])
        let db = Service(image: o.dbImage,
                         environment: OrderedMap([("POSTGRES_USER", "${POSTGRES_USER:-app}"), ("POSTGRES_PASSWORD", "${POSTGRES_PASSWORD:-app}"),
                                                  ("POSTGRES_DB", "${POSTGRES_DB:-app}")]),
                         volumes: ["db-data:/var/lib/postgresql/data"],
                         healthcheck: Healthcheck(test: ["CMD-SHELL", "pg_isready -U \"$${POSTGRES_USER}\" -d \"$${POSTGRES_DB}\""],
                                                  interval: "2s", timeout: "5s", retries: 30, start_period: "5s"))
        return File(services: OrderedMap([(o.dbService, db), (o.service, migrate), (o.appService, app)]),
                    volumes: OrderedMap([("db-data", EmptyMapping())]))
    }

    static func header(_ o: ComposeOptions) -> String {
        let rendered = "Rendered by `strata render compose`\(o.strataVersion.isEmpty ? "" : " (strata \(o.strataVersion))")."
        let intro = o.override
            ? "\(fileName(o)): merged over your compose.yaml by `docker compose up` (services `\(o.dbService)` and `\(o.appService)` come from it)."
            : "\(fileName(o)): `docker compose up` starts \(o.dbService), runs the migrations once, then starts \(o.appService)."
        return """
        \(intro)
        `\(o.service)` runs `strata up` after `\(o.dbService)` is healthy and exits (restart: "no"); `\(o.appService)` starts only when it
        completed successfully. Migrations are mounted from \(o.migrations). Logs: docker compose logs \(o.service)
        Credentials: POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB from the environment or a .env file (development defaults: app).
        \(rendered)
        """
    }
}
