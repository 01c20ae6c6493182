import Foundation
@testable import StrataDeploy
import StrataKit
import Testing
import Yams

@Suite("Kubernetes rendering")
struct KubernetesRendererTests {
    typealias Kind = KubernetesOptions.Kind

    static let urlCredentials = KubernetesOptions.Credentials.url(secret: "shop-db")
    static let partsCredentials = KubernetesOptions.Credentials.parts(configMap: "shop-db-config", secret: "shop-db-secret")

    func options(_ kind: Kind, _ credentials: KubernetesOptions.Credentials = urlCredentials) -> KubernetesOptions {
        var o = KubernetesOptions(kind: kind)
        o.namespace = "shop"
        o.image = "ghcr.io/acme/shop-migrations:1.4.0"
        o.credentials = credentials
        o.targets = ["tenant_a", "tenant_b", "tenant_c"]
        o.parallelism = 2
        o.strataVersion = "9.9.9"
        return o
    }

    func render(_ o: KubernetesOptions) throws -> [Node] {
        try documents(try single(KubernetesRenderer.render(o)).contents)
    }

    /// The Job of a rendered manifest (the fan-out's second document).
    func jobNode(_ o: KubernetesOptions) throws -> Node {
        let docs = try render(o)
        return try #require(docs.first { $0["kind"]?.string == "Job" })
    }

    /// The pod spec of any kind (the Deployment patch's template too).
    func podSpec(_ o: KubernetesOptions) throws -> Node {
        let docs = try render(o)
        let workload = try #require(docs.first { ["Job", "Deployment"].contains($0["kind"]?.string ?? "") })
        return try #require(workload.at("spec", "template", "spec"))
    }

    /// The containers Strata runs (init containers and containers, leaving out the app container a patch names).
    func strataContainers(_ o: KubernetesOptions) throws -> [Node] {
        let pod = try podSpec(o)
        return (pod["initContainers"]?.array() ?? []) + (pod["containers"]?.array() ?? []).filter { $0["image"] != nil }
    }

    func envNames(_ container: Node) -> [String] { container["env"]?.array().compactMap { $0["name"]?.string } ?? [] }

    func env(_ container: Node, _ name: String) -> Node? { container["env"]?.array().first { $0["name"]?.string == name } }

    @Test("presync-job: ArgoCD PreSync hook annotations, 3 retries, kept 7 days, a preflight init container before `strata up`")
    func presync() throws {
        var o = options(.presyncJob)
        o.activeDeadlineSeconds = 1800
        let job = try jobNode(o)
        let annotations = try #require(job.at("metadata", "annotations"))
        #expect(annotations.keys == ["argocd.argoproj.io/hook", "argocd.argoproj.io/hook-delete-policy", "argocd.argoproj.io/sync-wave"])
        #expect(annotations["argocd.argoproj.io/hook"]?.string == "PreSync")
        #expect(annotations["argocd.argoproj.io/hook-delete-policy"]?.string == "BeforeHookCreation")
        let wave = try #require(annotations["argocd.argoproj.io/sync-wave"])
        #expect(wave.string == "-1" && wave.isString, "annotation values must be strings: \(wave)")
        #expect(job.at("metadata", "namespace")?.string == "shop")
        #expect(job.at("spec", "backoffLimit")?.int == 3)
        #expect(job.at("spec", "ttlSecondsAfterFinished")?.int == 604_800)
        #expect(job.at("spec", "activeDeadlineSeconds")?.int == 1800)
        #expect(job.at("spec", "template", "spec", "restartPolicy")?.string == "Never")
        let pod = try #require(job.at("spec", "template", "spec"))
        #expect(pod.at("initContainers", 0, "args")?.strings == ["preflight"])
        #expect(pod.at("containers", 0, "args")?.strings == ["up"])
        #expect(pod.at("containers", 0, "image")?.string == "ghcr.io/acme/shop-migrations:1.4.0")
    }

    @Test("activeDeadlineSeconds is left out unless asked for; a plain job has no hook annotations and no init container")
    func plainJob() throws {
        let job = try jobNode(options(.job))
        #expect(job.at("spec", "activeDeadlineSeconds") == nil)
        #expect(job.at("metadata", "annotations") == nil)
        #expect(job.at("spec", "template", "spec", "initContainers") == nil)
        #expect(job.at("spec", "backoffLimit")?.int == 3)
        #expect(job.at("spec", "template", "spec", "containers", 0, "args")?.strings == ["up"])
    }

