//! `oomdoc jvm`: the JVM's memory decisions and the whole-process budget, as text or JSON.

use std::io::{self, Write};

use oomdoc_jvm::budget::{Budget, Pool, Provenance};
use oomdoc_jvm::ergonomics::Ergonomics;
use oomdoc_jvm::recommend::{as_java_tool_options, Recommendation};
use oomdoc_jvm::Analysis;
use oomdoc_model::bytes::{approx, exact};
use serde_json::{json, Map, Value};

use crate::style::Style;

/// What `oomdoc jvm` prints: the analysis, the recommendation when asked, and the assumptions
/// the command made (JDK update, node memory, cgroup version, threads, classes).
#[derive(Debug)]
pub struct JvmReport<'a> {
    /// The model's answer.
    pub analysis: &'a Analysis,
    /// `--recommend`.
    pub recommendation: Option<&'a Recommendation>,
    /// One sentence per assumption.
    pub assumptions: &'a [String],
}

fn provenance(p: &Provenance) -> String {
    match p {
        Provenance::Flag { option, source } => format!("{option} ({source})"),
        other => other.kind().to_string(),
    }
}

/// Writes the text report.
pub fn write_jvm_text(r: &JvmReport<'_>, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let e = &r.analysis.ergonomics;
    write_ergonomics(e, style, out)?;
    write_budget(&r.analysis.budget, style, out)?;
    if !e.notes.is_empty() {
        writeln!(out)?;
        for n in &e.notes {
            writeln!(out, "note: {n}")?;
        }
    }
    if let Some(rec) = r.recommendation {
        write_recommendation(rec, style, out)?;
    }
    if !r.assumptions.is_empty() {
        writeln!(out)?;
        for a in r.assumptions {
            writeln!(out, "assumed: {a}")?;
        }
    }
    Ok(())
}

/// What HotSpot decides at startup, one row per decision with why.
fn write_ergonomics(e: &Ergonomics, style: Style, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "{}",
        style.heading(&format!("JDK {} (HotSpot)", e.jdk))
    )?;
    for f in &e.fails_to_start {
        writeln!(out, "  {} the JVM will not start: {f}", style.bad("error:"))?;
    }
    let aware = if e.container_aware.value { "yes" } else { "NO" };
    let rows: [(&str, String, &str); 6] = [
        (
            "container-aware",
            aware.to_string(),
            e.container_aware.why.as_str(),
        ),
        (
            "physical memory",
            approx(e.physical_memory.value),
            e.physical_memory.why.as_str(),
        ),
        (
            "CPUs",
            e.active_processors.value.to_string(),
            e.active_processors.why.as_str(),
        ),
        ("GC", e.gc.name().to_string(), ""),
        (
            "max heap",
            approx(e.max_heap.value),
            e.max_heap.why.as_str(),
        ),
        (
            "initial heap",
            approx(e.initial_heap.value),
            e.initial_heap.why.as_str(),
        ),
    ];
    for (name, value, why) in rows {
        // The heap is what the report is about; a JVM blind to its container is the bad news.
        let value = match name {
            "max heap" => style.bold(&value),
            "container-aware" if !e.container_aware.value => style.bad(&value),
            _ => style.text(&value),
        };
        if why.is_empty() {
            writeln!(out, "  {name:<16} {value}")?;
        } else {
            writeln!(out, "  {name:<16} {value:<10} {why}")?;
        }
    }
    writeln!(
        out,
        "  {:<16} {} bytes (MaxHeapSize), {} bytes (InitialHeapSize)",
        "exact", e.max_heap.value, e.initial_heap.value
    )?;
    writeln!(out)?;
    Ok(())
}

/// The whole-process budget, pool by pool, and the headroom left under the limit.
fn write_budget(bud: &Budget, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let heading = match bud.limit {
        Some(l) => format!("Memory budget against the {} limit:", exact(l)),
        None => "Memory budget (no container limit):".to_string(),
    };
    writeln!(out, "{}", style.heading(&heading))?;
    write_pools(&bud.pools, out)?;
    writeln!(out, "  {:<15} {:>10}", "total", approx(bud.footprint))?;
    if let (Some(h), Some(l)) = (bud.headroom, bud.limit) {
        let pct = h as f64 * 100.0 / l as f64;
        if h >= 0 {
            writeln!(
                out,
                "  {:<15} {:>10}  ({pct:.0}% of the limit)",
                "headroom",
                approx(h as u64)
            )?;
        } else {
            writeln!(
                out,
                "  {:<15} {:>10}  {} {}: under load the kernel OOM-kills the JVM (exit 137) and no OutOfMemoryError is logged",
                "headroom",
                style.bad("none"),
                approx(h.unsigned_abs()),
                style.bad("OVER the limit")
            )?;
        }
    }
    Ok(())
}

