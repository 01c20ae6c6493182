import Foundation
import StrataCore

/// Renders one Kubernetes manifest per ``KubernetesOptions/Kind`` as YAML (Yams), every pod hardened: non-root
/// user 1000, read-only root filesystem, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp,
/// an emptyDir on /tmp, resources set, and the database credentials from a Secret (or a ConfigMap and a Secret).
///
/// ```swift
/// var options = KubernetesOptions(kind: .presyncJob)
/// options.image = "ghcr.io/acme/shop-migrations:1.4.0"
/// options.credentials = .url(secret: "shop-db")
/// print(try KubernetesRenderer.render(options)[0].contents)
/// ```
public enum KubernetesRenderer {
    /// Where the `/tmp` emptyDir and the fan-out targets are mounted.
    public static let tmpVolume = "strata-tmp"
    public static let targetsVolume = "strata-targets"
    public static let targetsDirectory = "/etc/strata/targets"
    public static let targetsKey = "targets"
    public static let argoAnnotations = [("argocd.argoproj.io/hook", "PreSync"),
                                         ("argocd.argoproj.io/hook-delete-policy", "BeforeHookCreation"),
                                         ("argocd.argoproj.io/sync-wave", "-1")]

    /// The file `--output DIR` writes: `<kind>.yaml`.
    public static func fileName(_ kind: KubernetesOptions.Kind) -> String { "\(kind.rawValue).yaml" }

    public static func render(_ o: KubernetesOptions) throws -> [RenderedFile] {
        try validate(o)
        return [RenderedFile(name: fileName(o.kind), contents: try YAMLDocument.encode(documents(o), header: header(o)))]
    }

    /// The manifest's documents (the fan-out Job comes after its targets ConfigMap).
    static func documents(_ o: KubernetesOptions) throws -> [any Encodable] {
        switch o.kind {
        case .initContainer:
            return [initContainerPatch(o)]
        case .presyncJob:
            return [job(o, component: "migration", annotations: argoAnnotations, initContainers: [preflight(o)], main: container(o, args: ["up"]))]
        case .job:
            return [job(o, component: "migration", main: container(o, args: ["up"]))]
        case .rollbackJob:
            let which = o.rollbackTo.map { ["--to", $0] } ?? ["--steps", String(o.rollbackSteps)]
            var j = job(o, component: "rollback", initContainers: [preflight(o)],
                        main: container(o, args: ["down"] + which + ["--confirm-delay", o.confirmDelay]))
            j.spec.backoffLimit = 0
            return [j]
        case .fanoutJob:
            return [targetsConfigMap(o), fanoutJob(o)]
        }
    }

    // MARK: Pieces

    static func labels(_ o: KubernetesOptions, component: String) -> OrderedMap<String> {
        OrderedMap([("app.kubernetes.io/name", "strata"), ("app.kubernetes.io/instance", o.name), ("app.kubernetes.io/component", component)])
    }

    static func metadata(_ o: KubernetesOptions, name: String, component: String, annotations: [(String, String)] = []) -> K8sMetadata {
        K8sMetadata(name: name, namespace: o.namespace, labels: labels(o, component: component),
                    annotations: annotations.isEmpty ? nil : OrderedMap(annotations))
    }

    static let seccomp = K8sSeccompProfile(type: "RuntimeDefault")

    static let containerSecurity = K8sSecurityContext(runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true,
                                                      allowPrivilegeEscalation: false, privileged: false,
                                                      capabilities: K8sCapabilities(drop: ["ALL"]), seccompProfile: seccomp)

    static let podSecurity = K8sPodSecurityContext(runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: seccomp)

    /// The database variables, then the user's.
    static func environment(_ o: KubernetesOptions) -> [K8sEnvVar] {
        var env: [K8sEnvVar]
        switch o.credentials {
        case .url(let secret):
            env = [.secret("DATABASE_URL", from: secret)]
        case .parts(let map, let secret):
            env = ["DATABASE_HOST", "DATABASE_PORT", "DATABASE_USER", "DATABASE_NAME"].map { .configMap($0, from: map) }
            env.append(.secret("DATABASE_PASSWORD", from: secret))
        }
        return env + o.environment.map { .plain($0.name, $0.value) }
    }

    static func resources(_ o: KubernetesOptions) -> K8sResources {
        var limits: [(String, String)] = []
        if !o.cpuLimit.isEmpty { limits.append(("cpu", o.cpuLimit)) }
        limits.append(("memory", o.memoryLimit))
        return K8sResources(requests: OrderedMap([("cpu", o.cpuRequest), ("memory", o.memoryRequest)]), limits: OrderedMap(limits))
    }

