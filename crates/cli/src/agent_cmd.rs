//! `oomdoc agent`: the node agent (one per node, a DaemonSet). Follows the kernel log for OOM
//! kills, samples every pod's memory cgroups, serves both on `/metrics`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use oomdoc_agent::run::{run as run_agent, ByUid, Config, Names, Outputs};

use crate::scan_cmd::{parse_duration, ConnArgs};

/// Examples shown by `oomdoc agent --help`.
pub const EXAMPLES: &str = "\
Examples:
  oomdoc agent                                   as deployed by deploy/agent.yaml (names from the API)
  sudo oomdoc agent --offline --listen 127.0.0.1:9101
                                                 on a node by hand: pods labelled by UID
  curl -s localhost:9101/metrics | grep oomdoc_oom_kills_total

Every OOM kill the kernel reports is written to standard output as one JSON line (the incident
as `oomdoc explain --format json` gives it, with the pod's names and which limit was hit), and
counted in oomdoc_oom_kills_total{namespace,pod,container,pod_uid,container_id,verdict,scope,process}.
Every --interval, each pod and container cgroup's memory is exported by component
(oomdoc_container_memory_bytes{...,component}: anon, file, kernel, sock, shmem, slab_*,
kernel_stack, pagetables, working_set), with its limit and, for JVMs (needs the host's /proc),
the heap ceiling HotSpot picks (oomdoc_jvm_max_heap_bytes).
Needs: read access to /dev/kmsg (CAP_SYSLOG) and /sys/fs/cgroup. SIGTERM or Ctrl-C stops it.
Exit status: 0 stopped, 2 could not start (no kmsg, no memory cgroup, address in use).";

/// `oomdoc agent`.
#[derive(Debug, Args)]
pub struct AgentArgs {
    /// Where to serve /metrics, /healthz and /readyz.
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:9101")]
    listen: SocketAddr,
    /// Time between samples of the cgroups: 15s, 1m.
    #[arg(long, value_name = "DURATION", default_value = "15s", value_parser = parse_duration)]
    interval: Duration,
    /// Label pods by UID only; do not ask the API server for names.
    #[arg(long)]
    offline: bool,
    /// This node's name, for the pod watch and the JSON lines.
    #[arg(long, value_name = "NAME", env = "NODE_NAME")]
    node: Option<String>,
    /// Read the kernel's ring buffer from its start (kills before the agent started), not from now.
    #[arg(long)]
    since_boot: bool,
    /// Where cgroups are mounted.
    #[arg(long, value_name = "DIR", default_value = "/sys/fs/cgroup")]
    cgroup_root: PathBuf,
    /// The kubelet's kubepods cgroup, when it is not found under --cgroup-root (repeatable).
    #[arg(long, value_name = "DIR")]
    kubepods: Vec<PathBuf>,
    /// The host's /proc, for the command lines of JVMs.
    #[arg(long, value_name = "DIR", default_value = "/proc")]
    proc_root: PathBuf,
    /// Do not look for JVMs in containers (no oomdoc_jvm_max_heap_bytes).
    #[arg(long)]
    no_jvm: bool,
    /// Also create a Kubernetes Event on the pod for each kill (needs create on events:
    /// deploy/agent-events-rbac.yaml).
    #[arg(long, conflicts_with = "offline")]
    events: bool,
    /// The kernel log device.
    #[arg(long, value_name = "PATH", default_value = "/dev/kmsg")]
    kmsg: PathBuf,
    #[command(flatten)]
    conn: ConnArgs,
}

pub(crate) fn run(args: &AgentArgs) -> anyhow::Result<u8> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, stop.clone())?;
    }
    let names: Arc<dyn Names> = if args.offline {
        let _ = std::io::Write::write_all(
            &mut crate::stderr(),
            b"oomdoc agent: --offline: pods are labelled by UID only\n",
        );
        Arc::new(ByUid)
    } else {
        crate::agent_names::names(&args.conn, args.node.as_deref(), stop.clone())
    };
    let cfg = Config {
        cgroup_root: args.cgroup_root.clone(),
        kubepods: args.kubepods.clone(),
        proc_root: (!args.no_jvm).then(|| args.proc_root.clone()),
        kmsg: args.kmsg.clone(),
        since_boot: args.since_boot,
        interval: args.interval,
        node: args.node.clone(),
        listen: args.listen,
    };
    let events = if args.events {
        Some(crate::agent_names::event_sink(
            &args.conn,
            args.node.as_deref(),
        )?)
    } else {
        None
    };
    let out = Outputs {
        kills: Box::new(std::io::stdout()),
        log: Box::new(std::io::stderr()),
        events,
    };
    match run_agent(cfg, names, out, stop) {
        Ok(()) => Ok(0),
        Err(e) => {
            let _ = std::io::Write::write_all(
                &mut crate::stderr(),
                format!("oomdoc agent: error: {e}\n").as_bytes(),
            );
            Ok(crate::EXIT_ERROR)
        }
    }
}
