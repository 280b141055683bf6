//! The JVM memory rules (`OOM1xx`): the registry's data. The checks that raise them are in
//! `jvm_checks.rs`; every rule has a test that triggers it and one that does not
//! (`tests/jvm_rules.rs`).

use crate::registry::{Rule, RuleCode, Severity};

/// `MaxRAMPercentage` above this leaves too little of the limit for the rest of the JVM.
pub const MAX_SANE_RAM_PERCENTAGE: f64 = 90.0;

/// The JVM memory rules, in code order.
pub const JVM_RULES: [Rule; 13] = [
    Rule {
        code: RuleCode::HeapOverLimit,
        severity: Severity::Error,
        title: "JVM max heap is not below the container's memory limit",
        explanation: "\
The JVM reserves its max heap (`MaxHeapSize`) at startup and commits it as the application \
allocates; every committed page counts against the container's memory cgroup. When the heap alone \
may grow to the limit, the kernel's memory-cgroup OOM killer kills the JVM (SIGKILL, exit code \
137, reason OOMKilled) before the garbage collector ever finds the heap full, so no \
`OutOfMemoryError` is thrown and nothing is logged: the heap is simply never the limit that \
applies. Metaspace, code cache, thread stacks, direct buffers and GC structures come on top.
Source: HotSpot `Arguments::set_heap_size` (`runtime/arguments.cpp`) and \
`GCArguments::initialize_heap_flags_and_sizes` (`gc/shared/gcArguments.cpp`) for the heap; \
kernel `mm/memcontrol.c` (`mem_cgroup_out_of_memory`) for the kill.",
        fix: "Lower the heap below the limit with room for the non-heap pools: `-XX:MaxRAMPercentage` (follows the limit) or `-Xmx`; the finding gives the value that fits with a 10% margin. Or raise the limit.",
        example: "\
containers:
- name: app
  image: eclipse-temurin:17-jre
  env:
  - name: JAVA_TOOL_OPTIONS
    value: -Xmx4g
  resources:
    limits: {memory: 4Gi}",
        example_fixed: "\
containers:
- name: app
  image: eclipse-temurin:17-jre
  env:
  - name: JAVA_TOOL_OPTIONS
    value: -XX:MaxRAMPercentage=66.3 -XX:MaxDirectMemorySize=64m
  resources:
    limits: {memory: 4Gi}",
    },
    Rule {
        code: RuleCode::BudgetOverLimit,
        severity: Severity::Warning,
        title: "JVM heap plus non-heap memory exceeds the container's memory limit",
        explanation: "\
A JVM uses much more than its heap: metaspace (class metadata), the code cache (240 MiB reserved \
with tiered compilation), a stack per thread (1 MiB each by default on x86_64 Linux), direct \
buffers (up to the max heap again unless `MaxDirectMemorySize` is set), GC data structures and \
malloc arenas. When the max heap plus that budget is above the limit, the container is killed \
under load once the heap fills: SIGKILL from the kernel, exit code 137, and *no* \
`OutOfMemoryError` in the logs, because the heap never reached its own maximum. The non-heap figures are oomdoc's budget (each with its rule or assumption; \
`oomdoc jvm` shows them), in the style of Paketo's memory calculator.
Source: `runtime/arguments.cpp` (heap), `compiler/compilerDefinitions.cpp` \
(ReservedCodeCacheSize 240M with TieredCompilation), `os_cpu/linux_x86/globals_linux_x86.hpp` \
(ThreadStackSize 1M), `java.nio.Bits`/`jdk.internal.misc.VM.maxDirectMemory` (direct memory \
defaults to Runtime.maxMemory), paketo-buildpacks/libjvm `calc` (the budget method).",
        fix: "Give the heap what is left after the non-heap pools and a margin (`-XX:MaxRAMPercentage` from the finding), bound direct memory (`-XX:MaxDirectMemorySize`), or raise the limit. Measure the real non-heap use with `-XX:NativeMemoryTracking=summary` and `jcmd <pid> VM.native_memory`.",
        example: "\
containers:
- name: app
  image: eclipse-temurin:21-jre
  env:
  - name: JAVA_TOOL_OPTIONS
    value: -XX:MaxRAMPercentage=85.0
  resources:
    limits: {memory: 1Gi}",
        example_fixed: "\
containers:
- name: app
  image: eclipse-temurin:21-jre
  env:
  - name: JAVA_TOOL_OPTIONS
    value: -XX:MaxRAMPercentage=50.0 -XX:MaxDirectMemorySize=64m
  resources:
    limits: {memory: 2Gi}",
    },
    Rule {
        code: RuleCode::DefaultHeap,
        severity: Severity::Info,
        title: "JVM uses its default heap size: most of the memory limit is never used by the heap",
        explanation: "\
Without `-Xmx`, `-XX:MaxRAMPercentage` or `-XX:MaxRAM`, a container-aware JVM (8u191+, 10+) \
takes 25% of the container's memory limit as its max heap (50% below about 250 MiB, where \
`MinRAMPercentage` applies). With a 4Gi limit the heap stops at 1Gi: the application gets \
`OutOfMemoryError`s or constant GC while three quarters of the memory it pays for stay unused by \
the heap. A common incident: a team raises the limit after OOM kills or `OutOfMemoryError`s, \
and the heap stays at a quarter of it.
Source: HotSpot `Arguments::set_heap_size` (`runtime/arguments.cpp`), `MaxRAMPercentage` = 25 and \
`MinRAMPercentage` = 50 in `gc/shared/gc_globals.hpp`; JDK-8146115 (container support).",
        fix: "Size the heap from the limit: add the `-XX:MaxRAMPercentage=…` the finding gives (what the non-heap pools and a 10% margin leave) to the java command line (Dockerfile `ENTRYPOINT`) or `JAVA_TOOL_OPTIONS`. Write it with a decimal point (`66.0`): JDK 8 rejects `66`.",
        example: "\
containers:
- name: admin
  image: eclipse-temurin:17-jre
  command: [java, -jar, /app/admin.jar]
  resources:
    limits: {memory: 4Gi}",
        example_fixed: "\
containers:
- name: admin
  image: eclipse-temurin:17-jre
  command: [java, -XX:MaxRAMPercentage=66.3, -jar, /app/admin.jar]
  resources:
    limits: {memory: 4Gi}",
    },
    Rule {
        code: RuleCode::NotContainerAware,
        severity: Severity::Warning,
        title: "JVM ignores the container's memory limit and sizes itself from the node",
        explanation: "\
JDK 8 before update 191 (and 9) do not read cgroup limits: they size the heap, and pick the \
collector and thread counts, from the *node's* memory and CPUs. On a 64 GiB node the default heap \
is 16 GiB whatever the container's limit, so the heap can grow past the limit and the kernel \
kills the container (exit 137) without an `OutOfMemoryError`. `-XX:-UseContainerSupport` does the \
same on newer JDKs. (8u131 to 8u181 could opt in with the experimental \
`-XX:+UnlockExperimentalVMOptions -XX:+UseCGroupMemoryLimitForHeap`, cgroup v1 only.)
Source: JDK-8146115 (container support in JDK 10, backported to 8u191), \
`os/linux/osContainer_linux.cpp`, `UseContainerSupport` in `os/linux/globals_linux.hpp`.",
        fix: "Move to a current JDK update (8u372+, 11.0.16+, 17, 21); on an old JDK that cannot move, set `-Xmx` explicitly below the limit. Remove `-XX:-UseContainerSupport`.",
        example: "\
containers:
- name: legacy
  image: openjdk:8u181-jre
  resources:
    limits: {memory: 2Gi}",
        example_fixed: "\
containers:
- name: legacy
  image: eclipse-temurin:8u442-b06-jre
  resources:
    limits: {memory: 2Gi}",
    },
    Rule {
        code: RuleCode::CgroupV2Unaware,
        severity: Severity::Warning,
        title: "JDK does not understand cgroup v2: it sees no memory limit on a cgroup v2 node",
        explanation: "\
Nodes on current distributions (Ubuntu 22.04+, RHEL 9, Bottlerocket, COS, EKS/GKE/AKS defaults) \
use cgroup v2. JDKs with container support but before cgroup v2 support (8u191 to 8u362, 10 to \
14, 11.0.0 to 11.0.15) find no v1 memory controller there and fall back to the node's memory: the \
heap is 25% of the node, not of the limit, and can outgrow the container (exit 137, no \
`OutOfMemoryError`). oomdoc assumes cgroup v2 nodes unless told `--cgroup v1`.
Source: JDK-8230305 (cgroup v2 support in JDK 15, backported to 11.0.16 and 8u372), \
`os/linux/cgroupV2Subsystem_linux.cpp`.",
        fix: "Update the JDK to 8u372+, 11.0.16+ or 15+ (17, 21 or 25 preferably); until then set `-Xmx` explicitly below the limit.",
        example: "\
containers:
- name: app
  image: eclipse-temurin:11.0.14_9-jre
  resources:
    limits: {memory: 2Gi}",
        example_fixed: "\
containers:
- name: app
  image: eclipse-temurin:11.0.26_4-jre
  resources:
    limits: {memory: 2Gi}",
    },
    Rule {
        code: RuleCode::XmxWithoutLimit,
        severity: Severity::Info,
        title: "JVM heap is capped but the container has no memory limit",
        explanation: "\
`-Xmx` bounds only the Java heap. Without a container memory limit, the rest of the JVM \
(metaspace, code cache, thread stacks, direct buffers, GC structures, native libraries and \
their leaks) is bounded by nothing but the node: when it grows, the node runs out of memory and \
the kernel or the kubelet kills whichever pod ranks first, not necessarily this one. A heap cap \
is not a memory limit; the limit should be the heap plus the non-heap budget plus a margin.
Source: HotSpot `MaxHeapSize` covers the Java heap only (`gc/shared/gc_globals.hpp`); kubelet \
sets the cgroup's `memory.max` only from `resources.limits.memory`.",
        fix: "Set `resources.limits.memory` (and the request) to the heap plus the non-heap budget plus a margin: the finding gives the figure.",
        example: "\
containers:
- name: app
  image: eclipse-temurin:21-jre
  command: [java, -Xmx2g, -jar, app.jar]",
        example_fixed: "\
containers:
- name: app
  image: eclipse-temurin:21-jre
  command: [java, -Xmx2g, -jar, app.jar]
  resources:
    requests: {memory: 3Gi}
    limits: {memory: 3Gi}",
    },
    Rule {
        code: RuleCode::RamPercentageTooHigh,
        severity: Severity::Warning,
        title: "MaxRAMPercentage above 90: no room for the rest of the JVM",
        explanation: "\
`-XX:MaxRAMPercentage` gives the heap that share of the container's limit. Above 90% the \
remaining tenth (or less) must hold metaspace, the code cache, every thread's stack, direct \
buffers and GC structures - typically 300 MiB to 1 GiB for a service. Once the heap fills, the \
container goes over its limit and is OOM-killed (exit 137) with no `OutOfMemoryError`. The same \
holds for `-XX:MaxRAMFraction=1` (100%).
Source: `MaxRAMPercentage` in `gc/shared/gc_globals.hpp`, `Arguments::set_heap_size` \
(`runtime/arguments.cpp`).",
        fix: "Use 60 to 75 for limits of 1 to 8 GiB, more only for large limits with few threads; `oomdoc jvm --limit … --recommend` computes it.",
        example: "\
env:
- name: JAVA_TOOL_OPTIONS
  value: -XX:MaxRAMPercentage=95.0",
        example_fixed: "\
env:
- name: JAVA_TOOL_OPTIONS
  value: -XX:MaxRAMPercentage=70.0",
    },
    Rule {
        code: RuleCode::RefusesToStart,
        severity: Severity::Error,
        title: "JVM options make the JVM refuse to start",
        explanation: "\
Some options stop the JVM at startup (`Error: Could not create the Java Virtual Machine`): flags \
removed from the JDK in use (`-XX:MaxPermSize` on 17, `-XX:+UseConcMarkSweepGC` on 17, \
`-XX:+UseCGroupMemoryLimitForHeap` on 11+, `-XX:MaxRAMFraction` on 25), malformed sizes or \
percentages (`-XX:MaxRAMPercentage=75` on JDK 8, which needs `75.0`), an initial heap above the \
max heap, conflicting collectors, or experimental flags without `-XX:+UnlockExperimentalVMOptions`. \
The container exits at once and restarts in CrashLoopBackOff; with `JAVA_TOOL_OPTIONS` every \
`java` in the image fails, health checks included.
Source: HotSpot `Arguments::parse_each_vm_init_arg` and `is_obsolete_flag` \
(`runtime/arguments.cpp`), `GCArguments::initialize_heap_flags_and_sizes` \
(`gc/shared/gcArguments.cpp`), `JVMFlag` range checks.",
        fix: "Remove or correct the option named in the finding for the JDK the image holds.",
        example: "\
containers:
- name: app
  image: eclipse-temurin:17-jre
  env:
  - name: JAVA_TOOL_OPTIONS
    value: -XX:MaxPermSize=256m",
        example_fixed: "\
containers:
- name: app
  image: eclipse-temurin:17-jre
  env:
  - name: JAVA_TOOL_OPTIONS
    value: -XX:MaxMetaspaceSize=256m",
    },
    Rule {
        code: RuleCode::NoExitOnOom,
        severity: Severity::Info,
        title: "JVM keeps running after an OutOfMemoryError",
        explanation: "\
By default an `OutOfMemoryError` kills only the thread that hit it; the JVM limps on with broken \
thread pools, half-done requests and caches in unknown states, while the pod stays Running and \
Ready. `-XX:+ExitOnOutOfMemoryError` makes the JVM exit (status 3) at the first one, so \
Kubernetes restarts the container and the cause shows in its last state and logs. \
(`-XX:+CrashOnOutOfMemoryError` also exits, with an hs_err file and a core dump; \
`-XX:OnOutOfMemoryError=\"kill -9 %p\"` is the pre-8u92 way.)
Source: JDK-8138745 (ExitOnOutOfMemoryError, CrashOnOutOfMemoryError in 8u92 and 9), \
`report_java_out_of_memory` in `utilities/debug.cpp`.",
        fix: "Add `-XX:+ExitOnOutOfMemoryError` to the java options (command line or `JAVA_TOOL_OPTIONS`).",
        example: "\
env:
- name: JAVA_TOOL_OPTIONS
  value: -XX:MaxRAMPercentage=70.0",
        example_fixed: "\
env:
- name: JAVA_TOOL_OPTIONS
  value: -XX:MaxRAMPercentage=70.0 -XX:+ExitOnOutOfMemoryError",
    },
    Rule {
        code: RuleCode::NoHeapDump,
        severity: Severity::Info,
        title: "No heap dump is written on OutOfMemoryError",
        explanation: "\
When the heap runs out, the heap's content is the evidence of what filled it. Without \
`-XX:+HeapDumpOnOutOfMemoryError` the JVM writes nothing, and after the restart the evidence is \
gone. Point `-XX:HeapDumpPath` at a volume that survives the container (an `emptyDir` survives \
container restarts within the pod; a PVC survives the pod), sized for the max heap.
Source: `HeapDumpOnOutOfMemoryError` and `HeapDumpPath` in `runtime/globals.hpp`, \
`report_java_out_of_memory` in `utilities/debug.cpp` (`HeapDumper::dump_heap_from_oome`).",
        fix: "Add `-XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=/dumps` and mount a volume at `/dumps`.",
        example: "\
env:
- name: JAVA_TOOL_OPTIONS
  value: -XX:+ExitOnOutOfMemoryError",
        example_fixed: "\
env:
- name: JAVA_TOOL_OPTIONS
  value: -XX:+ExitOnOutOfMemoryError -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=/dumps",
    },
    Rule {
        code: RuleCode::Openj9,
        severity: Severity::Info,
        title: "OpenJ9 JVM: its memory defaults are not modelled",
        explanation: "\
Eclipse OpenJ9 (IBM Semeru runtimes, Open Liberty and WebSphere Liberty images) sizes its heap \
with its own rules - in a container, 50% of a limit under 1 GiB, the limit minus 512 MiB up to \
2 GiB, 75% above - and has other non-heap pools and options. oomdoc models HotSpot only, so it \
prints no heap figures and runs no heap checks for this container rather than wrong ones.
Source: Eclipse OpenJ9 documentation, `-XX:[+|-]UseContainerSupport` and `-Xmx` defaults.",
        fix: "Check the heap with `java -verbose:sizes -version` in the image, and size the limit for the heap plus OpenJ9's non-heap memory; or use a HotSpot image (Temurin, Corretto, Zulu) to get oomdoc's checks.",
        example: "\
containers:
- name: app
  image: ibm-semeru-runtimes:open-17-jre",
        example_fixed: "\
containers:
- name: app
  image: eclipse-temurin:17-jre",
    },
    Rule {
        code: RuleCode::OptionIgnored,
        severity: Severity::Warning,
        title: "JVM options that never reach the JVM, or that it ignores",
        explanation: "\
The JVM reads options only from its command line, `JAVA_TOOL_OPTIONS`, `JDK_JAVA_OPTIONS` (the \
JDK 9+ launcher) and `_JAVA_OPTIONS`. Variables such as `JAVA_OPTS`, `CATALINA_OPTS` or \
`ES_JAVA_OPTS` work only when a start script puts them on the command line; with `java` started \
directly (exec-form command, no shell) they do nothing, and a `-Xmx` in them is silently lost - \
the heap then falls back to 25% of the limit. Removed options that the JVM only warns about \
(`-XX:MaxPermSize` on 8 to 16, `-XX:+UseConcMarkSweepGC` on 14 to 16, `JDK_JAVA_OPTIONS` on 8) \
are ignored too.
Source: HotSpot `Arguments::parse` (`runtime/arguments.cpp`: JAVA_TOOL_OPTIONS, _JAVA_OPTIONS, \
obsolete flags), the launcher's `JDK_JAVA_OPTIONS` (`java.base/share/native/libjli/java.c`, \
JDK 9).",
        fix: "Put the options where the JVM reads them: `JAVA_TOOL_OPTIONS`, or the command line (`sh -c 'exec java $JAVA_OPTS -jar app.jar'` if you keep the variable). Remove options the JDK no longer has.",
        example: "\
containers:
- name: app
  image: eclipse-temurin:17-jre
  command: [java, -jar, app.jar]
  env:
  - name: JAVA_OPTS
    value: -Xmx2g",
        example_fixed: "\
containers:
- name: app
  image: eclipse-temurin:17-jre
  command: [java, -jar, app.jar]
  env:
  - name: JAVA_TOOL_OPTIONS
    value: -Xmx2g",
    },
    Rule {
        code: RuleCode::EnvTooLarge,
        severity: Severity::Warning,
        title: "An environment value whose $(VAR) expansion is too large to evaluate",
        explanation: "\
The kubelet expands `$(NAME)` in a container's `env` values, `command` and `args` from the \
variables defined before it, without a size limit: `A1=$(A0)$(A0)`, `A2=$(A1)$(A1)`... doubles at \
every entry, so forty lines ask for terabytes, and the kubelet (or any tool that evaluates them) \
runs out of memory. oomdoc builds at most 1 MiB of one value; past that the value is treated as \
unknown, so the JVM checks of this container cannot see what it holds (a `JAVA_TOOL_OPTIONS` \
built that way, or a variable it references).
Source: Kubernetes `third_party/forked/golang/expansion/expand.go` (`Expand`) and the kubelet's \
`makeEnvironmentVariables` (`pkg/kubelet/kubelet_pods.go`).",
        fix: "Write the value out, or build it from a few variables without repeating a reference; an env value needs no more than a few KiB.",
        example: "\
containers:
- name: app
  image: eclipse-temurin:17-jre
  env:
  - {name: A0, value: '-XX:+UseG1GC -XX:+UseG1GC -XX:+UseG1GC -XX:+UseG1GC -XX:+UseG1GC -XX:+UseG1GC'}
  - {name: A1, value: '$(A0) $(A0)'}
  - {name: A2, value: '$(A1) $(A1)'}
  - {name: A3, value: '$(A2) $(A2)'}
  - {name: A4, value: '$(A3) $(A3)'}
  - {name: A5, value: '$(A4) $(A4)'}
  - {name: A6, value: '$(A5) $(A5)'}
  - {name: A7, value: '$(A6) $(A6)'}
  - {name: A8, value: '$(A7) $(A7)'}
  - {name: A9, value: '$(A8) $(A8)'}
  - {name: A10, value: '$(A9) $(A9)'}
  - {name: A11, value: '$(A10) $(A10)'}
  - {name: A12, value: '$(A11) $(A11)'}
  - {name: A13, value: '$(A12) $(A12)'}
  - {name: A14, value: '$(A13) $(A13)'}
  - {name: JAVA_TOOL_OPTIONS, value: '$(A14)'}",
        example_fixed: "\
containers:
- name: app
  image: eclipse-temurin:17-jre
  env:
  - {name: JAVA_TOOL_OPTIONS, value: '-XX:+UseG1GC'}",
    },
];
