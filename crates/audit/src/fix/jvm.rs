//! Where a container's JVM reads the options a fix adds.
//!
//! An option that replaces one (a heap option) goes where that one is written. Otherwise, in
//! this order: `JAVA_TOOL_OPTIONS` when it is written with a literal value (the manifest's `env`
//! or the Dockerfile's `ENV`, whichever the process gets); else the variable or command line
//! where the audit found the JVM's other options (after the last of them); else after the `java`
//! word of the command line; else a new `JAVA_TOOL_OPTIONS` env entry in the container (the JVM
//! reads it however it is started), or a new `ENV JAVA_TOOL_OPTIONS=` line after the final `FROM`
//! of a Dockerfile audited on its own.

use oomdoc_jvm::FlagSource;

use super::{Action, Change, Fix};
use crate::finding::JvmSummary;
use crate::jvm_view::{is_java, At, JvmView};

/// Options to add, and what they are for.
pub(crate) struct Options<'o> {
    /// The options, in order.
    pub options: Vec<String>,
    /// The option the first one replaces, and where it came from.
    pub replaces: Option<(&'o FlagSource, &'o str)>,
}

fn is_docker(view: &JvmView<'_>, at: &At) -> bool {
    view.container.is_none() || view.dockerfile.is_some_and(|(df, _)| df.file == at.file)
}

/// True when `at` is a command-line word with no space: options go in new items after it.
fn argv_word(view: &JvmView<'_>, at: &At) -> bool {
    view.command
        .iter()
        .chain(&view.args)
        .find(|l| l.at.file == at.file && l.at.pos == at.pos)
        .is_some_and(|l| !l.value.contains(char::is_whitespace))
}

/// Options added to the string at `at`, each after `after` (the first) and then after the
/// option before it.
fn at_string(view: &JvmView<'_>, at: &At, o: &Options<'_>, after: Option<String>) -> Vec<Change> {
    let mut after = after;
    let command_line = view
        .command
        .iter()
        .chain(&view.args)
        .any(|l| l.at.file == at.file && l.at.pos == at.pos);
    o.options
        .iter()
        .enumerate()
        .map(|(i, option)| {
            let action = Action::AddOption {
                at: at.pos,
                option: option.clone(),
                replaces: (i == 0)
                    .then(|| o.replaces.map(|(_, r)| r.to_string()))
                    .flatten(),
                after: after.clone(),
                argv_item: argv_word(view, at),
                dockerfile: is_docker(view, at),
            };
            if command_line {
                after = Some(option.clone());
            }
            Change {
                file: at.file.clone(),
                action,
            }
        })
        .collect()
}

/// The env value `name` the process gets, when it is written as a literal.
fn literal_env<'v>(view: &'v JvmView<'_>, name: &str) -> Option<&'v At> {
    view.env
        .iter()
        .rev()
        .find(|(k, _, _)| k == name)
        .filter(|(_, v, _)| v.is_some())
        .map(|(_, _, at)| at)
}

/// The changes that add `o` for the JVM of `view`.
fn changes(view: &JvmView<'_>, s: &JvmSummary, o: &Options<'_>) -> Option<Vec<Change>> {
    if let Some((source, option)) = o.replaces {
        let at = view.option_at(source, option)?.clone();
        let after = (*source == FlagSource::CommandLine).then(|| option.to_string());
        return Some(at_string(view, &at, o, after));
    }
    if let Some(at) = literal_env(view, "JAVA_TOOL_OPTIONS") {
        return Some(at_string(view, &at.clone(), o, None));
    }
    for (source, opts) in s.sources.iter().rev() {
        let Some(last) = opts.last() else { continue };
        match source {
            FlagSource::CommandLine => {
                let at = view.option_at(source, last)?.clone();
                return Some(at_string(view, &at, o, Some(last.clone())));
            }
            FlagSource::ScriptVariable(name) => {
                if let Some(at) = literal_env(view, name) {
                    return Some(at_string(view, &at.clone(), o, None));
                }
            }
            _ => {}
        }
    }
    if let Some(java) = view.java_item() {
        if let Some(word) = java.value.split_whitespace().find(|w| is_java(w)) {
            return Some(at_string(view, &java.at.clone(), o, Some(word.to_string())));
        }
    }
    let value = o.options.join(" ");
    let name = "JAVA_TOOL_OPTIONS".to_string();
    let action = match view.env_anchor {
        Some((container, first)) => Action::AddEnv {
            container,
            first,
            name,
            value,
        },
        None if view.container.is_none() => Action::DockerEnv {
            after_line: view.fallback.pos.line,
            name,
            value,
        },
        None => return None,
    };
    Some(vec![Change {
        file: view.fallback.file.clone(),
        action,
    }])
}

