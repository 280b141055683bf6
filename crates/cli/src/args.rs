//! Flag definitions for every command, with the examples `--help` shows.

use oomdoc_model::cgroup::CgroupVersion;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use oomdoc_model::Quantity;

/// Find, explain and prevent out-of-memory kills of Kubernetes workloads.
#[derive(Debug, Parser)]
#[command(name = "oomdoc", version, about, long_about = None, propagate_version = true)]
#[command(after_help = "Run `oomdoc <COMMAND> --help` for examples.")]
pub struct Cli {
    /// Options shared by every command.
    #[command(flatten)]
    pub global: Global,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Options shared by every command.
#[derive(Debug, Args)]
pub struct Global {
    /// When to colour the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
}

/// When to colour the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check workloads in manifests for OOM-kill and eviction risks.
    #[command(after_help = AUDIT_EXAMPLES)]
    Audit(AuditArgs),
    /// Predict the heap and every other memory pool a JVM will use in a container.
    #[command(after_help = JVM_EXAMPLES)]
    Jvm(JvmArgs),
    /// List the audit rules, or explain one.
    #[command(after_help = RULES_EXAMPLES)]
    Rules(RulesArgs),
    /// Explain why a container died, from the evidence you collected.
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain(ExplainArgs),
    /// Find the leak in memory time series (Prometheus, CSV, a live cgroup) and chart it.
    #[command(after_help = crate::trend_cmd::EXAMPLES)]
    Trend(crate::trend_cmd::TrendArgs),
    /// Simulate a node running out of memory: who is evicted, who is OOM-killed, in what order.
    #[command(after_help = crate::simulate_cmd::EXAMPLES)]
    Simulate(crate::simulate_cmd::SimulateArgs),
    /// Scan a live cluster (or a dump of one) for containers dying of OOM or at risk, ranked.
    #[command(after_help = crate::scan_cmd::EXAMPLES)]
    Scan(crate::scan_cmd::ScanArgs),
    /// Watch a live cluster and explain each new OOM kill or eviction as it happens.
    #[command(after_help = crate::watch_cmd::EXAMPLES)]
    Watch(crate::watch_cmd::WatchArgs),
    /// Run on a node: catch every OOM kill as it happens and export memory by component to Prometheus.
    #[command(after_help = crate::agent_cmd::EXAMPLES)]
    Agent(crate::agent_cmd::AgentArgs),
    /// Serve the audit at admission: warn about (or refuse) OOM-prone pods before they run.
    #[command(after_help = crate::webhook_cmd::EXAMPLES)]
    Webhook(crate::webhook_cmd::WebhookArgs),
}

const EXPLAIN_EXAMPLES: &str = "\
Examples:
  kubectl get pod api-7d9 -o yaml > pod.yaml; kubectl get events -o json > ev.json
  oomdoc explain pod.yaml ev.json dmesg.txt app.log   any subset, any order, read by content
  journalctl -k | oomdoc explain -                    the node's kernel log on stdin
  xclip -o | oomdoc explain -                          a paste: three lines of a describe, an
                                                      eviction message, a quoted dmesg, or all at once
  oomdoc explain pod.yaml flags.txt --format json     with `java -XX:+PrintFlagsFinal -version`
  oomdoc explain --pod shop/admin-7d9                 gathered from the cluster (read-only)
  kubectl oomdoc explain --pod admin-7d9 -n shop --context prod

Inputs: kernel logs (dmesg, dmesg -T, journalctl -k, syslog, /dev/kmsg, Talos, consoles), pod
objects (YAML/JSON, Lists, fragments), events (objects and tables), `kubectl describe pod` (whole
or any fragment), `kubectl get pods` rows, jsonpath/go-template output, docker inspect/events,
kubelet logs, container logs, hs_err_pid files, cgroup memory files (`grep . memory.*`), NMT
summaries, PrintFlagsFinal output. Every line of every input is read by every reader (mail quotes,
line numbers, wrapping and pager cuts undone first); the report says what each input held.
Verdicts: container_oom_kill, node_oom_kill, evicted, jvm_oome, native_alloc_failure,
sigkill_not_oom, group_oom_kill, unknown.
With --pod: the pod, its events (involvedObject), its node's events, and the last --tail lines
of the previous log of each container that terminated (needs get on pods and pods/log, list on
events: deploy/rbac.yaml).
Exit status: 0 at least one death explained, 1 only unknown, 2 unreadable input or cluster
error.";