    static func container(_ o: KubernetesOptions, name: String? = nil, args: [String]? = nil, command: [String]? = nil,
                          extraEnv: [K8sEnvVar] = [], extraMounts: [K8sVolumeMount] = []) -> K8sContainer {
        K8sContainer(name: name ?? (o.kind == .initContainer ? o.name : "migrate"), image: o.image, imagePullPolicy: o.imagePullPolicy,
                     command: command, args: args, env: environment(o) + extraEnv, resources: resources(o),
                     securityContext: containerSecurity,
                     volumeMounts: [K8sVolumeMount(name: tmpVolume, mountPath: "/tmp")] + extraMounts)
    }

    /// `strata preflight` before the migration: connectivity, history, dirty rows, the lock holder.
    static func preflight(_ o: KubernetesOptions) -> K8sContainer {
        container(o, name: "preflight", args: ["preflight"])
    }

    static func tmp(_ o: KubernetesOptions) -> K8sVolume {
        K8sVolume(name: tmpVolume, emptyDir: K8sEmptyDir(sizeLimit: o.tmpSize))
    }

    static func job(_ o: KubernetesOptions, component: String, annotations: [(String, String)] = [], initContainers: [K8sContainer] = [],
                    main: K8sContainer, extraVolumes: [K8sVolume] = []) -> K8sJob {
        let pod = K8sPodSpec(restartPolicy: "Never", serviceAccountName: o.serviceAccount, automountServiceAccountToken: false,
                             securityContext: podSecurity, initContainers: initContainers.isEmpty ? nil : initContainers,
                             containers: [main], volumes: [tmp(o)] + extraVolumes)
        let spec = K8sJobSpec(backoffLimit: o.backoffLimit, activeDeadlineSeconds: o.activeDeadlineSeconds,
                              ttlSecondsAfterFinished: o.ttlSecondsAfterFinished,
                              template: K8sPodTemplate(metadata: K8sTemplateMetadata(labels: labels(o, component: component)), spec: pod))
        return K8sJob(metadata: metadata(o, name: o.name, component: component, annotations: annotations), spec: spec)
    }

    static func initContainerPatch(_ o: KubernetesOptions) -> K8sDeploymentPatch {
        let selector = OrderedMap(o.selector.isEmpty ? [("app", o.deployment)] : o.selector.map { ($0.key, $0.value) })
        let pod = K8sPodSpec(initContainers: [container(o, args: ["up"])],
                             containers: [K8sContainer(name: o.appContainer ?? o.deployment)],
                             volumes: [tmp(o)])
        return K8sDeploymentPatch(metadata: K8sMetadata(name: o.deployment, namespace: o.namespace),
                                  spec: K8sDeploymentPatchSpec(selector: K8sLabelSelector(matchLabels: selector),
                                                               template: K8sPodTemplate(metadata: K8sTemplateMetadata(labels: selector), spec: pod)))
    }

    static func targetsConfigMapName(_ o: KubernetesOptions) -> String { "\(o.name)-targets" }

    static func targetsConfigMap(_ o: KubernetesOptions) -> K8sConfigMap {
        K8sConfigMap(metadata: metadata(o, name: targetsConfigMapName(o), component: "migration"),
                     data: OrderedMap([(targetsKey, o.targets.joined(separator: "\n") + "\n")]))
    }

    /// The fan-out container's script: picks line JOB_COMPLETION_INDEX+1 of the targets file and migrates that database.
    static func fanoutScript(_ o: KubernetesOptions) -> String {
        let select: String
        switch o.credentials {
        case .url:
            select = """
            case "$DATABASE_URL" in
              *\\?*) DATABASE_URL="$DATABASE_URL&dbname=$target" ;;
              *) DATABASE_URL="$DATABASE_URL?dbname=$target" ;;
            esac
            export DATABASE_URL
            """
        case .parts:
            select = #"export DATABASE_NAME="$target""#
        }
        return """
        set -eu
        line=$((JOB_COMPLETION_INDEX + 1))
        target="$(sed -n "${line}p" "$STRATA_TARGETS_FILE")"
        if [ -z "$target" ]; then
          echo "strata fan-out: no database on line $line of $STRATA_TARGETS_FILE" >&2
          exit 2
        fi
        echo "strata fan-out: index $JOB_COMPLETION_INDEX migrates database $target"
        \(select)
        exec strata up

        """
    }

