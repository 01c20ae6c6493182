import ArgumentParser
import Foundation
import StrataKit

struct RenderComposeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compose",
        abstract: "Write a compose file whose migration service runs once before the app starts.",
        discussion: """
        The migration service runs `strata up` (restart: "no") once the database service is healthy \
        (depends_on condition service_healthy); the app depends on it with condition service_completed_successfully, \
        so it starts only on a migrated database. The migrations are mounted read-only at /app/migrations; the \
        service runs as user 1000 with a read-only root filesystem. --override writes compose.override.yaml with only \
        the migration service and the app's depends_on, which `docker compose` merges over your compose.yaml. \
        Settings not given as flags come from strata.toml's [render] table (keys as the flags, with _ for -).
        """
    )

    @Option(help: ArgumentHelp("Write compose.yaml (compose.override.yaml with --override) into this directory instead of printing it.", valueName: "dir"))
    var output: String?

    @Flag(help: "Replace a file that already exists.")
    var force = false

    @Option(help: "The migration service's name (default migrate).")
    var service: String?

    @Option(help: "An image with strata (default strata:latest).")
    var image: String?

    @Option(help: ArgumentHelp("The migrations directory on the host, relative to the compose file (default ./migrations).", valueName: "dir"))
    var migrations: String?

    @Option(name: .customLong("db-service"), help: ArgumentHelp("The database service (default db).", valueName: "name"))
    var dbService: String?

    @Option(name: .customLong("db-image"), help: ArgumentHelp("The database image (default postgres:16-alpine).", valueName: "image"))
    var dbImage: String?

    @Option(name: .customLong("app-service"), help: ArgumentHelp("The app service (default app).", valueName: "name"))
    var appService: String?

    @Option(name: .customLong("app-image"), help: ArgumentHelp("The app's image (default app:latest).", valueName: "image"))
    var appImage: String?

    @Flag(help: "Only the migration service and the app's depends_on, to merge over an existing compose.yaml.")
    var override = false

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try RenderSupport.run(global, output: output, force: force, next: "Start it: docker compose up (the app waits for the migration).") { s in
            var o = ComposeOptions()
            o.service = try RenderSupport.pick(service, s.string("service"), o.service)
            o.image = try RenderSupport.pick(image, s.string("image"), o.image)
            o.migrations = try RenderSupport.pick(migrations, s.string("migrations"), o.migrations)
            o.dbService = try RenderSupport.pick(dbService, s.string("db_service"), o.dbService)
            o.dbImage = try RenderSupport.pick(dbImage, s.string("db_image"), o.dbImage)
            o.appService = try RenderSupport.pick(appService, s.string("app_service"), o.appService)
            o.appImage = try RenderSupport.pick(appImage, s.string("app_image"), o.appImage)
            o.override = try override || (s.bool("override") ?? false)
            o.strataVersion = StrataVersion.current
            return try ComposeRenderer.render(o)
        }
    }
}
