//! The Kubernetes memory rules (`OOM0xx`): the registry's data. The checks that raise them are in
//! [`crate::checks`]; every rule has a test that triggers it and one that does not.

use crate::registry::{Rule, RuleCode, Severity};

/// The limit/request ratio above which [`RuleCode::LargeLimitRatio`] fires.
pub const MAX_LIMIT_REQUEST_RATIO: f64 = 2.0;
/// Memory values below this are almost always unit mistakes (`128m` is 0.128 bytes).
pub const TINY_MEMORY_BYTES: i64 = 4 << 20;

/// The Kubernetes memory rules, in code order.
pub const K8S_RULES: [Rule; 11] = [
    Rule {
        code: RuleCode::NoMemoryLimit,
        severity: Severity::Error,
        title: "Container has no memory limit",
        explanation: "\
Without `resources.limits.memory` the container's cgroup has no memory ceiling: a leak in it grows \
until the *node* runs out of memory. Then the kernel's global OOM killer picks a victim across all \
pods on the node by `oom_score` (usage plus `oom_score_adj`), and the kubelet starts evicting pods \
under memory pressure - often not the pod that leaked. A limit turns a node-wide incident into one \
container's OOM kill (exit code 137, reason OOMKilled), which is visible and restarts cleanly.
Source: kubelet `pkg/kubelet/cm` sets `memory.limit_in_bytes`/`memory.max` only from the limit; \
a LimitRange `default` in the namespace would set one at admission (oomdoc applies LimitRanges \
found in the input).
An error, so that `oomdoc audit` fails CI by default: an unlimited container puts every pod on its \
node at risk, not only itself. Where a namespace LimitRange the input does not hold sets the \
default, pass the LimitRange too, annotate the object (`oomdoc.dev/ignore: OOM001`) or lower the \
rule in the policy file.",
        fix: "Set `resources.limits.memory` to the container's peak working set plus a margin (or add a LimitRange with a `default` memory limit to the namespace).",
        example: "\
containers:
- name: app
  image: example/app:1.0
  resources:
    requests:
      memory: 512Mi",
        example_fixed: "\
containers:
- name: app
  image: example/app:1.0
  resources:
    requests:
      memory: 512Mi
    limits:
      memory: 512Mi",
    },
    Rule {
        code: RuleCode::NoMemoryRequest,
        severity: Severity::Warning,
        title: "Container has no memory request",
        explanation: "\
The scheduler places pods by their *requests*. A container with no memory request (and no limit \
for the API server to copy into it) is scheduled as if it used no memory, so nodes are \
overcommitted without anyone deciding it. Under node memory pressure the kubelet evicts first the \
pods whose usage exceeds their request - with a zero request that is this pod - and the kernel \
gives its processes an `oom_score_adj` near 1000 (the first to be killed).
Source: `pkg/kubelet/eviction/helpers.go` (rankMemoryPressure), `pkg/kubelet/qos/policy.go`.",
        fix: "Set `resources.requests.memory` to the container's typical working set (for a steady service, equal to the limit makes the pod Guaranteed).",
        example: "\
containers:
- name: app
  image: example/app:1.0
  resources:
    requests:
      cpu: 250m",
        example_fixed: "\
containers:
- name: app
  image: example/app:1.0
  resources:
    requests:
      cpu: 250m
      memory: 512Mi
    limits:
      memory: 512Mi",
    },
    Rule {
        code: RuleCode::BestEffortPod,
        severity: Severity::Error,
        title: "Pod is BestEffort: first to be OOM-killed and evicted",
        explanation: "\
No container of the pod sets a cpu or memory request or limit, so its QoS class is BestEffort. \
The kubelet gives every process in it `oom_score_adj` 1000, the highest possible: when the node \
runs out of memory the kernel kills these processes first, whatever they use, and under memory \
pressure the kubelet evicts BestEffort pods before the others.
Source: `pkg/apis/core/v1/helper/qos/qos.go` (ComputePodQOS), `pkg/kubelet/qos/policy.go` \
(besteffortOOMScoreAdj = 1000).
An error, so that `oomdoc audit` fails CI by default: a pod with no memory settings at all is \
never what was meant for a workload that matters (say so with `oomdoc.dev/ignore: OOM003`).",
        fix: "Give every container memory (and cpu) requests and limits; equal requests and limits make the pod Guaranteed (oom_score_adj -997).",
        example: "\
containers:
- name: worker
  image: example/worker:1.0",
        example_fixed: "\
containers:
- name: worker
  image: example/worker:1.0
  resources:
    requests: {cpu: 250m, memory: 256Mi}
    limits: {cpu: 250m, memory: 256Mi}",
    },
    Rule {
        code: RuleCode::LimitBelowRequest,
        severity: Severity::Error,
        title: "Limit is lower than the request: the API server rejects the pod",
        explanation: "\
A container's limit must be at least its request. The API server's validation rejects the pod \
(`spec.containers[0].resources.requests: Invalid value: \"2Gi\": must be less than or equal to \
memory limit`), so a Deployment with this spec never creates pods: its ReplicaSet reports \
FailedCreate events. A LimitRange `default` limit below the container's request causes the same \
rejection at admission.
Source: `pkg/apis/core/validation/validation.go` (ValidateResourceRequirements).",
        fix: "Raise the limit to at least the request, or lower the request.",
        example: "\
resources:
  requests:
    memory: 2Gi
  limits:
    memory: 1Gi",
        example_fixed: "\
resources:
  requests:
    memory: 1Gi
  limits:
    memory: 1Gi",
    },
    Rule {
        code: RuleCode::BurstableMemory,
        severity: Severity::Info,
        title: "Memory request is below the limit: evicted and OOM-killed before Guaranteed pods",
        explanation: "\
With a memory request below the limit the pod is Burstable. The scheduler reserves only the \
request, so the node can be overcommitted up to the limits. When the node runs short, the kubelet \
evicts first the pods whose usage exceeds their request, and the kernel OOM killer prefers \
processes with a higher `oom_score_adj`: for a Burstable container it is \
`1000 - 1000 * request / node capacity` (clamped to 3..999), so the smaller the request, the \
sooner it dies. The message gives the container's value for the assumed node size.
Source: `pkg/kubelet/qos/policy.go` (GetContainerOOMScoreAdjust), `pkg/kubelet/eviction/helpers.go`.",
        fix: "For services that must not be killed, set the memory request equal to the limit (Guaranteed with equal cpu too); otherwise size the request to the real working set.",
        example: "\
resources:
  requests:
    memory: 256Mi
  limits:
    memory: 1Gi",
        example_fixed: "\
resources:
  requests:
    memory: 1Gi
  limits:
    memory: 1Gi",
    },
    Rule {
        code: RuleCode::LargeLimitRatio,
        severity: Severity::Warning,
        title: "Memory limit is more than twice the request (or the policy's ratio)",
        explanation: "\
The scheduler counts only the request, so a limit far above it lets the container grow into \
memory the node never reserved for it. Several such pods on one node overcommit it: when they \
grow together the node runs out of memory before any of them reaches its limit, and the node - \
not the limit - decides who dies (eviction, or the kernel OOM killer by oom_score_adj). The \
threshold is a ratio of 2 (`MAX_LIMIT_REQUEST_RATIO`), or the policy file's \
`max-limit-to-request-ratio`; LimitRange's `maxLimitRequestRatio` enforces the same idea at \
admission.
Source: `pkg/kubelet/eviction/helpers.go`, kernel `mm/oom_kill.c`.",
        fix: "Bring the request closer to the limit (measure the working set; `oomdoc trend` shows its peak), or lower the limit.",
        example: "\
resources:
  requests:
    memory: 256Mi
  limits:
    memory: 2Gi",
        example_fixed: "\
resources:
  requests:
    memory: 1536Mi
  limits:
    memory: 2Gi",
    },
    Rule {
        code: RuleCode::TmpfsNoSizeLimit,
        severity: Severity::Warning,
        title: "Memory-backed emptyDir has no sizeLimit",
        explanation: "\
An `emptyDir` with `medium: Memory` is a tmpfs. Files written to it are shared memory charged to \
the memory cgroup of the container that writes them: they count against its limit (and \
`container_memory_working_set_bytes`), cannot be reclaimed while the files exist, and survive \
container restarts for the pod's life. Without `sizeLimit` the tmpfs may grow to the pod's \
memory limit or the node's allocatable memory, so a full volume shows up as an OOM kill of \
whichever container wrote last, with no OutOfMemoryError and no clue in the application.
Source: `pkg/volume/emptydir/empty_dir.go` (SizeMemoryBackedVolumes), kernel \
`Documentation/admin-guide/cgroup-v1/memory.rst` (shmem/tmpfs accounting).",
        fix: "Set `emptyDir.sizeLimit` to what the volume needs, and budget it inside the writing container's memory limit.",
        example: "\
volumes:
- name: scratch
  emptyDir:
    medium: Memory",
        example_fixed: "\
volumes:
- name: scratch
  emptyDir:
    medium: Memory
    sizeLimit: 256Mi",
    },
    Rule {
        code: RuleCode::TmpfsOverLimit,
        severity: Severity::Warning,
        title: "Memory-backed emptyDir sizeLimit exceeds the pod's memory limits",
        explanation: "\
The tmpfs of a `medium: Memory` emptyDir is charged to the memory cgroup of the container that \
writes it. When its `sizeLimit` is larger than the memory limit of the containers that mount it \
(or, when no container mounts it, of the whole pod), the volume can never fill: the writer is \
OOM-killed first, and since the files stay in memory after the restart, it is killed again and \
again.
Source: kernel memory cgroup accounting of shmem; `pkg/volume/emptydir`.",
        fix: "Lower `sizeLimit` well below the writing container's memory limit, or raise that limit to hold the volume plus the process's own memory.",
        example: "\
containers:
- name: app
  resources: {limits: {memory: 512Mi}}
  volumeMounts: [{name: cache, mountPath: /cache}]
volumes:
- name: cache
  emptyDir: {medium: Memory, sizeLimit: 1Gi}",
        example_fixed: "\
containers:
- name: app
  resources: {limits: {memory: 1536Mi}}
  volumeMounts: [{name: cache, mountPath: /cache}]
volumes:
- name: cache
  emptyDir: {medium: Memory, sizeLimit: 1Gi}",
    },
    Rule {
        code: RuleCode::TinyMemory,
        severity: Severity::Error,
        title: "Memory value is implausibly small (a unit mistake?)",
        explanation: "\
Memory quantities are bytes: `memory: 128m` is 0.128 bytes (rounded up to 1), `memory: 512` is \
512 bytes, and `memory: 1G` is 10^9 bytes, not 1Gi. A limit of a few bytes or kilobytes makes \
the container fail to start or be OOM-killed at once (exit code 137, or a runtime error such as \
\"minimum memory limit allowed is 6MB\"); a request that small makes the pod Burstable with \
`oom_score_adj` 999. Values below 4Mi are reported.
Source: `resource.Quantity` suffixes (`m` = 10^-3, `Mi` = 2^20).",
        fix: "Write the unit you mean: `128Mi`, `512Mi`, `1Gi`.",
        example: "\
resources:
  limits:
    memory: 128m",
        example_fixed: "\
resources:
  limits:
    memory: 128Mi",
    },
    Rule {
        code: RuleCode::MemoryLimitOutOfRange,
        severity: Severity::Warning,
        title: "Memory limit outside the range the policy allows (off unless set)",
        explanation: "\
A team's policy file (`.oomdoc.yaml`) may bound memory limits with `memory-limit: {min: 64Mi, \
max: 16Gi}`; this rule is off unless it does. A limit below the minimum is a container that will \
be OOM-killed as soon as it does real work (the runtime itself, a shell and a JVM's metaspace \
take tens of MiB); a limit above the maximum is a pod that few nodes can hold, or a number typed \
in the wrong unit. The limit compared is the effective one, after LimitRange defaults.
Source: the policy; the same bounds as a LimitRange's `min` and `max` for `type: Container` \
(`plugin/pkg/admission/limitranger`), which the API server enforces at admission.",
        fix: "Bring `resources.limits.memory` inside the policy's range, or exempt the workload in the policy file's `exempt:` list.",
        example: "\
resources:
  requests:
    memory: 32Gi
  limits:
    memory: 32Gi",
        example_fixed: "\
resources:
  requests:
    memory: 8Gi
  limits:
    memory: 8Gi",
    },
    Rule {
        code: RuleCode::UnknownIgnoredRule,
        severity: Severity::Warning,
        title: "An oomdoc.dev/ignore key names no rule: it silences nothing",
        explanation: "\
`oomdoc.dev/ignore` (an annotation on the object or its pod template, or a `# oomdoc.dev/ignore:` \
comment in a Dockerfile) takes rule codes or names (`OOM003`, `best-effort-pod`), separated by \
commas or blanks. A key that is neither (a typo, `OOM03`, a code from another tool) silences nothing, \
so the finding it was meant for is still reported, or - worse - a later rule is silenced by a \
name nobody meant. The policy file's `rules:` refuses unknown keys with an error; the annotation \
lives in the manifests, so it is reported here instead.
Source: oomdoc's own rule registry (`oomdoc rules`).",
        fix: "Write the rule's code or name as `oomdoc rules` lists it, or remove the key.",
        example: "\
metadata:
  annotations:
    oomdoc.dev/ignore: OOM03",
        example_fixed: "\
metadata:
  annotations:
    oomdoc.dev/ignore: OOM003",
    },
];
