import Foundation
@testable import StrataDeploy
import StrataKit
import Testing
import Yams

@Suite("GitHub Actions rendering")
struct GitHubActionsRendererTests {
    func workflow(_ o: GitHubActionsOptions = GitHubActionsOptions()) throws -> (text: String, root: Node) {
        let f = try single(GitHubActionsRenderer.render(o))
        #expect(f.name == GitHubActionsRenderer.fileName)
        let docs = try documents(f.contents)
        try #require(docs.count == 1)
        return (f.contents, docs[0])
    }

    @Test("migrate runs `strata up` then `strata check` in the strata image; deploy needs migrate")
    func jobs() throws {
        var o = GitHubActionsOptions()
        o.image = "ghcr.io/acme/strata:1.0"
        o.secret = "PROD_DATABASE_URL"
        o.deployCommand = "kubectl apply -f k8s/"
        o.branch = "release"
        let (_, root) = try workflow(o)
        #expect(root["jobs"]?.keys == ["migrate", "deploy"])
        let migrate = try #require(root.at("jobs", "migrate"))
        #expect(migrate.at("container", "image")?.string == "ghcr.io/acme/strata:1.0")
        #expect(migrate.at("env", "DATABASE_URL")?.string == "${{ secrets.PROD_DATABASE_URL }}")
        let runs = migrate["steps"]?.array().compactMap { $0["run"]?.string } ?? []
        let up = try #require(runs.firstIndex(of: "strata up"))
        let check = try #require(runs.firstIndex(of: "strata check"))
        #expect(up < check)
        #expect(migrate["steps"]?.array().first?["uses"]?.string == "actions/checkout@v4")
        let deploy = try #require(root.at("jobs", "deploy"))
        #expect(deploy["needs"]?.string == "migrate")
        #expect(deploy["steps"]?.array().compactMap { $0["run"]?.string } == ["kubectl apply -f k8s/"])
        #expect(root.at("on", "push", "branches")?.strings == ["release"])
        #expect(root.at("concurrency", "cancel-in-progress")?.bool == false)
        #expect(migrate["environment"]?.string == "production" && deploy["environment"]?.string == "production")
    }

    @Test("no environment and a working directory")
    func options() throws {
        var o = GitHubActionsOptions()
        o.environment = ""
        o.workingDirectory = "services/api"
        let (_, root) = try workflow(o)
        #expect(root.at("jobs", "migrate", "environment") == nil)
        #expect(root.at("jobs", "migrate", "defaults", "run", "working-directory")?.string == "services/api")
    }

    @Test("the GitHub workflow JSON schema accepts the workflow and rejects a job without runs-on")
    func schema() async throws {
        try await TempDirectory.with { dir in
            let path = try RenderedFile.write(GitHubActionsRenderer.render(GitHubActionsOptions()), to: dir.path, overwrite: false)[0]
            let r = try RenderValidators.jsonSchema("github-workflows", path)
            #expect(r.status == 0, "\(r.output)")
            let (text, _) = try workflow()
            let broken = text.replacingOccurrences(of: "    runs-on: ubuntu-latest\n", with: "")
            #expect(broken != text)
            let bad = dir.file("broken.yml")
            try Data(broken.utf8).write(to: URL(fileURLWithPath: bad))
            #expect(try RenderValidators.jsonSchema("github-workflows", bad).status != 0)
        }
    }

    @Test("a secret name that GitHub would not accept is refused")
    func refusals() {
        var o = GitHubActionsOptions()
        o.secret = "DATABASE-URL"
        #expect(throws: DeployError.self) { try GitHubActionsRenderer.render(o) }
    }
}