/// The flags and the memory request/limit to set, with what they give and why.
fn write_recommendation(rec: &Recommendation, style: Style, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    let heading = format!("Recommendation (margin {} kept free):", approx(rec.margin));
    writeln!(out, "{}", style.heading(&heading))?;
    writeln!(out, "  JAVA_TOOL_OPTIONS=\"{}\"", as_java_tool_options(rec))?;
    writeln!(
        out,
        "  resources: requests.memory {}  limits.memory {}",
        exact(rec.request),
        exact(rec.limit)
    )?;
    writeln!(
        out,
        "  max heap then {}; total {}",
        approx(rec.max_heap),
        approx(rec.budget.footprint)
    )?;
    for w in &rec.why {
        writeln!(out, "  - {w}")?;
    }
    Ok(())
}

fn write_pools(pools: &[Pool], out: &mut dyn Write) -> io::Result<()> {
    for p in pools {
        writeln!(
            out,
            "  {:<15} {:>10}  {:<28} {}",
            p.name,
            approx(p.bytes),
            provenance(&p.provenance),
            p.why
        )?;
    }
    Ok(())
}

pub(crate) fn pools_json(pools: &[Pool]) -> (Value, Value) {
    let mut bytes = Map::new();
    let mut detail = Vec::new();
    for p in pools {
        bytes.insert(p.name.to_string(), json!(p.bytes));
        let (option, source) = match &p.provenance {
            Provenance::Flag { option, source } => (Some(option.clone()), Some(source.clone())),
            _ => (None, None),
        };
        detail.push(json!({
            "name": p.name, "bytes": p.bytes, "provenance": p.provenance.kind(),
            "option": option, "source": source, "why": p.why,
        }));
    }
    (Value::Object(bytes), Value::Array(detail))
}

/// The JSON object (`oomdoc jvm --format json`); audit embeds the same keys per container.
pub fn jvm_json(r: &JvmReport<'_>) -> Value {
    let e = &r.analysis.ergonomics;
    let bud = &r.analysis.budget;
    let (pools, pool_detail) = pools_json(&bud.pools);
    let recommendation = r.recommendation.map(recommendation_json);
    json!({
        "jdk": e.jdk.to_string(),
        "jdk_update_assumed": e.jdk.update_assumed,
        "container_aware": e.container_aware.value,
        "physical_memory_bytes": e.physical_memory.value,
        "active_processors": e.active_processors.value,
        "max_heap_bytes": e.max_heap.value,
        "initial_heap_bytes": e.initial_heap.value,
        "min_heap_bytes": e.min_heap,
        "gc": e.gc.name(),
        "compressed_oops": e.compressed_oops,
        "fails_to_start": e.fails_to_start,
        "pools": pools,
        "pool_detail": pool_detail,
        "footprint_bytes": bud.footprint,
        "limit_bytes": bud.limit,
        "headroom_bytes": bud.headroom,
        "notes": e.notes,
        "assumptions": r.assumptions,
        "recommendation": recommendation,
    })
}

/// A recommendation as JSON: `flags`, `also`, `java_tool_options`, `limit_bytes`,
/// `request_bytes`, `margin_bytes`, `max_heap_bytes`, `footprint_bytes`, `why`.
pub(crate) fn recommendation_json(rec: &Recommendation) -> Value {
    json!({
        "flags": rec.flags, "also": rec.also, "java_tool_options": as_java_tool_options(rec),
        "limit_bytes": rec.limit, "request_bytes": rec.request, "margin_bytes": rec.margin,
        "max_heap_bytes": rec.max_heap, "footprint_bytes": rec.budget.footprint, "why": rec.why,
    })
}

/// Writes the JSON report.
pub fn write_jvm_json(r: &JvmReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &jvm_json(r))?;
    writeln!(out)
}