    static func fanoutJob(_ o: KubernetesOptions) -> K8sJob {
        let extraEnv: [K8sEnvVar] = [.field("JOB_COMPLETION_INDEX", "metadata.annotations['batch.kubernetes.io/job-completion-index']"),
                                     .plain("STRATA_TARGETS_FILE", "\(targetsDirectory)/\(targetsKey)")]
        let main = container(o, command: ["/bin/sh", "-c", fanoutScript(o)], extraEnv: extraEnv,
                             extraMounts: [K8sVolumeMount(name: targetsVolume, mountPath: targetsDirectory, readOnly: true)])
        let targets = K8sVolume(name: targetsVolume, configMap: K8sConfigMapVolume(name: targetsConfigMapName(o), items: [K8sKeyToPath(key: targetsKey, path: targetsKey)]))
        var j = job(o, component: "migration", main: main, extraVolumes: [targets])
        j.spec.completionMode = "Indexed"
        j.spec.completions = o.targets.count
        j.spec.parallelism = min(o.parallelism, o.targets.count)
        // Each database gets its own retries: one failing tenant does not use up the others'.
        j.spec.backoffLimitPerIndex = o.backoffLimit
        j.spec.backoffLimit = nil
        return j
    }

    // MARK: Header

    static func header(_ o: KubernetesOptions) -> String {
        let ns = o.namespace.map { " -n \($0)" } ?? ""
        let credentials = switch o.credentials {
        case .url(let secret): "DATABASE_URL from Secret `\(secret)`."
        case .parts(let map, let secret): "DATABASE_HOST/PORT/USER/NAME from ConfigMap `\(map)`, DATABASE_PASSWORD from Secret `\(secret)`."
        }
        let rendered = "Rendered by `strata render k8s --kind \(o.kind.rawValue)`\(o.strataVersion.isEmpty ? "" : " (strata \(o.strataVersion))")."
        let file = fileName(o.kind)
        let body: String
        switch o.kind {
        case .initContainer:
            body = """
            \(file): a strategic-merge patch adding the init container `\(o.name)` (`strata up`) to Deployment `\(o.deployment)`.
            Every pod migrates before its app container starts; Strata's lock lets one pod migrate while the others wait.
              kustomize:  patches: [{path: \(file), target: {kind: Deployment, name: \(o.deployment)}}]
              kubectl:    kubectl patch deployment \(o.deployment)\(ns) --type strategic --patch-file \(file)
            The selector and the `\(o.appContainer ?? o.deployment)` container entry repeat your Deployment's own values (a strategic
            merge leaves equal values as they are): they must match it (--selector, --app-container).
            Logs: kubectl logs\(ns) POD -c \(o.name)
            """
        case .presyncJob:
            body = """
            \(file): an ArgoCD PreSync hook (sync wave -1): ArgoCD runs it before every sync and syncs only when it completes.
            The init container runs `strata preflight` (connectivity, history, dirty rows, lock holder), then `strata up`.
            Retried \(o.backoffLimit) times; kept \(o.ttlSecondsAfterFinished / 86_400) days for its logs; the previous run is deleted when a new one starts.
            Logs: kubectl logs\(ns) job/\(o.name) --all-containers
            """
        case .job:
            body = """
            \(file): a migration Job (`strata up`) for a deploy gate:
              kubectl delete job \(o.name)\(ns) --ignore-not-found
              kubectl apply\(ns) -f \(file)
              kubectl wait\(ns) --for=condition=Complete job/\(o.name) --timeout=600s
            Logs: kubectl logs\(ns) job/\(o.name)
            """
        case .rollbackJob:
            let what = o.rollbackTo.map { "every migration above \($0)" } ?? "the latest \(o.rollbackSteps) migration\(o.rollbackSteps == 1 ? "" : "s")"
            body = """
            \(file): EMERGENCY ONLY. Reverts \(what) with `strata down`; down sections may DROP DATA.
            The pod prints the migrations it will revert and waits \(o.confirmDelay) first (delete the Job to cancel).
            Stop the app first (kubectl scale deployment --replicas=0). Never retried (backoffLimit 0): a retry would revert more.
              kubectl apply\(ns) -f \(file) && kubectl logs\(ns) -f job/\(o.name) --all-containers
            """
        case .fanoutJob:
            body = """
            \(file): migrates \(o.targets.count) database\(o.targets.count == 1 ? "" : "s"), one per index of an Indexed Job, at most \(min(o.parallelism, o.targets.count)) at a time.
            ConfigMap `\(targetsConfigMapName(o))` lists them, one per line; index i migrates line i+1 (\(o.credentials.isURL ? "dbname= added to DATABASE_URL" : "as DATABASE_NAME")).
            A failing database is retried \(o.backoffLimit) times without stopping the others.
              kubectl apply\(ns) -f \(file) && kubectl wait\(ns) --for=condition=Complete job/\(o.name) --timeout=1h
            """
        }
        return "\(body)\nCredentials: \(credentials)\n\(rendered)"
    }

