//! `oomdoc jvm`: the JVM memory model for one JDK, option set and container.

use std::io::{self, Write};

use anyhow::{anyhow, bail};
use oomdoc_jvm::budget::{Workload, DEFAULT_CLASSES, DEFAULT_THREADS};
use oomdoc_jvm::flags::split_options;
use oomdoc_jvm::recommend::{recommend, Margin};
use oomdoc_jvm::{analyze, CgroupVersion, Cpus, Environment, FlagSource, JdkVersion, JvmInput};
use oomdoc_model::bytes::exact;
use oomdoc_report::{JvmReport, TerminalSafe};

use crate::args::{JvmArgs, OutputFormat};

fn env_source(name: &str) -> anyhow::Result<FlagSource> {
    Ok(match name {
        "JAVA_TOOL_OPTIONS" => FlagSource::JavaToolOptions,
        "JDK_JAVA_OPTIONS" => FlagSource::JdkJavaOptions,
        "_JAVA_OPTIONS" => FlagSource::UnderscoreJavaOptions,
        other => bail!(
            "--env {other}: the JVM itself reads only JAVA_TOOL_OPTIONS, JDK_JAVA_OPTIONS and _JAVA_OPTIONS; pass script variables such as JAVA_OPTS with --flags"
        ),
    })
}

pub(crate) fn run(args: &JvmArgs, style: oomdoc_report::Style) -> anyhow::Result<u8> {
    let jdk = JdkVersion::parse(&args.jdk).map_err(|e| anyhow!("--jdk {:?}: {e}", args.jdk))?;
    let mut sources = Vec::new();
    for kv in &args.env {
        let (name, value) = kv
            .split_once('=')
            .ok_or_else(|| anyhow!("--env {kv:?}: expected NAME=VALUE"))?;
        sources.push((env_source(name)?, split_options(value)));
    }
    if let Some(f) = &args.flags {
        sources.push((FlagSource::CommandLine, split_options(f)));
    }
    if !(0.0..90.0).contains(&args.margin) {
        bail!("--margin must be a percentage between 0 and 90");
    }
    let env = Environment {
        host_memory: args.node_memory as u64,
        host_cpus: args.node_cpus,
        memory_limit: args.limit.map(|l| l as u64),
        cgroup: args.cgroup,
        cpus: args.cpus.map_or(Cpus::Host, Cpus::Count),
    };
    let workload = Workload {
        threads: args.threads,
        classes: args.classes,
    };
    let analysis = analyze(&JvmInput {
        jdk: jdk.clone(),
        sources: sources.clone(),
        env: env.clone(),
        workload,
    });
    let rec = args.recommend.then(|| {
        let margin = Margin {
            percent: args.margin,
            ..Margin::default()
        };
        recommend(&jdk, &sources, &env, workload, margin)
    });

    let mut assumptions = Vec::new();
    if jdk.update_assumed {
        assumptions.push(format!(
            "JDK {} means its latest update known to oomdoc, {}.0.{} (give --jdk {}.0.N for another)",
            jdk.feature, jdk.feature, jdk.update, jdk.feature
        ));
    }
    if !analysis.ergonomics.container_aware.value || args.limit.is_none() {
        assumptions.push(format!(
            "node memory {} (--node-memory)",
            exact(args.node_memory)
        ));
    }
    assumptions.push(match args.cpus {
        Some(n) => format!("{n} CPUs (--cpus)"),
        None => format!(
            "no CPU limit: the JVM sees the node's {} CPUs (--node-cpus)",
            args.node_cpus
        ),
    });
    assumptions.push(format!(
        "cgroup {} on the node (--cgroup)",
        if args.cgroup == CgroupVersion::V1 {
            "v1"
        } else {
            "v2"
        }
    ));
    if args.threads.is_none() {
        assumptions.push(format!("{DEFAULT_THREADS} live threads (--threads)"));
    }
    if args.classes.is_none() {
        assumptions.push(format!("{DEFAULT_CLASSES} loaded classes (--classes)"));
    }

    let report = JvmReport {
        analysis: &analysis,
        recommendation: rec.as_ref(),
        assumptions: &assumptions,
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(TerminalSafe::new(
        stdout.lock(),
        args.format.controls_with(style),
    ));
    match args.format {
        OutputFormat::Text => oomdoc_report::write_jvm_text(&report, style, &mut out)?,
        OutputFormat::Json => oomdoc_report::write_jvm_json(&report, &mut out)?,
    }
    out.flush()?;
    Ok(if analysis.ergonomics.fails_to_start.is_empty() {
        0
    } else {
        crate::EXIT_FINDINGS
    })
}
