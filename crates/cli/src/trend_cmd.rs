//! `oomdoc trend`: reads memory time series from one source (files, a Prometheus server, or a
//! live cgroup), runs the trend analysis and prints the verdict; optionally draws an SVG chart
//! and an HTML report. The readers live in `oomdoc-metrics`, the analysis in `oomdoc-series`,
//! the writers in `oomdoc-report`; this module picks the source, reads flags and prints.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use clap::Args;
use oomdoc_metrics::csv::CsvOptions;
use oomdoc_metrics::prometheus::{self, Client, ClientOptions, QuerySpec, Selector};
use oomdoc_metrics::timestamp::parse_timestamp;
use oomdoc_metrics::units::{parse_unit_flag, quantity_bytes};
use oomdoc_metrics::{cgroup_sampler, files};
use oomdoc_metrics::{Collector, Loaded};
use oomdoc_model::Quantity;
use oomdoc_report::TerminalSafe;
use oomdoc_series::Input;

use crate::args::OutputFormat;
use crate::cleanup;
use crate::output_file::{check_outputs, OutputFile};

/// Examples shown by `oomdoc trend --help`.
pub const EXAMPLES: &str = "\
Examples:
  oomdoc trend --prometheus http://localhost:9090 --pod shop/admin-7d9 --since 7d --svg admin.svg
  oomdoc trend metrics.csv --limit 4Gi                 a Grafana or Datadog CSV export
  oomdoc trend range.json                              saved `curl .../api/v1/query_range` output
  oomdoc trend --cgroup-dir /sys/fs/cgroup/memory/kubepods/burstable/pod<uid>/<id> \\
               --every 1s --for 10m --record node.csv  on the node itself
  oomdoc trend node.csv --html report.html --format json

Sources (one per run): files (Prometheus API JSON, Datadog query JSON, CSV with a time column and
value columns; detected by content), a Prometheus server (cAdvisor, kube-state-metrics and
Micrometer JVM series of one pod, or raw --query), or a memory cgroup sampled live (v1 or v2).
CSV units come from the header (`rss (MiB)`) or --unit; times are ISO 8601 or epoch s/ms.
The bearer token is read from --bearer-token-file, else $OOMDOC_PROMETHEUS_TOKEN.
Output files (--svg, --html, --record) are written to a temporary file beside FILE and renamed
over it when complete (a recording also when Ctrl-C, SIGTERM or SIGHUP ends the sampling); an
input of the run, a directory, a device or a FIFO is refused, and so is a symbolic link unless
--force (which replaces the link itself, never the file it points to).
Verdicts: leak, warming_up, steady, sawtooth_restarts, insufficient_data.
Exit status: 0 analysed; 2 bad flags, unreadable input or unreachable source.";

/// Environment variable holding a Prometheus bearer token.
pub const TOKEN_ENV: &str = "OOMDOC_PROMETHEUS_TOKEN";

/// `oomdoc trend`.
#[derive(Debug, Args)]
pub struct TrendArgs {
    /// Files to read (`-` for stdin): Prometheus query_range JSON, Datadog query JSON, CSV.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Where to read from Prometheus (boxed: keeps the command enum small).
    #[command(flatten)]
    pub prom: Box<PromArgs>,
    /// Where and how to sample a live cgroup.
    #[command(flatten)]
    pub live: Box<LiveArgs>,
    /// The memory limit, where the source has none (or to ask "what if").
    #[arg(long, value_name = "QTY")]
    pub limit: Option<Quantity>,
    /// Unit of CSV value columns whose header names none (B, KiB, MiB, GiB, KB, MB, GB).
    #[arg(long, value_name = "UNIT")]
    pub unit: Option<String>,
    /// The JVM's max heap, where the source has no jvm_memory_max_bytes.
    #[arg(long, value_name = "QTY")]
    pub jvm_max_heap: Option<Quantity>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Draw the series, trends and limit as an SVG chart into this file.
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
    /// Write a self-contained HTML report (chart and findings) into this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Overwrite FILE of --svg, --html or --record even when it is a symbolic link (the link is
    /// replaced by a regular file, not followed: where it points is left as it is).
    #[arg(long)]
    pub force: bool,
}

