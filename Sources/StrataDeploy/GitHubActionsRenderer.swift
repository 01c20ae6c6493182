import Foundation

/// What `strata render github-actions` fills in.
public struct GitHubActionsOptions: Sendable {
    public var workflowName = "Migrate and deploy"
    /// The branch whose pushes run the workflow (it can also be started by hand).
    public var branch = "main"
    /// The GitHub environment both jobs run in (its protection rules and secrets apply); empty: none.
    public var environment = "production"
    /// The repository secret holding the database URL, passed to strata as DATABASE_URL.
    public var secret = "DATABASE_URL"
    /// The image the migrate job runs in; it holds `strata`.
    public var image = "strata:latest"
    /// Where strata.toml and the migrations are, relative to the repository root.
    public var workingDirectory = "."
    /// The deploy job's command.
    public var deployCommand = "./deploy.sh"
    public var runsOn = "ubuntu-latest"
    public var timeoutMinutes = 60
    /// The Strata version that rendered the file (written in its header).
    public var strataVersion = ""

    public init() {}
}

/// Renders a GitHub Actions workflow: a `migrate` job that runs `strata up` then `strata check` in the strata
/// image, and a `deploy` job that `needs: migrate`, so the app is deployed only on a database at its head.
public enum GitHubActionsRenderer {
    public static let fileName = "migrate-and-deploy.yml"

    public static func render(_ o: GitHubActionsOptions) throws -> [RenderedFile] {
        guard !o.branch.isEmpty, !o.secret.isEmpty,
              o.secret.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }) else {
            throw DeployError("--secret \(o.secret): not a GitHub secret name (letters, digits and _)")
        }
        guard o.timeoutMinutes >= 1 else { throw DeployError("--timeout-minutes must be at least 1") }
        guard !o.deployCommand.trimmingCharacters(in: .whitespaces).isEmpty else { throw DeployError("--deploy-command must not be empty") }
        return [RenderedFile(name: fileName, contents: try YAMLDocument.encode([workflow(o)], header: header(o)))]
    }

    struct Step: Encodable, Sendable {
        var name: String
        var uses: String?
        var run: String?
    }

    struct Container: Encodable, Sendable {
        var image: String
        /// Actions' own steps (checkout) write to the workspace as root; strata itself needs no root.
        var options: String
    }

    struct Defaults: Encodable, Sendable {
        struct Run: Encodable, Sendable {
            var workingDirectory: String
            enum CodingKeys: String, CodingKey { case workingDirectory = "working-directory" }
        }
        var run: Run
    }

    struct Job: Encodable, Sendable {
        var name: String
        var needs: String?
        var runsOn: String
        var environment: String?
        var timeoutMinutes: Int?
        var container: Container?
        var env: OrderedMap<String>?
        var defaults: Defaults?
        var steps: [Step]

        enum CodingKeys: String, CodingKey {
            case name, needs, runsOn = "runs-on", environment, timeoutMinutes = "timeout-minutes", container, env, defaults, steps
        }
    }

    struct Push: Encodable, Sendable { var branches: [String] }
    struct Triggers: Encodable, Sendable {
        var push: Push
        var workflow_dispatch = EmptyMapping()
    }

    struct Concurrency: Encodable, Sendable {
        var group: String
        var cancelInProgress: Bool
        enum CodingKeys: String, CodingKey { case group, cancelInProgress = "cancel-in-progress" }
    }

    struct Workflow: Encodable, Sendable {
        var name: String
        var on: Triggers
        var concurrency: Concurrency
        var permissions: OrderedMap<String>
        var jobs: OrderedMap<Job>
    }

    static func workflow(_ o: GitHubActionsOptions) -> Workflow {
        let env = o.environment.isEmpty ? nil : o.environment
        let defaults = o.workingDirectory == "." ? nil : Defaults(run: .init(workingDirectory: o.workingDirectory))
        let migrate = Job(name: "Migrate the database", runsOn: o.runsOn, environment: env, timeoutMinutes: o.timeoutMinutes,
                          container: Container(image: o.image, options: "--user 0"),
                          env: OrderedMap([("DATABASE_URL", "${{ secrets.\(o.secret) }}"), ("NO_COLOR", "1")]),
                          defaults: defaults,
                          steps: [Step(name: "Check out", uses: "actions/checkout@v4"),
                                  Step(name: "Pre-flight", run: "strata preflight"),
                                  Step(name: "Apply pending migrations", run: "strata up"),
                                  Step(name: "Check the schema is at head", run: "strata check")])
        let deploy = Job(name: "Deploy", needs: "migrate", runsOn: o.runsOn, environment: env,
                         steps: [Step(name: "Check out", uses: "actions/checkout@v4"),
                                 Step(name: "Deploy", run: o.deployCommand)])
        return Workflow(name: o.workflowName, on: Triggers(push: Push(branches: [o.branch])),
                        concurrency: Concurrency(group: "migrate-\(env ?? "database")", cancelInProgress: false),
                        permissions: OrderedMap([("contents", "read")]),
                        jobs: OrderedMap([("migrate", migrate), ("deploy", deploy)]))
    }

    static func header(_ o: GitHubActionsOptions) -> String {
        """
        .github/workflows/\(fileName): on a push to \(o.branch) (or by hand), `migrate` runs `strata up` then `strata check` in \(o.image)
        with DATABASE_URL from the secret \(o.secret)\(o.environment.isEmpty ? "" : " of the `\(o.environment)` environment"); `deploy` (needs: migrate) runs
        only when the database is at the head of the migrations. Runs never overlap (concurrency) and are never cancelled halfway.
        Rendered by `strata render github-actions`\(o.strataVersion.isEmpty ? "" : " (strata \(o.strataVersion))").
        """
    }
}
