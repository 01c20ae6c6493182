import Foundation

// The parts of the Kubernetes API that the rendered manifests use, as Encodable values (field names as in the
// API; nil fields are left out). Only what `KubernetesRenderer` writes is modelled.

struct K8sMetadata: Encodable, Sendable {
    var name: String
    var namespace: String?
    var labels: OrderedMap<String>?
    var annotations: OrderedMap<String>?
}

struct K8sTemplateMetadata: Encodable, Sendable {
    var labels: OrderedMap<String>
}

struct K8sKeySelector: Encodable, Sendable {
    var name: String
    var key: String
}

struct K8sFieldSelector: Encodable, Sendable {
    var fieldPath: String
}

struct K8sEnvSource: Encodable, Sendable {
    var secretKeyRef: K8sKeySelector?
    var configMapKeyRef: K8sKeySelector?
    var fieldRef: K8sFieldSelector?
}

struct K8sEnvVar: Encodable, Sendable {
    var name: String
    var value: String?
    var valueFrom: K8sEnvSource?

    static func plain(_ name: String, _ value: String) -> K8sEnvVar { K8sEnvVar(name: name, value: value) }
    static func secret(_ name: String, from secret: String, key: String? = nil) -> K8sEnvVar {
        K8sEnvVar(name: name, valueFrom: K8sEnvSource(secretKeyRef: K8sKeySelector(name: secret, key: key ?? name)))
    }
    static func configMap(_ name: String, from map: String, key: String? = nil) -> K8sEnvVar {
        K8sEnvVar(name: name, valueFrom: K8sEnvSource(configMapKeyRef: K8sKeySelector(name: map, key: key ?? name)))
    }
    static func field(_ name: String, _ path: String) -> K8sEnvVar {
        K8sEnvVar(name: name, valueFrom: K8sEnvSource(fieldRef: K8sFieldSelector(fieldPath: path)))
    }
}

struct K8sCapabilities: Encodable, Sendable {
    var drop: [String]
}

struct K8sSeccompProfile: Encodable, Sendable {
    var type: String
}

/// A container's security context: everything the hardened pods set, so that an init container added to
/// someone else's Deployment is hardened even when the pod is not.
struct K8sSecurityContext: Encodable, Sendable {
    var runAsNonRoot: Bool
    var runAsUser: Int
    var runAsGroup: Int
    var readOnlyRootFilesystem: Bool
    var allowPrivilegeEscalation: Bool
    var privileged: Bool
    var capabilities: K8sCapabilities
    var seccompProfile: K8sSeccompProfile
}

struct K8sPodSecurityContext: Encodable, Sendable {
    var runAsNonRoot: Bool
    var runAsUser: Int
    var runAsGroup: Int
    var fsGroup: Int
    var seccompProfile: K8sSeccompProfile
}

struct K8sResources: Encodable, Sendable {
    var requests: OrderedMap<String>?
    var limits: OrderedMap<String>?
}

struct K8sVolumeMount: Encodable, Sendable {
    var name: String
    var mountPath: String
    var readOnly: Bool?
}

struct K8sContainer: Encodable, Sendable {
    var name: String
    var image: String?
    var imagePullPolicy: String?
    var command: [String]?
    var args: [String]?
    var env: [K8sEnvVar]?
    var resources: K8sResources?
    var securityContext: K8sSecurityContext?
    var volumeMounts: [K8sVolumeMount]?
}

struct K8sEmptyDir: Encodable, Sendable {
    var sizeLimit: String?
}

struct K8sKeyToPath: Encodable, Sendable {
    var key: String
    var path: String
}

struct K8sConfigMapVolume: Encodable, Sendable {
    var name: String
    var items: [K8sKeyToPath]?
}

struct K8sVolume: Encodable, Sendable {
    var name: String
    var emptyDir: K8sEmptyDir?
    var configMap: K8sConfigMapVolume?
}

struct K8sPodSpec: Encodable, Sendable {
    var restartPolicy: String?
    var serviceAccountName: String?
    var automountServiceAccountToken: Bool?
    var securityContext: K8sPodSecurityContext?
    var initContainers: [K8sContainer]?
    var containers: [K8sContainer]
    var volumes: [K8sVolume]?
}

struct K8sPodTemplate: Encodable, Sendable {
    var metadata: K8sTemplateMetadata?
    var spec: K8sPodSpec
}

struct K8sJobSpec: Encodable, Sendable {
    var completionMode: String?
    var completions: Int?
    var parallelism: Int?
    var backoffLimit: Int?
    var backoffLimitPerIndex: Int?
    var activeDeadlineSeconds: Int?
    var ttlSecondsAfterFinished: Int?
    var template: K8sPodTemplate
}

struct K8sJob: Encodable, Sendable {
    var apiVersion = "batch/v1"
    var kind = "Job"
    var metadata: K8sMetadata
    var spec: K8sJobSpec
}

struct K8sConfigMap: Encodable, Sendable {
    var apiVersion = "v1"
    var kind = "ConfigMap"
    var metadata: K8sMetadata
    var data: OrderedMap<String>
}

struct K8sLabelSelector: Encodable, Sendable {
    var matchLabels: OrderedMap<String>
}

struct K8sDeploymentPatchSpec: Encodable, Sendable {
    var selector: K8sLabelSelector
    var template: K8sPodTemplate
}

/// A strategic-merge patch for a Deployment (kustomize `patches:` or `kubectl patch --type strategic`).
struct K8sDeploymentPatch: Encodable, Sendable {
    var apiVersion = "apps/v1"
    var kind = "Deployment"
    var metadata: K8sMetadata
    var spec: K8sDeploymentPatchSpec
}