/// `oomdoc explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Evidence files, or `-` for stdin (optional with --pod: added to what is gathered).
    #[arg(required_unless_present = "pod", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Gather the evidence from the cluster: the pod, its events, its node's events and the
    /// previous logs of its terminated containers (NS/NAME, or NAME with -n).
    #[arg(long, value_name = "NS/NAME")]
    pub pod: Option<String>,
    /// The pod's namespace when --pod has none (default: the context's).
    #[arg(long, short = 'n', value_name = "NS", requires = "pod")]
    pub namespace: Option<String>,
    /// Lines of each container log read with --pod (the end of the log).
    #[arg(long, value_name = "N", default_value_t = 2000, requires = "pod")]
    pub tail: i64,
    /// Where to find the cluster, with --pod.
    #[command(flatten)]
    pub conn: crate::scan_cmd::ConnArgs,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

const AUDIT_EXAMPLES: &str = "\
Examples:
  oomdoc audit k8s/ deploy.yaml                  files and directories (.yaml, .yml, .json)
  oomdoc audit k8s/ Dockerfile                   with the image's Dockerfile (ENV, ENTRYPOINT)
  oomdoc audit k8s/ --image ghcr.io/acme/api=api.Dockerfile   which image a Dockerfile builds
  helm template my-chart | oomdoc audit -        rendered Helm or kustomize output on stdin
  kubectl get deploy -A -o yaml | oomdoc audit - what is running now
  oomdoc audit k8s/ --format sarif > oomdoc.sarif   GitHub code scanning
  oomdoc audit k8s/ --fail-on warning            CI gate: exit 1 on warnings or errors

Dockerfiles: files named Dockerfile, Containerfile, NAME.Dockerfile or Dockerfile.NAME (given, or
found in a directory) are read for their final stage's base image, ENV, ENTRYPOINT and CMD. A
container runs a Dockerfile's image when --image IMAGE=PATH says so (IMAGE with or without tag);
else when the last path segment of its image (registry.example.com/shop/admin-server:1.4 ->
admin-server) is the Dockerfile's directory name, the NAME of NAME.Dockerfile, or its
org.opencontainers.image.title label; else when the input has exactly one Dockerfile and one
image. Kubernetes' command replaces ENTRYPOINT (and drops CMD), args replaces CMD, env overrides
ENV. A Dockerfile no container runs is audited as an image on its own, without a memory limit.

Exit status: 0 no finding at or above --fail-on, 1 findings at or above it,
2 usage error or unreadable input (malformed YAML, invalid quantities, missing files).
Silence rules for one object with the annotation  oomdoc.dev/ignore: OOM003,OOM007 (codes or names)";

const JVM_EXAMPLES: &str = "\
Examples:
  oomdoc jvm --limit 4Gi                                  JDK 17, no flags: heap and every pool
  oomdoc jvm --limit 4Gi --jdk 8u181 --node-memory 64Gi   an old JDK that ignores the container
  oomdoc jvm --limit 1Gi --flags \"-XX:MaxRAMPercentage=75 -Xss512k\" --threads 300 --recommend
  oomdoc jvm --limit 2Gi --env JAVA_TOOL_OPTIONS=-Xmx1g --format json

Heap figures are HotSpot's own ergonomics (MaxHeapSize/InitialHeapSize as -XX:+PrintFlagsFinal
prints them); the other pools are budgets whose rule or assumption is printed beside them.";

