import Foundation

/// What `strata render k8s` fills in.
public struct KubernetesOptions: Sendable {
    /// One manifest per kind.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A strategic-merge patch adding a migration init container to a Deployment (each pod migrates before it starts).
        case initContainer = "init-container"
        /// A Job run by ArgoCD before every sync (PreSync hook, wave -1), with a `strata preflight` init container.
        case presyncJob = "presync-job"
        /// A plain Job for `kubectl apply` + `kubectl wait --for=condition=Complete`.
        case job
        /// A Job that reverts migrations with `strata down`, after a data-loss warning and a pause.
        case rollbackJob = "rollback-job"
        /// An Indexed Job migrating one database per index, the databases listed in a ConfigMap.
        case fanoutJob = "fanout-job"
    }

    /// Where the pods' database credentials come from.
    public enum Credentials: Sendable, Hashable {
        /// `DATABASE_URL` from a key of that name in the Secret.
        case url(secret: String)
        /// `DATABASE_HOST`, `DATABASE_PORT`, `DATABASE_USER`, `DATABASE_NAME` from the ConfigMap and
        /// `DATABASE_PASSWORD` from the Secret (keys of those names).
        case parts(configMap: String, secret: String)
    }

    public var kind: Kind
    /// The Job's name (for `init-container`: the init container's name).
    public var name: String
    public var namespace: String?
    /// An image holding `strata` (ENTRYPOINT) and the migrations (in its working directory, /app for the strata image).
    public var image = "strata:latest"
    public var imagePullPolicy: String?
    public var credentials: Credentials = .url(secret: "strata-database")
    /// Extra variables for the strata containers (`STRATA_LOCK_WAIT`, `STRATA_TIMEOUT`, `PGSSLMODE`…), in order.
    public var environment: [(name: String, value: String)] = []
    public var serviceAccount: String?
    public var cpuRequest = "100m"
    public var memoryRequest = "128Mi"
    /// Empty: no CPU limit.
    public var cpuLimit = "1"
    public var memoryLimit = "512Mi"
    /// The `/tmp` emptyDir's size limit.
    public var tmpSize = "64Mi"
    /// Jobs: retries before the Job fails (`backoffLimit`; per index for `fanout-job`). A rollback Job never retries.
    public var backoffLimit = 3
    /// Jobs: how long a finished Job (and its logs) is kept: 7 days.
    public var ttlSecondsAfterFinished = 604_800
    /// Jobs: `activeDeadlineSeconds`, none by default (a long migration is not killed; use STRATA_TIMEOUT for a limit).
    public var activeDeadlineSeconds: Int?
    /// `init-container`: the Deployment to patch, its app container, and its selector labels (repeated in the patch,
    /// which leaves equal values unchanged, so that the patch is a complete Deployment fragment).
    public var deployment = "app"
    public var appContainer: String?
    public var selector: [(key: String, value: String)] = []
    /// `rollback-job`: `strata down --steps N` or `--to V`, and the pause after the warning.
    public var rollbackSteps = 1
    public var rollbackTo: String?
    public var confirmDelay = "10s"
    /// `fanout-job`: one database name per index, and how many run at once.
    public var targets: [String] = []
    public var parallelism = 4
    /// The Strata version that rendered the files (written in their headers).
    public var strataVersion = ""

    public init(kind: Kind, name: String? = nil) {
        self.kind = kind
        self.name = name ?? Self.defaultName(kind)
    }

    public static func defaultName(_ kind: Kind) -> String {
        switch kind {
        case .rollbackJob: "strata-rollback"
        case .fanoutJob: "strata-migrate-all"
        default: "strata-migrate"
        }
    }
}