    @Test("rollback-job: `strata down` with the confirm delay, after a preflight, and never retried")
    func rollback() throws {
        var job = try jobNode(options(.rollbackJob))
        #expect(job.at("metadata", "name")?.string == "strata-rollback")
        #expect(job.at("spec", "backoffLimit")?.int == 0)
        #expect(job.at("spec", "template", "spec", "containers", 0, "args")?.strings == ["down", "--steps", "1", "--confirm-delay", "10s"])
        #expect(job.at("spec", "template", "spec", "initContainers", 0, "args")?.strings == ["preflight"])
        var o = options(.rollbackJob)
        o.rollbackTo = "0042"
        o.confirmDelay = "30s"
        job = try self.jobNode(o)
        #expect(job.at("spec", "template", "spec", "containers", 0, "args")?.strings == ["down", "--to", "0042", "--confirm-delay", "30s"])
        let text = try single(KubernetesRenderer.render(o)).contents
        #expect(text.contains("EMERGENCY ONLY") && text.contains("may DROP DATA"))
    }

    @Test("fanout-job: an Indexed Job over a targets ConfigMap, one database per index, bounded parallelism")
    func fanout() throws {
        let o = options(.fanoutJob)
        let docs = try render(o)
        #expect(docs.map { $0["kind"]?.string } == ["ConfigMap", "Job"])
        let map = docs[0]
        #expect(map.at("metadata", "name")?.string == "strata-migrate-all-targets")
        #expect(map.at("data", "targets")?.string == "tenant_a\ntenant_b\ntenant_c\n")
        let job = docs[1]
        #expect(job.at("spec", "completionMode")?.string == "Indexed")
        #expect(job.at("spec", "completions")?.int == 3)
        #expect(job.at("spec", "parallelism")?.int == 2)
        #expect(job.at("spec", "backoffLimitPerIndex")?.int == 3)
        let pod = try #require(job.at("spec", "template", "spec"))
        let volume = try #require(pod["volumes"]?.array().first { $0["configMap"] != nil })
        #expect(volume.at("configMap", "name")?.string == "strata-migrate-all-targets")
        let container = try #require(pod.at("containers", 0))
        #expect(container.at("command", 0)?.string == "/bin/sh")
        #expect(env(container, "JOB_COMPLETION_INDEX")?.at("valueFrom", "fieldRef", "fieldPath")?.string
                == "metadata.annotations['batch.kubernetes.io/job-completion-index']")
        #expect(env(container, "STRATA_TARGETS_FILE")?["value"]?.string == "/etc/strata/targets/targets")
        let mount = try #require(container["volumeMounts"]?.array().first { $0["name"]?.string == volume["name"]?.string })
        #expect(mount["mountPath"]?.string == "/etc/strata/targets" && mount["readOnly"]?.bool == true)