/// The Prometheus source of `oomdoc trend`.
#[derive(Debug, Args)]
pub struct PromArgs {
    /// Prometheus base URL (the part before /api/v1).
    #[arg(long, value_name = "URL", help_heading = "Prometheus")]
    pub prometheus: Option<String>,
    /// The pod whose containers to read.
    #[arg(long, value_name = "NS/NAME", help_heading = "Prometheus")]
    pub pod: Option<String>,
    /// One container of the pod (default: all but the pause container).
    #[arg(long, value_name = "NAME", help_heading = "Prometheus")]
    pub container: Option<String>,
    /// A PromQL query to read as well (repeatable); its metric name decides the component.
    #[arg(long = "query", value_name = "PROMQL", help_heading = "Prometheus")]
    pub queries: Vec<String>,
    /// How far back (a duration like 7d, 36h) or from when (RFC 3339, epoch seconds).
    #[arg(
        long,
        value_name = "WHEN",
        default_value = "7d",
        help_heading = "Prometheus"
    )]
    pub since: String,
    /// Until when (RFC 3339, epoch seconds); default now.
    #[arg(long, value_name = "WHEN", help_heading = "Prometheus")]
    pub until: Option<String>,
    /// Resolution (default: about 2000 points over the range, 15s at least).
    #[arg(long, value_name = "DURATION", help_heading = "Prometheus")]
    pub step: Option<String>,
    /// File holding a bearer token (else $OOMDOC_PROMETHEUS_TOKEN).
    #[arg(long, value_name = "FILE", help_heading = "Prometheus")]
    pub bearer_token_file: Option<PathBuf>,
    /// PEM file of the CA that signed the server's certificate (instead of the web PKI roots).
    #[arg(long, value_name = "FILE", help_heading = "Prometheus")]
    pub ca_file: Option<PathBuf>,
    /// Do not check the server's certificate (like kubectl's flag; for testing only).
    #[arg(long, help_heading = "Prometheus")]
    pub insecure_skip_tls_verify: bool,
    /// Deadline of each HTTP request (headers and body), as --request-timeout of the
    /// cluster commands.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "30s",
        help_heading = "Prometheus"
    )]
    pub request_timeout: String,
}

/// The live-cgroup source of `oomdoc trend`.
#[derive(Debug, Args)]
pub struct LiveArgs {
    /// A memory cgroup directory to sample live (v1 or v2). Named apart from the other
    /// commands' `--cgroup v1|v2`, which is a version.
    #[arg(long, value_name = "DIR", help_heading = "Live cgroup")]
    pub cgroup_dir: Option<PathBuf>,
    /// Sampling interval.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "1s",
        help_heading = "Live cgroup"
    )]
    pub every: String,
    /// How long to sample.
    #[arg(
        long = "for",
        value_name = "DURATION",
        default_value = "10m",
        help_heading = "Live cgroup"
    )]
    pub duration: String,
    /// Write every sample to this CSV as it is taken (readable again by `oomdoc trend FILE`);
    /// FILE is replaced when the sampling ends (also by Ctrl-C, SIGTERM or SIGHUP).
    #[arg(long, value_name = "FILE", help_heading = "Live cgroup")]
    pub record: Option<PathBuf>,
}

pub(crate) fn run(args: &TrendArgs, style: oomdoc_report::Style) -> anyhow::Result<u8> {
    if args.prom.prometheus.is_none() && (args.prom.pod.is_some() || !args.prom.queries.is_empty())
    {
        bail!("--pod and --query read from Prometheus: add --prometheus URL");
    }
    let sources = [
        !args.files.is_empty(),
        args.prom.prometheus.is_some(),
        args.live.cgroup_dir.is_some(),
    ];
    match sources.iter().filter(|&&s| s).count() {
        0 => bail!("nothing to read: give FILEs, --prometheus URL with --pod or --query, or --cgroup-dir DIR (see --help)"),
        1 => {}
        _ => bail!("give one source: FILEs, --prometheus or --cgroup-dir, not several"),
    }
    if args.live.cgroup_dir.is_none() && args.live.record.is_some() {
        bail!("--record writes what --cgroup-dir samples: add --cgroup-dir DIR");
    }
    // Before anything is read: a bad output path must not cost a long fetch or sampling.
    let outputs: Vec<(&str, &Path)> = [
        ("--svg", &args.svg),
        ("--html", &args.html),
        ("--record", &args.live.record),
    ]
    .into_iter()
    .filter_map(|(flag, p)| Some((flag, p.as_deref()?)))
    .collect();
    let inputs: Vec<&Path> = (args.files.iter())
        .chain(&args.prom.bearer_token_file)
        .chain(&args.prom.ca_file)
        .map(PathBuf::as_path)
        .collect();
    check_outputs(&outputs, &inputs, args.force)?;
    let svg = (args.svg.as_deref())
        .map(|p| OutputFile::create("--svg", p, args.force, false))
        .transpose()?;
    let html = (args.html.as_deref())
        .map(|p| OutputFile::create("--html", p, args.force, false))
        .transpose()?;
    let mut loaded = if let Some(url) = &args.prom.prometheus {
        from_prometheus(args, url)?
    } else if let Some(dir) = &args.live.cgroup_dir {
        from_cgroup(args, dir)?
    } else {
        from_files(args)?
    };
    for w in &loaded.warnings {
        let _ = writeln!(crate::stderr(), "oomdoc: warning: {w}");
    }
    apply_flags(args, &mut loaded.input)?;
    let analysis = oomdoc_series::analyze(&loaded.input, &oomdoc_series::Options::default());

    let stdout = io::stdout();
    let mut out = BufWriter::new(TerminalSafe::new(
        stdout.lock(),
        args.format.controls_with(style),
    ));
    match args.format {
        OutputFormat::Text => {
            oomdoc_report::write_trend_text(&loaded.input, &analysis, style, &mut out)?
        }
        OutputFormat::Json => oomdoc_report::write_trend_json(&loaded.input, &analysis, &mut out)?,
    }
    out.flush()?;
    if let Some(f) = svg {
        write_file(
            f,
            &oomdoc_report::render_trend_svg(&loaded.input, &analysis),
        )?;
    }
    if let Some(f) = html {
        write_file(
            f,
            &oomdoc_report::render_trend_html(&loaded.input, &analysis),
        )?;
    }
    Ok(0)
}