const RULES_EXAMPLES: &str = "\
Examples:
  oomdoc rules                 every rule, one line each
  oomdoc rules OOM003          why it matters, how to fix it, an example
  oomdoc rules best-effort-pod the same rule by its name
  oomdoc rules --format json   the registry as JSON";

/// Output format of `audit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable, like a compiler.
    Text,
    /// The stable JSON schema.
    Json,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// JUnit XML (CI test tabs): a test case per workload, a failure per finding at or above
    /// --fail-on.
    Junit,
}

/// The lowest severity that makes `audit` exit 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Errors only.
    Error,
    /// Warnings and errors.
    Warning,
    /// Any finding.
    Info,
    /// Never exit 1 for findings.
    Never,
}

/// `oomdoc audit`.
#[derive(Clone, Debug, Args)]
pub struct AuditArgs {
    /// Files or directories to audit (manifests and Dockerfiles); `-` reads stdin.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 1 when a finding at or above this severity is found.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Node memory capacity used for Burstable oom_score_adj, and what a JVM that ignores its
    /// container sizes itself from (an assumption, printed as such).
    #[arg(long, value_name = "QTY", default_value = "16Gi", value_parser = parse_bytes)]
    pub node_memory: i64,
    /// Node CPUs, which a JVM without a CPU limit sees (decides its GC; an assumption).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..))]
    pub node_cpus: u32,
    /// The nodes' cgroup version: JDKs before 15, 11.0.16 and 8u372 see no limit on v2.
    #[arg(long, value_name = "VERSION", default_value = "v2", value_parser = cgroup_parser())]
    pub cgroup: CgroupVersion,
    /// The JDK assumed for a JVM whose image does not say (8, 11, 17.0.9, 21 ...).
    #[arg(long, value_name = "VERSION", default_value = "17")]
    pub jdk: String,
    /// Containers running IMAGE run the Dockerfile at PATH (repeatable; IMAGE with or without
    /// tag; PATH is read even if not among the paths).
    #[arg(long = "image", value_name = "IMAGE=PATH")]
    pub images: Vec<String>,
    /// Also print each workload's QoS class and per-container memory summary (with each JVM's
    /// heap), and every Dockerfile with the containers that run it (text format).
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Worker threads for parsing (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// The policy file to read, instead of the `.oomdoc.yaml` found in the current directory or
    /// a parent (up to the repository's root). Flags given on the command line win over it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Which flags a policy file may also set were given on the command line.
    #[arg(skip)]
    pub given: GivenFlags,
    /// Write the fixes oomdoc knows (findings with "fixable": true) into the manifests and
    /// Dockerfiles, then report what is left. Rendered Helm output, files with input errors and
    /// stdin are not changed.
    #[arg(long, conflicts_with = "diff")]
    pub fix: bool,
    /// Print the fixes as a unified diff (`git apply`-able) instead of the report, and change
    /// nothing; the exit status is the audit's.
    #[arg(long)]
    pub diff: bool,
}

/// The `audit` flags a policy file may also set that were given on the command line (they win
/// over the file): filled from clap's `value_source` after parsing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GivenFlags {
    /// `--fail-on`.
    pub fail_on: bool,
    /// `--node-memory`.
    pub node_memory: bool,
    /// `--node-cpus`.
    pub node_cpus: bool,
    /// `--cgroup`.
    pub cgroup: bool,
}

impl GivenFlags {
    /// Which of the flags `m` (the `audit` subcommand's matches) has from the command line.
    pub fn of(m: &clap::ArgMatches) -> GivenFlags {
        let given = |id: &str| m.value_source(id) == Some(clap::parser::ValueSource::CommandLine);
        GivenFlags {
            fail_on: given("fail_on"),
            node_memory: given("node_memory"),
            node_cpus: given("node_cpus"),
            cgroup: given("cgroup"),
        }
    }
}

