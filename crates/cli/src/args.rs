//! Flag definitions for every command, with the examples `--help` shows.

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
    /// List the audit rules, or explain one.
    #[command(after_help = RULES_EXAMPLES)]
    Rules(RulesArgs),
}

const AUDIT_EXAMPLES: &str = "\
Examples:
  oomdoc audit k8s/ deploy.yaml                  files and directories (.yaml, .yml, .json)
  helm template my-chart | oomdoc audit -        rendered Helm or kustomize output on stdin
  kubectl get deploy -A -o yaml | oomdoc audit - what is running now
  oomdoc audit k8s/ --format sarif > oomdoc.sarif   GitHub code scanning
  oomdoc audit k8s/ --fail-on warning            CI gate: exit 1 on warnings or errors

Exit status: 0 no finding at or above --fail-on, 1 findings at or above it,
2 usage error or unreadable input (malformed YAML, invalid quantities, missing files).
Silence a rule for one object with the annotation  oomdoc.dev/ignore: OOM003,OOM007";

const RULES_EXAMPLES: &str = "\
Examples:
  oomdoc rules                 every rule, one line each
  oomdoc rules OOM003          why it matters, how to fix it, an example
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
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Files or directories to audit; `-` reads stdin.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit 1 when a finding at or above this severity is found.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Node memory capacity used for Burstable oom_score_adj (an assumption, printed as such).
    #[arg(long, value_name = "QTY", default_value = "16Gi", value_parser = parse_bytes)]
    pub node_memory: i64,
    /// Also print each workload's QoS class and per-container memory summary (text format).
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Worker threads for parsing (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// `oomdoc rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// A rule code (`OOM003`); omit to list every rule.
    pub code: Option<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
}

/// Output format of `rules`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// Human-readable.
    Text,
    /// JSON.
    Json,
}

/// A memory quantity flag (`16Gi`), as bytes.
pub fn parse_bytes(s: &str) -> Result<i64, String> {
    let q = Quantity::parse(s).map_err(|e| format!("invalid quantity {s:?}: {e}"))?;
    match q.value() {
        Some(v) if v > 0 => Ok(v),
        _ => Err(format!("{s:?} must be a positive number of bytes")),
    }
}
