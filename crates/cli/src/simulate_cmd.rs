//! `oomdoc simulate`: reads a node, its pods and their usage, and prints what the model in
//! `oomdoc-sim` computes: fit, overcommit, `memory.available` against each threshold, the
//! kubelet's eviction order, the kernel's OOM-kill order and, with `--grow`, what happens first
//! as usage grows. All reading happens here; the model is pure.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use clap::Args;
use oomdoc_cluster::node_dump::NodeDump;
use oomdoc_manifest::{read_inputs, Item, ReadOptions};
use oomdoc_model::bytes::exact;
use oomdoc_model::pod::{LimitRange, Workload};
use oomdoc_model::InputError;
use oomdoc_report::TerminalSafe;
use oomdoc_sim::input::{parse_node, parse_usage, NodeObject};
use oomdoc_sim::node::NodeConfig;
use oomdoc_sim::simulate::{simulate, Input};
use oomdoc_sim::story::Grow;
use oomdoc_sim::threshold::{parse_list, Kind, DEFAULT_HARD};
use oomdoc_sim::usage::{Assume, UsageTable};

use crate::args::{parse_bytes, OutputFormat};

/// Examples shown by `oomdoc simulate --help`.
pub const EXAMPLES: &str = "\
Examples:
  kubectl get node ip-10-0-3-17 -o yaml > node.yaml
  kubectl get pods -A -o json --field-selector spec.nodeName=ip-10-0-3-17 > pods.json
  kubectl top pod -A --containers > top.txt
  oomdoc simulate --node node.yaml pods.json --usage top.txt
        fit, overcommit, memory.available, eviction and OOM-kill order of a live node

  oomdoc simulate --node node.yaml pods.json --usage top.txt --grow shop/api=+2Gi
        what happens first as the api pod's first container grows by 2Gi

  oomdoc simulate --node-memory 16Gi --eviction-hard 'memory.available<100Mi' k8s/ --grow shop/api=+2Gi
        a planned node from manifests (Deployments count one pod each; usage assumed = requests)

  oomdoc simulate --node-memory 32Gi --kube-reserved memory=1Gi --system-reserved memory=512Mi \\
      --eviction-soft 'memory.available<1Gi' --eviction-soft-grace-period 'memory.available=1m30s' \\
      k8s/ --assume-usage 80% --grow shop/api/envoy=+300Mi --fast-growth --format json

  kubectl get --raw /apis/metrics.k8s.io/v1beta1/pods > metrics.json
  oomdoc simulate --node node.yaml pods.json --usage metrics.json
        usage from the metrics API (the usage file's format is detected by content)

  kubectl oomdoc simulate --live ip-10-0-3-17 --grow shop/api=+2Gi
        the same, read from the cluster: the node, its running pods, their metrics";

/// Largest node or usage file read.
const MAX_FILE: u64 = 256 << 20;

/// `oomdoc simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Pods: manifests (a controller counts one pod, or one per matching row of --usage),
    /// `kubectl get pods -o json|yaml` output, directories, or `-` for stdin. LimitRanges in
    /// them apply as admission would.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// The node: `kubectl get node NAME -o yaml|json` (capacity and allocatable memory).
    #[arg(long, value_name = "FILE", conflicts_with = "live")]
    pub node: Option<PathBuf>,

    /// Read node NAME, its running pods and their metrics from the cluster (read-only; the
    /// same as saving `kubectl get node`, `kubectl get pods --field-selector spec.nodeName=` and
    /// the metrics API by hand). PATHs and --usage, when given, are added / take precedence.
    #[arg(long, value_name = "NODE")]
    pub live: Option<String>,

    /// The cluster connection for --live.
    #[command(flatten)]
    pub conn: crate::scan_cmd::ConnArgs,

    /// The node's memory capacity (overrides --node's), e.g. 16Gi.
    #[arg(long, value_name = "SIZE", value_parser = parse_bytes)]
    pub node_memory: Option<i64>,

    /// The kubelet's --kube-reserved (`memory=1Gi,cpu=500m`, or just a size); with it,
    /// allocatable is derived instead of read from --node.
    #[arg(long, value_name = "LIST", value_parser = parse_reserved)]
    pub kube_reserved: Option<i64>,

    /// The kubelet's --system-reserved (`memory=512Mi`, or just a size).
    #[arg(long, value_name = "LIST", value_parser = parse_reserved)]
    pub system_reserved: Option<i64>,

    /// The kubelet's --eviction-hard list (`memory.available<100Mi`, `memory.available<10%`).
    #[arg(long, value_name = "LIST", default_value = DEFAULT_HARD)]
    pub eviction_hard: String,

    /// The kubelet's --eviction-soft list; needs --eviction-soft-grace-period.
    #[arg(long, value_name = "LIST", default_value = "")]
    pub eviction_soft: String,

    /// The kubelet's --eviction-soft-grace-period list (`memory.available=1m30s`).
    #[arg(long, value_name = "LIST", default_value = "")]
    pub eviction_soft_grace_period: String,

    /// The node's working set outside pods (system daemons, kernel); default: what is
    /// reserved for them (kube-reserved + system-reserved).
    #[arg(long, value_name = "SIZE", value_parser = parse_bytes)]
    pub system_usage: Option<i64>,

    /// Measured usage: `kubectl top pod [-A] [--containers]` text, or the metrics API's
    /// PodMetricsList JSON (`kubectl get --raw /apis/metrics.k8s.io/v1beta1/pods`); detected by
    /// content.
    #[arg(long, value_name = "FILE")]
    pub usage: Option<PathBuf>,

    /// Usage of pods without a measurement: `request`, `limit`, or a percentage of the limit
    /// (`80%`). Stated as an assumption in the output.
    #[arg(long, value_name = "HOW", default_value = "request", value_parser = Assume::parse)]
    pub assume_usage: Assume,

    /// Grow a container's usage: `NS/POD[/CONTAINER]=+SIZE` (the pod's first container when
    /// none is named; POD may be a controller's name). Repeatable; growers grow together.
    #[arg(long = "grow", value_name = "NS/POD[/C]=+SIZE", value_parser = Grow::parse)]
    pub grow: Vec<Grow>,

    /// The growth is faster than the kubelet's 10 s housekeeping interval: no eviction happens
    /// in time, the kernel's global OOM killer acts instead.
    #[arg(long)]
    pub fast_growth: bool,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

/// `memory=1Gi,cpu=500m` (the kubelet's reserved-list form) or a plain size: the memory, bytes.
fn parse_reserved(s: &str) -> Result<i64, String> {
    if !s.contains('=') {
        return oomdoc_sim::memory_bytes(s);
    }
    for pair in s.split(',') {
        match pair.split_once('=') {
            Some((k, v)) if k.trim() == "memory" => return oomdoc_sim::memory_bytes(v),
            Some(_) => {}
            None => return Err(format!("`{pair}`: expected RESOURCE=QUANTITY")),
        }
    }
    Ok(0)
}

/// Reads a whole node or usage file (`-` for stdin).
fn read_text(path: &Path) -> anyhow::Result<String> {
    let mut buf = Vec::new();
    let r = if path.as_os_str() == "-" {
        io::stdin().lock().take(MAX_FILE + 1).read_to_end(&mut buf)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_FILE + 1).read_to_end(&mut buf))
    };
    r.map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", path.display()))?;
    if buf.len() as u64 > MAX_FILE {
        anyhow::bail!("{}: larger than {}", path.display(), exact(MAX_FILE));
    }
    String::from_utf8(buf).map_err(|_| anyhow::anyhow!("{}: not UTF-8 text", path.display()))
}

