import Foundation
@testable import StrataDeploy
import StrataKit
import Testing
import Yams

@Suite("compose rendering")
struct ComposeRendererTests {
    func file(_ o: ComposeOptions) throws -> (name: String, text: String, root: Node) {
        let f = try single(ComposeRenderer.render(o))
        let docs = try documents(f.contents)
        try #require(docs.count == 1)
        return (f.name, f.contents, docs[0])
    }

    @Test("the migration service runs once after the database is healthy; the app waits for it to complete successfully")
    func dependencies() throws {
        var o = ComposeOptions()
        o.image = "ghcr.io/acme/strata:1.0"
        o.appImage = "ghcr.io/acme/shop:2.0"
        let (name, _, root) = try file(o)
        #expect(name == "compose.yaml")
        let services = try #require(root["services"])
        #expect(services.keys == ["db", "migrate", "app"])
        let migrate = try #require(services["migrate"])
        let restart = try #require(migrate["restart"])
        #expect(restart.string == "no" && restart.isString, "restart must be the string \"no\", not a boolean: \(restart)")
        #expect(migrate.at("depends_on", "db", "condition")?.string == "service_healthy")
        #expect(migrate["image"]?.string == "ghcr.io/acme/strata:1.0")
        #expect(migrate["command"]?.strings == ["up"])
        #expect(migrate.at("environment", "DATABASE_URL")?.string?.contains("@db:5432/") == true)
        #expect(migrate["volumes"]?.strings == ["./migrations:/app/migrations:ro"])
        #expect(migrate["read_only"]?.bool == true && migrate["tmpfs"]?.strings == ["/tmp"] && migrate["cap_drop"]?.strings == ["ALL"])
        let user = try #require(migrate["user"])
        #expect(user.string == "1000:1000" && user.isString)
        let app = try #require(services["app"])
        #expect(app.at("depends_on", "migrate", "condition")?.string == "service_completed_successfully")
        #expect(app["image"]?.string == "ghcr.io/acme/shop:2.0")
        #expect(services.at("db", "healthcheck", "test", 0)?.string == "CMD-SHELL")
        #expect(services.at("db", "healthcheck", "test", 1)?.string?.hasPrefix("pg_isready") == true)
    }

    @Test("--override: only the migration service and the app's depends_on, named compose.override.yaml")
    func override() throws {
        var o = ComposeOptions()
        o.override = true
        o.service = "schema"
        o.dbService = "postgres"
        o.appService = "config-server"
        let (name, _, root) = try file(o)
        #expect(name == "compose.override.yaml")
        #expect(root["services"]?.keys == ["schema", "config-server"])
        #expect(root["volumes"] == nil)
        #expect(root.at("services", "schema", "depends_on", "postgres", "condition")?.string == "service_healthy")
        #expect(root.at("services", "config-server", "depends_on", "schema", "condition")?.string == "service_completed_successfully")
        #expect(root.at("services", "config-server", "image") == nil, "the app's image comes from the user's compose.yaml")
    }

    @Test("the compose-spec JSON schema accepts both files, and rejects a wrong depends_on condition")
    func composeSpec() async throws {
        try await TempDirectory.with { dir in
            for override in [false, true] {
                var o = ComposeOptions()
                o.override = override
                let path = try RenderedFile.write(ComposeRenderer.render(o), to: dir.file("ok-\(override)"), overwrite: false)[0]
                let r = try RenderValidators.jsonSchema("compose-spec", path)
                #expect(r.status == 0, "\(r.output)")
            }
            let (_, text, _) = try file(ComposeOptions())
            let broken = text.replacingOccurrences(of: "condition: service_completed_successfully", with: "condition: service_done")
            #expect(broken != text)
            let path = dir.file("broken.yaml")
            try Data(broken.utf8).write(to: URL(fileURLWithPath: path))
            let r = try RenderValidators.jsonSchema("compose-spec", path)
            #expect(r.status != 0, "\(r.output)")
        }
    }

    @Test("service names are checked and must differ")
    func refusals() {
        var o = ComposeOptions()
        o.service = "Migrate Now"
        #expect(throws: DeployError.self) { try ComposeRenderer.render(o) }
        o = ComposeOptions()
        o.appService = "migrate"
        #expect(throws: DeployError.self) { try ComposeRenderer.render(o) }
    }
}