/// A fix that adds JVM options for the container (or image) of `view`.
pub(crate) fn jvm_fix(
    view: &JvmView<'_>,
    s: &JvmSummary,
    what: String,
    o: &Options<'_>,
) -> Option<Fix> {
    let changes = changes(view, s, o)?;
    let place = match changes.first().map(|c| (&c.action, &c.file)) {
        Some((Action::AddEnv { .. }, _)) => "a new JAVA_TOOL_OPTIONS env entry".to_string(),
        Some((Action::DockerEnv { .. }, f)) => format!("a new ENV JAVA_TOOL_OPTIONS line in {f}"),
        Some((Action::AddOption { at, .. }, f)) => format!("{f}:{}", at.line),
        _ => String::new(),
    };
    Some(Fix {
        what: format!("{what} ({place})"),
        changes,
    })
}

/// The options that set the heap (any of them decides it, whatever the others say).
const HEAP_OPTIONS: &[&str] = &[
    "-Xmx",
    "-XX:MaxHeapSize",
    "-XX:MaxRAMPercentage",
    "-XX:MaxRAMFraction",
    "-XX:MaxRAM",
    "-XX:MinRAMPercentage",
    "-XX:MinRAMFraction",
];

/// The recommendation's flags as a fix, when it keeps the limit (a new limit is the user's
/// call), its heap flag gives the heap it says, and at most one option sets the heap now (it is
/// replaced; with two, the other would still decide).
pub(crate) fn heap_options<'s>(
    s: &'s JvmSummary,
    rec: &oomdoc_jvm::recommend::Recommendation,
    limit: u64,
) -> Option<Options<'s>> {
    let heap_flag = rec.flags.last()?;
    if rec.limit != limit {
        return None;
    }
    // An initial heap that must come down too (`-Xmx1G -Xms1G`): replacing the maximum alone
    // would leave options the JVM refuses; the user edits both.
    if rec.flags.iter().any(|f| f.starts_with("-Xms")) {
        return None;
    }
    if let Some(mib) = heap_flag
        .strip_prefix("-Xmx")
        .and_then(|m| m.strip_suffix('m'))
        .and_then(|m| m.parse::<u64>().ok())
    {
        if mib << 20 != rec.max_heap {
            return None;
        }
    }
    let setting = s
        .sources
        .iter()
        .flat_map(|(_, o)| o)
        .filter(|o| HEAP_OPTIONS.contains(&super::plan_options::option_name(o).as_str()));
    if setting.count() > 1 {
        return None;
    }
    let f = &s.analysis.flags;
    let current = f
        .max_heap_size
        .as_ref()
        .map(|x| (&x.source, x.option.as_str()))
        .or(f
            .max_ram_percentage
            .as_ref()
            .map(|x| (&x.source, x.option.as_str())))
        .or(f
            .max_ram_fraction
            .as_ref()
            .map(|x| (&x.source, x.option.as_str())))
        .or(f.max_ram.as_ref().map(|x| (&x.source, x.option.as_str())));
    let mut options = vec![heap_flag.clone()];
    options.extend(rec.flags.iter().filter(|x| *x != heap_flag).cloned());
    Some(Options {
        options,
        replaces: current,
    })
}