/// `file:line: message`.
fn located(path: &Path, e: &oomdoc_sim::LineError) -> anyhow::Error {
    anyhow::anyhow!(e.located(path.display()))
}

/// The node object: `--node`'s file, else the live node's.
fn node_object(args: &SimulateArgs, live: Option<&NodeDump>) -> anyhow::Result<Option<NodeObject>> {
    Ok(match (&args.node, live) {
        (Some(p), _) => Some(parse_node(&read_text(p)?).map_err(|e| located(p, &e))?),
        (None, Some(d)) => {
            Some(parse_node(&d.node_json).map_err(|e| located(Path::new("node (live)"), &e))?)
        }
        (None, None) => None,
    })
}

/// The pods' usage: `--usage`'s file, else the live metrics API's answer.
fn node_usage(args: &SimulateArgs, live: Option<&NodeDump>) -> anyhow::Result<Option<UsageTable>> {
    let live_metrics = live.and_then(|d| d.metrics_json.as_deref());
    Ok(match (&args.usage, live_metrics) {
        (Some(p), _) => Some(parse_usage(&read_text(p)?).map_err(|e| located(p, &e))?),
        (None, Some(m)) => {
            Some(parse_usage(m).map_err(|e| located(Path::new("metrics (live)"), &e))?)
        }
        (None, None) => None,
    })
}