    // MARK: Validation

    static func validate(_ o: KubernetesOptions) throws {
        try check(o.name, "--name", label: true)
        if let ns = o.namespace { try check(ns, "--namespace", label: true) }
        switch o.credentials {
        case .url(let s): try check(s, "--secret")
        case .parts(let m, let s): try check(m, "--config-map"); try check(s, "--secret")
        }
        if let sa = o.serviceAccount { try check(sa, "--service-account") }
        guard !o.image.isEmpty, !o.image.contains(where: \.isWhitespace) else { throw DeployError("--image \(o.image): not an image reference") }
        let reserved: Set<String> = ["DATABASE_URL", "DATABASE_HOST", "DATABASE_PORT", "DATABASE_USER", "DATABASE_NAME", "DATABASE_PASSWORD",
                                     "JOB_COMPLETION_INDEX", "STRATA_TARGETS_FILE"]
        for (name, _) in o.environment {
            if reserved.contains(name) { throw DeployError("--env-var \(name): set by the manifest itself (credentials: --secret, --config-map)") }
            guard let first = name.unicodeScalars.first, !("0"..."9").contains(first),
                  name.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }) else {
                throw DeployError("--env-var \(name): not a variable name (letters, digits and _)")
            }
        }
        for (flag, value) in [("--backoff-limit", o.backoffLimit), ("--ttl", o.ttlSecondsAfterFinished)] where value < 0 {
            throw DeployError("\(flag) must not be negative (got \(value))")
        }
        if let d = o.activeDeadlineSeconds, d < 1 { throw DeployError("--active-deadline must be at least 1s") }
        switch o.kind {
        case .initContainer:
            try check(o.deployment, "--deployment")
            try check(o.appContainer ?? o.deployment, "--app-container", label: true)
        case .rollbackJob:
            if o.rollbackSteps < 1 { throw DeployError("--steps must be at least 1 (got \(o.rollbackSteps))") }
            if DurationText.parse(o.confirmDelay) == nil { throw DeployError("--confirm-delay \(o.confirmDelay): not a duration (use 10s, 1m)") }
        case .fanoutJob:
            guard !o.targets.isEmpty else { throw DeployError("fanout-job needs the databases to migrate: --target NAME (repeatable) or --targets-file FILE") }
            for t in o.targets {
                guard t.count <= 63, let first = t.unicodeScalars.first, first != "-", first != ".",
                      t.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || "_.-".unicodeScalars.contains($0) }) else {
                    throw DeployError("target `\(t)`: not a database name (up to 63 letters, digits, _ . -)")
                }
            }
            if let dup = Dictionary(grouping: o.targets, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
                throw DeployError("target `\(dup)` is listed twice (each database is migrated by one index)")
            }
            if o.parallelism < 1 { throw DeployError("--parallelism must be at least 1 (got \(o.parallelism))") }
        case .presyncJob, .job:
            break
        }
    }

    /// A DNS-1123 name: a label (up to 63, no dots) or a subdomain (up to 253, dots allowed).
    static func check(_ name: String, _ flag: String, label: Bool = false) throws {
        let limit = label ? 63 : 253
        let edges: Set<Character> = ["-", "."]
        let ok = !name.isEmpty && name.count <= limit
            && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || (!label && $0 == ".") }
            && !edges.contains(name.first ?? "-") && !edges.contains(name.last ?? "-")
        guard ok else {
            throw DeployError("\(flag) \(name): not a Kubernetes name (lower-case letters, digits and -\(label ? "" : " or ."), up to \(limit) characters, starting and ending with a letter or digit)")
        }
    }
}

extension KubernetesOptions.Credentials {
    var isURL: Bool { if case .url = self { true } else { false } }
}
