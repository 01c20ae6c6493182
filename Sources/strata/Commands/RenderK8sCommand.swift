import ArgumentParser
import Foundation
import StrataKit

extension KubernetesOptions.Kind: ExpressibleByArgument {}

struct RenderK8sCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "k8s",
        abstract: "Write a Kubernetes manifest that runs the migrations (YAML on stdout, or <kind>.yaml in --output).",
        discussion: """
        Kinds: init-container (a strategic-merge patch adding a `strata up` init container to a Deployment), \
        presync-job (an ArgoCD PreSync hook Job, sync wave -1, with a `strata preflight` init container), \
        job (a Job for `kubectl apply` + `kubectl wait --for=condition=Complete`), \
        rollback-job (`strata down` after a data-loss warning and a --confirm-delay pause; never retried), \
        fanout-job (an Indexed Job migrating one database per index, listed in a ConfigMap it renders too). \
        Every pod runs as user 1000 with a read-only root filesystem, no privilege escalation, all capabilities dropped, \
        the RuntimeDefault seccomp profile and an emptyDir on /tmp. Credentials: --secret NAME (key DATABASE_URL), or \
        --config-map NAME --secret NAME (DATABASE_HOST/PORT/USER/NAME and DATABASE_PASSWORD). \
        Settings not given as flags come from strata.toml's [render] table (keys as the flags, with _ for -).
        """
    )

    @Option(help: ArgumentHelp("What to render.", valueName: "kind"))
    var kind: KubernetesOptions.Kind

    @Option(help: ArgumentHelp("Write <kind>.yaml into this directory instead of printing it.", valueName: "dir"))
    var output: String?

    @Flag(help: "Replace a file that already exists.")
    var force = false

    @Option(help: "The Job's name (init-container: the init container's name).")
    var name: String?

    @Option(help: "The namespace (default: none, kubectl's current one).")
    var namespace: String?

    @Option(help: "An image with strata and the migrations (default strata:latest).")
    var image: String?

    @Option(name: .customLong("image-pull-policy"), help: ArgumentHelp("Always, IfNotPresent or Never.", valueName: "policy"))
    var imagePullPolicy: String?

    @Option(help: "The Secret with DATABASE_URL (or, with --config-map, DATABASE_PASSWORD) (default strata-database).")
    var secret: String?

    @Option(name: .customLong("config-map"), help: ArgumentHelp("A ConfigMap with DATABASE_HOST, DATABASE_PORT, DATABASE_USER, DATABASE_NAME.", valueName: "name"))
    var configMap: String?

    @Option(name: .customLong("env-var"), help: ArgumentHelp("An extra variable for strata, e.g. STRATA_LOCK_WAIT=5m (repeatable).", valueName: "KEY=VALUE"))
    var envVar: [String] = []

    @Option(name: .customLong("service-account"), help: ArgumentHelp("The pods' service account.", valueName: "name"))
    var serviceAccount: String?

    @Option(name: .customLong("cpu-request"), help: ArgumentHelp("Default 100m.", valueName: "quantity"))
    var cpuRequest: String?
    @Option(name: .customLong("memory-request"), help: ArgumentHelp("Default 128Mi.", valueName: "quantity"))
    var memoryRequest: String?
    @Option(name: .customLong("cpu-limit"), help: ArgumentHelp("Default 1; \"\" for none.", valueName: "quantity"))
    var cpuLimit: String?
    @Option(name: .customLong("memory-limit"), help: ArgumentHelp("Default 512Mi.", valueName: "quantity"))
    var memoryLimit: String?

    @Option(name: .customLong("active-deadline"), help: ArgumentHelp("Jobs: activeDeadlineSeconds, e.g. 30m (default none).", valueName: "duration"))
    var activeDeadline: String?

    @Option(name: .customLong("backoff-limit"), help: ArgumentHelp("Jobs: retries (default 3; per database for fanout-job; rollback-job: always 0).", valueName: "n"))
    var backoffLimit: Int?

    @Option(help: ArgumentHelp("Jobs: how long a finished Job is kept (ttlSecondsAfterFinished; default 7d).", valueName: "duration"))
    var ttl: String?

    @Option(help: ArgumentHelp("init-container: the Deployment to patch (default app).", valueName: "name"))
    var deployment: String?

    @Option(name: .customLong("app-container"), help: ArgumentHelp("init-container: the Deployment's app container (default: the Deployment's name).", valueName: "name"))
    var appContainer: String?

    @Option(help: ArgumentHelp("init-container: the Deployment's selector label (repeatable; default app=<deployment>).", valueName: "KEY=VALUE"))
    var selector: [String] = []

    @Option(help: ArgumentHelp("rollback-job: revert this many migrations (default 1).", valueName: "n"))
    var steps: Int?

    @Option(help: ArgumentHelp("rollback-job: revert every migration above this version.", valueName: "version"))
    var to: String?

    @Option(name: .customLong("confirm-delay"), help: ArgumentHelp("rollback-job: the pause after the warning (default 10s).", valueName: "duration"))
    var confirmDelay: String?

    @Option(help: ArgumentHelp("fanout-job: a database to migrate (repeatable).", valueName: "name"))
    var target: [String] = []

    @Option(name: .customLong("targets-file"), help: ArgumentHelp("fanout-job: a file listing the databases, one per line (# comments).", valueName: "file"))
    var targetsFile: String?

    @Option(help: ArgumentHelp("fanout-job: databases migrated at once (default 4).", valueName: "n"))
    var parallelism: Int?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if steps != nil && to != nil { throw ValidationError("--steps and --to cannot be used together") }
    }

    func run() async throws {
        let file = KubernetesRenderer.fileName(kind)
        try RenderSupport.run(global, output: output, force: force, next: "Apply it: kubectl apply -f \(output.map { "\($0)/" } ?? "")\(file) (see its header).") { s in
            try options(s)
        }
    }

    func options(_ s: RenderSettings) throws -> [RenderedFile] {
        var o = KubernetesOptions(kind: kind, name: name)
        o.namespace = try namespace ?? s.string("namespace")
        o.image = try RenderSupport.pick(image, s.string("image"), o.image)
        o.imagePullPolicy = try imagePullPolicy ?? s.string("image_pull_policy")
        if let p = o.imagePullPolicy, !["Always", "IfNotPresent", "Never"].contains(p) {
            throw ValidationError("--image-pull-policy \(p): use Always, IfNotPresent or Never")
        }
        let secretName = try RenderSupport.pick(secret, s.string("secret"), "strata-database")
        if let map = try configMap ?? s.string("config_map") {
            o.credentials = .parts(configMap: map, secret: secretName)
        } else {
            o.credentials = .url(secret: secretName)
        }
        let flagEnv = try RenderSettings.parsePairs(envVar, flag: "--env-var")
        let fileEnv = try s.pairs("env_var") ?? []
        o.environment = fileEnv.filter { k, _ in !flagEnv.contains { $0.0 == k } }.map { (name: $0.0, value: $0.1) }
            + flagEnv.map { (name: $0.0, value: $0.1) }
        o.serviceAccount = try serviceAccount ?? s.string("service_account")
        o.cpuRequest = try RenderSupport.pick(cpuRequest, s.string("cpu_request"), o.cpuRequest)
        o.memoryRequest = try RenderSupport.pick(memoryRequest, s.string("memory_request"), o.memoryRequest)
        o.cpuLimit = try RenderSupport.pick(cpuLimit, s.string("cpu_limit"), o.cpuLimit)
        o.memoryLimit = try RenderSupport.pick(memoryLimit, s.string("memory_limit"), o.memoryLimit)
        if let d = try activeDeadline ?? s.string("active_deadline") { o.activeDeadlineSeconds = try RenderSettings.seconds(d, flag: "--active-deadline") }
        o.backoffLimit = try RenderSupport.pick(backoffLimit, s.int("backoff_limit"), o.backoffLimit)
        if let t = try ttl ?? s.string("ttl") { o.ttlSecondsAfterFinished = try RenderSettings.seconds(t, flag: "--ttl") }
        o.deployment = try RenderSupport.pick(deployment, s.string("deployment"), o.deployment)
        o.appContainer = try appContainer ?? s.string("app_container")
        let flagSelector = try RenderSettings.parsePairs(selector, flag: "--selector")
        o.selector = try (flagSelector.isEmpty ? s.pairs("selector") ?? [] : flagSelector).map { (key: $0.0, value: $0.1) }
        o.rollbackSteps = try RenderSupport.pick(steps, s.int("steps"), o.rollbackSteps)
        if let to { o.rollbackTo = try parseVersion(to, flag: "--to").digits }
        o.confirmDelay = try RenderSupport.pick(confirmDelay, s.string("confirm_delay"), o.confirmDelay)
        o.targets = target
        if o.targets.isEmpty, let path = try targetsFile ?? s.string("targets_file") {
            o.targets = try Self.readTargets(path)
        }
        if o.targets.isEmpty { o.targets = try s.strings("targets") ?? [] }
        o.parallelism = try RenderSupport.pick(parallelism, s.int("parallelism"), o.parallelism)
        o.strataVersion = StrataVersion.current
        return try KubernetesRenderer.render(o)
    }

    /// One database per line; blank lines and `#` comments skipped.
    static func readTargets(_ path: String) throws -> [String] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw ValidationError("--targets-file \(path): cannot read it (\(error.localizedDescription))") }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }
}