/// The pods and LimitRanges read (the live node's, then the files'), and the input errors.
#[derive(Default)]
struct Manifests {
    workloads: Vec<Workload>,
    limit_ranges: Vec<LimitRange>,
    errors: Vec<InputError>,
}

impl Manifests {
    fn add(&mut self, item: Item) {
        match item {
            Item::Workload(w) => self.workloads.push(w),
            Item::LimitRange(l) => self.limit_ranges.push(l),
            Item::Dockerfile(_) => {}
            Item::Error(e) => self.errors.push(e),
        }
    }

    /// Reads the live node's pods (its notes go to stderr) and the files in `args.paths`.
    fn read(args: &SimulateArgs, live: Option<&NodeDump>) -> Self {
        let mut m = Manifests::default();
        if let Some(d) = live {
            for item in oomdoc_manifest::read_str("pods (live)", &d.pods_json) {
                m.add(item);
            }
            for note in &d.notes {
                let _ = writeln!(crate::stderr(), "oomdoc: note: {note}");
            }
        }
        if !args.paths.is_empty() {
            read_inputs(&args.paths, &ReadOptions::default(), &mut |item| {
                m.add(item)
            });
        }
        m
    }
}

pub(crate) fn run(args: &SimulateArgs, style: oomdoc_report::Style) -> anyhow::Result<u8> {
    let hard = parse_list(&args.eviction_hard, Kind::Hard, "")
        .map_err(|e| anyhow::anyhow!("--eviction-hard: {e}"))?;
    let soft = parse_list(
        &args.eviction_soft,
        Kind::Soft,
        &args.eviction_soft_grace_period,
    )
    .map_err(|e| anyhow::anyhow!("--eviction-soft: {e}"))?;
    let live = match &args.live {
        Some(name) => Some(oomdoc_cluster::node_dump::gather_node(
            &args.conn.target(None),
            name,
        )?),
        None => None,
    };
    let object = node_object(args, live.as_ref())?;
    let usage = node_usage(args, live.as_ref())?;
    let Manifests {
        workloads,
        limit_ranges,
        errors,
    } = Manifests::read(args, live.as_ref());

    // Input errors first (on stderr): a later message (a --grow pod not found) may follow
    // from them.
    for e in &errors {
        writeln!(crate::stderr(), "oomdoc: error: {e}")?;
    }
    if !errors.is_empty() && workloads.is_empty() && live.is_none() {
        // Nothing could be read: no simulation of an empty node.
        return Ok(crate::EXIT_ERROR);
    }
    let input = Input {
        node: NodeConfig {
            object,
            memory: args.node_memory,
            kube_reserved: args.kube_reserved,
            system_reserved: args.system_reserved,
            hard,
            soft,
            system_usage: args.system_usage,
        },
        workloads: &workloads,
        limit_ranges: &limit_ranges,
        usage: usage.as_ref(),
        assume: args.assume_usage,
        grows: args.grow.clone(),
        fast: args.fast_growth,
    };
    let report = simulate(&input).map_err(|e| anyhow::anyhow!("{e}"))?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(TerminalSafe::new(
        stdout.lock(),
        args.format.controls_with(style),
    ));
    match args.format {
        OutputFormat::Text => {
            out.write_all(oomdoc_report::simulate::text::render(&report, style).as_bytes())?
        }
        OutputFormat::Json => {
            writeln!(out, "{:#}", oomdoc_report::simulate::json::to_json(&report))?
        }
    }
    out.flush()?;
    if errors.is_empty() {
        return Ok(0);
    }
    writeln!(
        crate::stderr(),
        "oomdoc: {} input error(s): the simulation above leaves out what could not be read",
        errors.len()
    )?;
    Ok(crate::EXIT_ERROR)
}