fn write_file(mut f: OutputFile, text: &str) -> anyhow::Result<()> {
    f.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", f.target().display()))?;
    f.commit()
}

fn apply_flags(args: &TrendArgs, input: &mut Input) -> anyhow::Result<()> {
    if let Some(q) = &args.limit {
        let b = quantity_bytes(q).filter(|b| *b > 0.0);
        input.limit_bytes = Some(b.with_context(|| format!("--limit {q}: not a positive size"))?);
    }
    if let Some(q) = &args.jvm_max_heap {
        let b = quantity_bytes(q).filter(|b| *b > 0.0);
        input.jvm_max_heap_bytes =
            Some(b.with_context(|| format!("--jvm-max-heap {q}: not a positive size"))?);
    }
    Ok(())
}

fn duration_flag(flag: &str, v: &str) -> anyhow::Result<f64> {
    oomdoc_model::duration::parse_seconds(v).map_err(|e| anyhow::anyhow!("{flag}: {e}"))
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// A binary input (a NUL byte, or text that is not UTF-8, at its start) is an error naming the
/// file: read as CSV it gave a few warnings with raw bytes in them, and the other files' exit 0.
fn refuse_binary<R: io::BufRead>(input: &mut R, name: &str) -> anyhow::Result<()> {
    let head = input
        .fill_buf()
        .with_context(|| format!("cannot read {name}"))?;
    let n = head.len().min(8192);
    let text = match std::str::from_utf8(&head[..n]) {
        Ok(t) => Some(t),
        // A multi-byte character cut at the end of the window is still text.
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok(),
        Err(_) => None,
    };
    if text.is_none_or(|t| t.contains('\0')) {
        bail!("cannot read {name}: binary data, not CSV, JSON or a saved series");
    }
    Ok(())
}

fn from_files(args: &TrendArgs) -> anyhow::Result<Loaded> {
    let unit_factor = args
        .unit
        .as_deref()
        .map(parse_unit_flag)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--unit: {e}"))?;
    let opts = CsvOptions { unit_factor };
    let mut c = Collector::new();
    for path in &args.files {
        let name = path.to_string_lossy().into_owned();
        let r = if name == "-" {
            let mut input = BufReader::with_capacity(1 << 16, io::stdin().lock());
            refuse_binary(&mut input, &name)?;
            oomdoc_metrics::read_any(input, &name, &opts, &mut c)
        } else {
            let f = File::open(path).with_context(|| format!("cannot open {name}"))?;
            if f.metadata().is_ok_and(|m| m.is_dir()) {
                bail!("{name} is a directory; pass the files in it");
            }
            let mut input = BufReader::with_capacity(1 << 16, f);
            refuse_binary(&mut input, &name)?;
            oomdoc_metrics::read_any(input, &name, &opts, &mut c)
        };
        r.with_context(|| format!("cannot read {name}"))?;
    }
    let what = if args.files.len() == 1 {
        args.files[0].to_string_lossy().into_owned()
    } else {
        format!("{} files", args.files.len())
    };
    Ok(c.finish(&what)?)
}

fn from_prometheus(args: &TrendArgs, url: &str) -> anyhow::Result<Loaded> {
    if args.prom.pod.is_none() && args.prom.queries.is_empty() {
        bail!("--prometheus needs --pod NS/NAME or --query PROMQL");
    }
    if args.prom.container.is_some() && args.prom.pod.is_none() {
        bail!("--container selects within --pod: add --pod NS/NAME");
    }
    let end = match args.prom.until.as_deref() {
        None | Some("now") => now(),
        Some(u) => parse_timestamp(u)
            .with_context(|| format!("--until: `{u}` is not a time (RFC 3339 or epoch seconds)"))?,
    };
    let start = match oomdoc_model::duration::parse_seconds(&args.prom.since) {
        Ok(d) => end - d,
        Err(_) => parse_timestamp(&args.prom.since).with_context(|| {
            format!(
                "--since: `{}` is neither a duration (7d) nor a time",
                args.prom.since
            )
        })?,
    };
    if start >= end {
        bail!("--since is not before --until");
    }
    let step = match &args.prom.step {
        Some(s) => duration_flag("--step", s)?,
        None => prometheus::query::auto_step(end - start),
    };
    if step <= 0.0 {
        bail!("--step must be positive");
    }
    let timeout = Duration::from_secs_f64(
        duration_flag("--request-timeout", &args.prom.request_timeout)?.max(0.001),
    );
    let bearer_token = match &args.prom.bearer_token_file {
        Some(p) => Some(
            // Regular files only, capped (a FIFO hung the read, /dev/zero filled memory).
            files::read_small_text(p, files::MAX_TOKEN_FILE)
                .with_context(|| format!("cannot read --bearer-token-file {}", p.display()))?,
        ),
        None => std::env::var(TOKEN_ENV).ok(),
    };
    let mut queries: Vec<QuerySpec> = Vec::new();
    if let Some(pod) = &args.prom.pod {
        let sel =
            Selector::parse(pod, args.prom.container.as_deref()).map_err(anyhow::Error::msg)?;
        queries.extend(prometheus::pod_queries(&sel));
    }
    queries.extend(args.prom.queries.iter().map(|q| QuerySpec {
        metric: None,
        promql: q.clone(),
    }));
    let ca_pem = match &args.prom.ca_file {
        Some(p) => Some(
            files::read_small(p, files::MAX_CA_FILE)
                .with_context(|| format!("cannot read --ca-file {}", p.display()))?,
        ),
        None => None,
    };
    let client = Client::new(&ClientOptions {
        url: url.to_string(),
        bearer_token,
        timeout,
        ca_pem,
        insecure: args.prom.insecure_skip_tls_verify,
    })?;
    Ok(prometheus::fetch(&client, &queries, start, end, step)?)
}

fn from_cgroup(args: &TrendArgs, dir: &Path) -> anyhow::Result<Loaded> {
    let every = duration_flag("--every", &args.live.every)?;
    let total = duration_flag("--for", &args.live.duration)?;
    if every <= 0.0 {
        bail!("--every must be positive");
    }
    let version = cgroup_sampler::detect_version(dir)?;
    // Renamed into place at the end, on Ctrl-C too, and by a signal that ends oomdoc (the
    // sampler flushes after each row, so the file always holds whole rows).
    let mut record = (args.live.record.as_deref())
        .map(|p| OutputFile::create("--record", p, args.force, true))
        .transpose()?;
    eprintln!(
        "oomdoc: sampling {} (cgroup {}) every {} for {}{}",
        dir.display(),
        version.token(),
        args.live.every,
        args.live.duration,
        args.live
            .record
            .as_ref()
            .map_or(String::new(), |p| format!(", recording to {}", p.display()))
    );
    // Ctrl-C ends the sampling early and the samples read so far are analysed (at most one
    // interval later: the sampler finishes its sleep); a second Ctrl-C exits at once (130),
    // keeping the recording (`cleanup`). After the sampling, Ctrl-C ends oomdoc.
    let stop = Arc::new(AtomicBool::new(false));
    let interrupt = cleanup::interrupt_sets(Arc::clone(&stop))?;
    let mut read = 0u64;
    let sampled = cgroup_sampler::sample(
        dir,
        Duration::from_secs_f64(every),
        Duration::from_secs_f64(total),
        record.as_mut().map(|w| w as &mut dyn Write),
        &mut |_| {
            read += 1;
            !stop.load(Ordering::SeqCst)
        },
    );
    if stop.load(Ordering::SeqCst) {
        eprintln!("oomdoc: stopped by Ctrl-C; analysing the samples read so far");
    }
    // What was recorded is kept also when the cgroup went away part way (its container ended:
    // the moment a recording is for), unless writing the recording itself failed; a sampling
    // that read nothing leaves the target as it was.
    if let Some(r) = record.filter(|_| sampled.is_ok() || read > 0) {
        r.commit()?;
    }
    drop(interrupt);
    let input = sampled.with_context(|| format!("cannot sample {}", dir.display()))?;
    let samples = input.series.iter().map(|s| s.samples.len() as u64).sum();
    Ok(Loaded {
        input,
        warnings: Vec::new(),
        samples,
    })
}
