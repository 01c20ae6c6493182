import Foundation
@testable import StrataDeploy
import StrataKit
import StrataTestSupport
import Testing
import Yams

/// `strata render k8s | compose | github-actions` end to end: flags, strata.toml's [render] table, stdout or --output.
@Suite("render commands")
struct RenderCommandTests {
    func withWorkspace(_ body: (StrataCLI) async throws -> Void) async throws {
        try await TempDirectory.with { dir in try await body(StrataCLI(directory: dir.path)) }
    }

    @Test("render k8s: settings from [render], flags win, the chosen environment's table wins; --output refuses to overwrite without --force")
    func k8sSettings() async throws {
        try await withWorkspace { cli in
            try cli.write("strata.toml", """
                [render]
                image = "ghcr.io/acme/migrations:1.0"
                namespace = "shop"
                secret = "shop-db"
                env_var = { STRATA_LOCK_WAIT = "5m" }
                active_deadline = "30m"

                [environments.production]
                [environments.production.render]
                image = "ghcr.io/acme/migrations:2.0"
                namespace = "shop-prod"
                config_map = "prod-db-config"
                secret = "prod-db-secret"
                """)
            var r = try cli.run(["render", "k8s", "--kind", "presync-job", "--output", "deploy", "--namespace", "shop-staging"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("deploy/presync-job.yaml"))
            var job = try #require(try documents(try cli.read("deploy/presync-job.yaml")).first)
            #expect(job.at("metadata", "namespace")?.string == "shop-staging")
            #expect(job.at("spec", "activeDeadlineSeconds")?.int == 1800)
            let container = try #require(job.at("spec", "template", "spec", "containers", 0))
            #expect(container["image"]?.string == "ghcr.io/acme/migrations:1.0")
            #expect(container.at("env", 0, "valueFrom", "secretKeyRef", "name")?.string == "shop-db")
            #expect(container["env"]?.array().contains { $0["name"]?.string == "STRATA_LOCK_WAIT" && $0["value"]?.string == "5m" } == true)

            r = try cli.run(["render", "k8s", "--kind", "presync-job", "--output", "deploy"])
            #expect(r.status == 1 && r.stderr.contains("already exists"), "\(r)")
            r = try cli.run(["--env", "production", "render", "k8s", "--kind", "presync-job", "--output", "deploy", "--force"])
            #expect(r.status == 0, "\(r.stderr)")
            job = try #require(try documents(try cli.read("deploy/presync-job.yaml")).first)
            #expect(job.at("metadata", "namespace")?.string == "shop-prod")
            #expect(job.at("spec", "template", "spec", "containers", 0, "image")?.string == "ghcr.io/acme/migrations:2.0")
            let env = job.at("spec", "template", "spec", "containers", 0, "env")?.array() ?? []
            #expect(env.first { $0["name"]?.string == "DATABASE_HOST" }?.at("valueFrom", "configMapKeyRef", "name")?.string == "prod-db-config")
            #expect(env.first { $0["name"]?.string == "DATABASE_PASSWORD" }?.at("valueFrom", "secretKeyRef", "name")?.string == "prod-db-secret")
        }
    }

    @Test("render k8s prints to stdout; every kind from the command line passes kubernetes-validate")
    func k8sStdout() async throws {
        try await withWorkspace { cli in
            try cli.write("tenants.txt", "# one database per line\ntenant_a\n\ntenant_b\n")
            var paths: [String] = []
            for kind in KubernetesOptions.Kind.allCases {
                let r = try cli.run(["render", "k8s", "--kind", kind.rawValue, "--targets-file", "tenants.txt", "--config-map", "db-config",
                                     "--secret", "db-secret"])
                #expect(r.status == 0, "\(kind): \(r.stderr)")
                #expect(r.stdout.contains("kind: "))
                try cli.write("\(kind.rawValue).yaml", r.stdout)
                paths.append(cli.directory + "/\(kind.rawValue).yaml")
            }
            let fanout = try documents(try cli.read("fanout-job.yaml"))
            #expect(fanout.first?.at("data", "targets")?.string == "tenant_a\ntenant_b\n")
            let v = try RenderValidators.kubernetes(paths)
            #expect(v.status == 0, "\(v.output)")
        }
    }

    @Test("bad input exits 2 with the reason: unknown kind, bad name, fan-out without targets, bad strata.toml value")
    func k8sRefusals() async throws {
        try await withWorkspace { cli in
            var r = try cli.run(["render", "k8s", "--kind", "cronjob"])
            #expect(r.status == 2)
            r = try cli.run(["render", "k8s", "--kind", "job", "--name", "Bad_Name"])
            #expect(r.status == 2 && r.stderr.contains("--name Bad_Name"), "\(r.stderr)")
            r = try cli.run(["render", "k8s", "--kind", "fanout-job"])
            #expect(r.status == 2 && r.stderr.contains("--target"), "\(r.stderr)")
            r = try cli.run(["render", "k8s", "--kind", "job", "--active-deadline", "soon"])
            #expect(r.status == 2 && r.stderr.contains("--active-deadline soon"), "\(r.stderr)")
            try cli.write("strata.toml", "[render]\nparallelism = \"many\"\n")
            r = try cli.run(["render", "k8s", "--kind", "fanout-job", "--target", "a"])
            #expect(r.status == 2 && r.stderr.contains("`parallelism` must be an integer"), "\(r.stderr)")
            try cli.write("strata.toml", "render = \"k8s\"\n")
            r = try cli.run(["render", "compose"])
            #expect(r.status == 2 && r.stderr.contains("[render] must be a table"), "\(r.stderr)")
        }
    }

    @Test("render compose and render github-actions: stdout, --output and --json")
    func composeAndActions() async throws {
        try await withWorkspace { cli in
            try cli.write("strata.toml", "[render]\nimage = \"ghcr.io/acme/strata:3\"\napp_image = \"ghcr.io/acme/shop:3\"\ngithub_secret = \"PROD_DB\"\n")
            var r = try cli.run(["render", "compose"])
            #expect(r.status == 0, "\(r.stderr)")
            let compose = try #require(try documents(r.stdout).first)
            #expect(compose.at("services", "migrate", "image")?.string == "ghcr.io/acme/strata:3")
            #expect(compose.at("services", "app", "image")?.string == "ghcr.io/acme/shop:3")
            r = try cli.run(["render", "compose", "--override", "--output", ".", "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            struct Files: Decodable { var files: [String] }
            let files = try JSONDecoder().decode(Files.self, from: Data(r.stdout.utf8))
            #expect(files.files.map { URL(fileURLWithPath: $0).lastPathComponent } == ["compose.override.yaml"])

            r = try cli.run(["render", "github-actions", "--output", ".github/workflows", "--deploy-command", "make deploy"])
            #expect(r.status == 0, "\(r.stderr)")
            let workflow = try #require(try documents(try cli.read(".github/workflows/migrate-and-deploy.yml")).first)
            #expect(workflow.at("jobs", "migrate", "env", "DATABASE_URL")?.string == "${{ secrets.PROD_DB }}")
            #expect(workflow.at("jobs", "deploy", "needs")?.string == "migrate")
            #expect(workflow.at("jobs", "deploy", "steps", 1, "run")?.string == "make deploy")
        }
    }
}