        var few = o
        few.targets = ["only"]
        #expect(try self.jobNode(few).at("spec", "parallelism")?.int == 1, "parallelism never exceeds the number of databases")
    }

    @Test("init-container: a Deployment patch adding the init container, repeating the selector and naming the app container")
    func initContainer() throws {
        var o = options(.initContainer)
        o.deployment = "shop-api"
        o.appContainer = "api"
        o.selector = [(key: "app.kubernetes.io/name", value: "shop-api")]
        let docs = try render(o)
        #expect(docs.count == 1)
        let patch = docs[0]
        #expect(patch["apiVersion"]?.string == "apps/v1" && patch["kind"]?.string == "Deployment")
        #expect(patch.at("metadata", "name")?.string == "shop-api")
        #expect(patch.at("spec", "selector", "matchLabels", "app.kubernetes.io/name")?.string == "shop-api")
        #expect(patch.at("spec", "template", "metadata", "labels", "app.kubernetes.io/name")?.string == "shop-api")
        let pod = try #require(patch.at("spec", "template", "spec"))
        #expect(pod.at("initContainers", 0, "name")?.string == "strata-migrate")
        #expect(pod.at("initContainers", 0, "args")?.strings == ["up"])
        // The app container entry carries only its name: a strategic merge leaves the real container as it is.
        #expect(pod.at("containers", 0)?.keys == ["name"] && pod.at("containers", 0, "name")?.string == "api")
        #expect(pod["securityContext"] == nil, "the app's own pod security context is not changed")
        #expect(pod["volumes"]?.array().map { $0["name"]?.string } == ["strata-tmp"])

        let defaults = try render(KubernetesOptions(kind: .initContainer))[0]
        #expect(defaults.at("spec", "selector", "matchLabels", "app")?.string == "app")
        #expect(defaults.at("spec", "template", "spec", "containers", 0, "name")?.string == "app")
    }

    @Test("every container of every kind is hardened, has resources and a /tmp emptyDir; every Job pod is hardened too",
          arguments: Kind.allCases)
    func hardened(kind: Kind) throws {
        let o = options(kind)
        let containers = try strataContainers(o)
        #expect(!containers.isEmpty)
        for c in containers {
            let sc = try #require(c["securityContext"], "\(c["name"]?.string ?? "?") has no securityContext")
            #expect(sc["runAsNonRoot"]?.bool == true)
            #expect(sc["runAsUser"]?.int == 1000)
            #expect(sc["readOnlyRootFilesystem"]?.bool == true)
            #expect(sc["allowPrivilegeEscalation"]?.bool == false)
            #expect(sc.at("capabilities", "drop")?.strings == ["ALL"])
            #expect(sc.at("seccompProfile", "type")?.string == "RuntimeDefault")
            #expect(c.at("resources", "requests", "cpu")?.string == "100m" && c.at("resources", "requests", "memory")?.string == "128Mi")
            #expect(c.at("resources", "limits", "memory")?.string == "512Mi" && c.at("resources", "limits", "cpu")?.string == "1")
            let tmpMount = c["volumeMounts"]?.array().first { $0["mountPath"]?.string == "/tmp" }
            #expect(tmpMount?["name"]?.string == KubernetesRenderer.tmpVolume)
        }
        let pod = try podSpec(o)
        let tmp = try #require(pod["volumes"]?.array().first { $0["name"]?.string == KubernetesRenderer.tmpVolume })
        #expect(tmp["emptyDir"] != nil)
        if kind != .initContainer {
            #expect(pod.at("securityContext", "runAsNonRoot")?.bool == true)
            #expect(pod.at("securityContext", "runAsUser")?.int == 1000)
            #expect(pod.at("securityContext", "seccompProfile", "type")?.string == "RuntimeDefault")
            #expect(pod["automountServiceAccountToken"]?.bool == false)
        }
    }

    @Test("credentials: DATABASE_URL from the Secret, or DATABASE_HOST/PORT/USER/NAME from the ConfigMap and DATABASE_PASSWORD from the Secret",
          arguments: Kind.allCases)
    func credentials(kind: Kind) throws {
        var o = options(kind)
        o.environment = [(name: "STRATA_LOCK_WAIT", value: "5m")]
        for c in try strataContainers(o) {
            #expect(env(c, "DATABASE_URL")?.at("valueFrom", "secretKeyRef", "name")?.string == "shop-db")
            #expect(env(c, "DATABASE_URL")?.at("valueFrom", "secretKeyRef", "key")?.string == "DATABASE_URL")
            #expect(env(c, "DATABASE_PASSWORD") == nil)
            #expect(env(c, "STRATA_LOCK_WAIT")?["value"]?.string == "5m")
        }
        o.credentials = Self.partsCredentials
        for c in try strataContainers(o) {
            #expect(env(c, "DATABASE_URL") == nil)
            for key in ["DATABASE_HOST", "DATABASE_PORT", "DATABASE_USER", "DATABASE_NAME"] {
                #expect(env(c, key)?.at("valueFrom", "configMapKeyRef", "name")?.string == "shop-db-config", "\(key)")
                #expect(env(c, key)?.at("valueFrom", "configMapKeyRef", "key")?.string == key)
            }
            #expect(env(c, "DATABASE_PASSWORD")?.at("valueFrom", "secretKeyRef", "name")?.string == "shop-db-secret")
            #expect(env(c, "DATABASE_PASSWORD")?.at("valueFrom", "secretKeyRef", "key")?.string == "DATABASE_PASSWORD")
            #expect(envNames(c).contains("STRATA_LOCK_WAIT"))
        }
    }

    @Test("kubernetes-validate --strict accepts every kind with both kinds of credentials")
    func kubernetesValidate() async throws {
        try await TempDirectory.with { dir in
            var paths: [String] = []
            for kind in Kind.allCases {
                for (label, credentials) in [("url", Self.urlCredentials), ("parts", Self.partsCredentials)] {
                    var o = options(kind, credentials)
                    o.activeDeadlineSeconds = 3600
                    o.serviceAccount = "strata"
                    o.imagePullPolicy = "IfNotPresent"
                    o.environment = [(name: "STRATA_TIMEOUT", value: "50m")]
                    let written = try RenderedFile.write(KubernetesRenderer.render(o), to: dir.file(label), overwrite: false)
                    paths += written
                }
            }
            #expect(paths.count == 10)
            let r = try RenderValidators.kubernetes(paths)
            #expect(r.status == 0, "\(r.output)")
            for p in paths { #expect(r.output.contains("\(p) passed"), "not validated: \(p)\n\(r.output)") }
            #expect(!r.output.contains("ERROR"), "\(r.output)")
        }
    }

    @Test("the check can fail: kubernetes-validate rejects a wrong type and an unknown field in a rendered manifest")
    func kubernetesValidateRejects() async throws {
        try await TempDirectory.with { dir in
            let text = try single(KubernetesRenderer.render(options(.presyncJob))).contents
            for (label, broken) in [("type", text.replacingOccurrences(of: "backoffLimit: 3", with: "backoffLimit: three")),
                                    ("field", text.replacingOccurrences(of: "ttlSecondsAfterFinished:", with: "ttlSecondsAfterFinish:"))] {
                #expect(broken != text)
                let path = dir.file("\(label).yaml")
                try Data(broken.utf8).write(to: URL(fileURLWithPath: path))
                let r = try RenderValidators.kubernetes([path])
                #expect(r.status != 0, "\(label): \(r.output)")
            }
        }
    }

    @Test("the output is the same on every run, and says what rendered it")
    func deterministic() throws {
        for kind in Kind.allCases {
            let a = try single(KubernetesRenderer.render(options(kind))).contents
            let b = try single(KubernetesRenderer.render(options(kind))).contents
            #expect(a == b)
            #expect(a.hasPrefix("# \(kind.rawValue).yaml: "))
            #expect(a.contains("Rendered by `strata render k8s --kind \(kind.rawValue)` (strata 9.9.9)."))
            #expect(try single(KubernetesRenderer.render(options(kind))).name == "\(kind.rawValue).yaml")
        }
    }

    @Test("bad settings are refused with the flag named")
    func refusals() throws {
        func message(_ change: (inout KubernetesOptions) -> Void, kind: Kind = .job) -> String {
            var o = options(kind)
            change(&o)
            do {
                _ = try KubernetesRenderer.render(o)
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        #expect(message { $0.name = "Strata_Migrate" }.contains("--name Strata_Migrate: not a Kubernetes name"))
        #expect(message { $0.namespace = "-shop" }.contains("--namespace"))
        #expect(message { $0.credentials = .url(secret: "") }.contains("--secret"))
        #expect(message { $0.environment = [(name: "1BAD", value: "x")] }.contains("--env-var 1BAD"))
        #expect(message { $0.image = "two words" }.contains("--image"))
        #expect(message { $0.environment = [(name: "DATABASE_URL", value: "postgres://x")] }.contains("set by the manifest itself"))
        #expect(message({ $0.targets = [] }, kind: .fanoutJob).contains("--target"))
        #expect(message({ $0.targets = ["a", "a"] }, kind: .fanoutJob).contains("listed twice"))
        #expect(message({ $0.targets = ["a;rm -rf /"] }, kind: .fanoutJob).contains("not a database name"))
        #expect(message({ $0.confirmDelay = "soon" }, kind: .rollbackJob).contains("--confirm-delay soon"))
        #expect(message({ $0.rollbackSteps = 0 }, kind: .rollbackJob).contains("--steps"))
        #expect(message { _ in } == "accepted")
    }
}