/// `oomdoc jvm`.
#[derive(Debug, Args)]
pub struct JvmArgs {
    /// The container's memory limit (omit for none).
    #[arg(long, value_name = "QTY", value_parser = parse_bytes)]
    pub limit: Option<i64>,
    /// The JDK: 8, 8u372, 1.8.0_372, 11.0.16, 17, 21, 25 ... A bare feature number means its
    /// latest update (stated as an assumption).
    #[arg(long, value_name = "VERSION", default_value = "17")]
    pub jdk: String,
    /// JVM options on the java command line.
    #[arg(long, value_name = "OPTIONS", allow_hyphen_values = true)]
    pub flags: Option<String>,
    /// An environment variable the JVM reads: JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS, _JAVA_OPTIONS
    /// (repeatable).
    #[arg(long = "env", value_name = "NAME=VALUE", allow_hyphen_values = true)]
    pub env: Vec<String>,
    /// The node's memory: what a JVM that does not see the container sizes itself from.
    #[arg(long, value_name = "QTY", default_value = "16Gi", value_parser = parse_bytes)]
    pub node_memory: i64,
    /// Node CPUs, which a JVM without a CPU limit sees (decides its GC; an assumption, as in
    /// `audit --node-cpus`).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..))]
    pub node_cpus: u32,
    /// The container's CPU limit in CPUs, rounded up (omit for none: the JVM sees the node's).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub cpus: Option<u32>,
    /// The node's cgroup version.
    #[arg(long, value_name = "VERSION", default_value = "v2", value_parser = cgroup_parser())]
    pub cgroup: CgroupVersion,
    /// Live threads, for the thread-stack pool.
    #[arg(long, value_name = "N")]
    pub threads: Option<u32>,
    /// Loaded classes, for the metaspace pool.
    #[arg(long, value_name = "N")]
    pub classes: Option<u32>,
    /// Also recommend flags (and a request/limit) that make the whole process fit.
    #[arg(long)]
    pub recommend: bool,
    /// Share of the limit the recommendation keeps free, in percent.
    #[arg(long, value_name = "PCT", default_value_t = 10.0)]
    pub margin: f64,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// `--cgroup v1|v2`: the model's [`CgroupVersion`], with clap listing and explaining the two
/// values.
pub fn cgroup_parser() -> impl clap::builder::TypedValueParser<Value = CgroupVersion> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new([
        PossibleValue::new("v1").help("cgroup v1 (legacy or hybrid hierarchy)"),
        PossibleValue::new("v2").help("cgroup v2 (unified hierarchy)"),
    ])
    .map(|s| CgroupVersion::from_token(&s).unwrap_or(CgroupVersion::V2))
}

/// `oomdoc rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// A rule code (`OOM003`) or name (`best-effort-pod`); omit to list every rule.
    pub code: Option<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// The output format of every command but `audit` (whose [`Format`] adds SARIF).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// For people.
    #[default]
    Text,
    /// JSON, for tools.
    Json,
}

impl OutputFormat {
    /// What the output does with control characters from the input: text escapes them on the
    /// way to the terminal; JSON escapes them itself.
    pub fn controls(self) -> oomdoc_report::Controls {
        self.controls_with(oomdoc_report::Style::PLAIN)
    }

    /// [`OutputFormat::controls`] for a text writer that colours with `style`: its SGR
    /// sequences pass, every other control character from the input is still escaped.
    pub fn controls_with(self, style: oomdoc_report::Style) -> oomdoc_report::Controls {
        match (self, style.color()) {
            (OutputFormat::Text, false) => oomdoc_report::Controls::Escape,
            (OutputFormat::Text, true) => oomdoc_report::Controls::AllowSgr,
            (OutputFormat::Json, _) => oomdoc_report::Controls::Pass,
        }
    }
}

/// A memory quantity flag (`16Gi`), as bytes.
pub fn parse_bytes(s: &str) -> Result<i64, String> {
    let q = Quantity::parse(s).map_err(|e| format!("invalid quantity {s:?}: {e}"))?;
    match q.value() {
        Some(v) if v > 0 => Ok(v),
        _ => Err(format!("{s:?} must be a positive number of bytes")),
    }
}
