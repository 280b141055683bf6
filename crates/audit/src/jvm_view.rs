//! What a container's JVM sees: the effective command line and environment, after Kubernetes
//! merged the container spec with its image's Dockerfile (when the input has one), each string
//! with where it is written; and the JVM model's answer for it ([`JvmSummary`]).
//!
//! The merge follows Kubernetes exactly: `command` replaces the image's `ENTRYPOINT` and then its
//! `CMD` is ignored too; `args` alone replaces `CMD`; `env` overrides `ENV` of the same name.
//! `$(VAR)` in `command`, `args` and `env` values is expanded by the kubelet from the container's
//! own `env` only; the image's `ENV` is seen by the process (and by a `sh -c` script's `$VAR`),
//! not by that expansion.

use std::sync::Arc;

use oomdoc_jvm::budget::Workload as JvmWorkload;
use oomdoc_jvm::detect::{expand, image_info, is_jvm_application_image};
use oomdoc_jvm::recommend::{recommend, Margin};
use oomdoc_jvm::{
    analyze, detect, Analysis, ContainerInput, Cpus, Detection, Environment, FlagSource,
    JdkVersion, JvmInput, Runtime,
};
use oomdoc_model::admission::ContainerKind;
use oomdoc_model::dockerfile::DockerImageSpec;
use oomdoc_model::pod::{Container, DocSource, Workload};
use oomdoc_model::span::{Pos, Spanned};

use crate::audit::{Admitted, Assumptions};
use crate::checks::Pair;
use crate::finding::{DockerfileRef, JvmSummary, MatchedBy};

/// A place in the input: a manifest (with its text, for stdin) or a Dockerfile.
#[derive(Clone, Debug)]
pub(crate) struct At {
    pub file: Arc<str>,
    pub pos: Pos,
    pub source: Option<Arc<DocSource>>,
}

/// One string of the command line or one env value, with where it is written and what wrote it
/// (`command`, `args`, `ENTRYPOINT`, `CMD`, `env`, `ENV`).
#[derive(Clone, Debug)]
pub(crate) struct Located {
    pub value: String,
    pub at: At,
    pub what: &'static str,
}

/// Everything the JVM checks need about one container (or a Dockerfile's image on its own).
#[derive(Debug)]
pub(crate) struct JvmView<'a> {
    /// `container "admin"` or `image "admin-server"`.
    pub subject: String,
    /// `Kind/namespace/name`, or `Dockerfile/<name>` for an image on its own.
    pub workload: String,
    /// The container's name, if this is a container.
    pub container: Option<String>,
    /// Regular, init or sidecar; `None` for an image on its own.
    pub kind: Option<ContainerKind>,
    /// The image detection looks at (the Dockerfile's base image when one is merged), and where.
    pub image: Option<Located>,
    /// The container's own image, when another one (a Dockerfile's base) is in `image`.
    pub container_image: Option<String>,
    pub command: Vec<Located>,
    pub args: Vec<Located>,
    /// The environment in the order the process gets it (image `ENV`, then `env`), with the
    /// values as the process sees them (`None`: from a secret, config map or field).
    pub env: Vec<(String, Option<String>, At)>,
    /// The effective memory limit, where it is written, and the CPUs.
    pub limit: Option<u64>,
    pub limit_at: Option<At>,
    pub cpus: Cpus,
    /// Where to point when nothing better is known.
    pub fallback: At,
    /// The container's mapping and its first `env` entry, where `--fix` adds an env variable.
    pub env_anchor: Option<(Pos, Option<Pos>)>,
    pub dockerfile: Option<(&'a DockerImageSpec, MatchedBy)>,
    /// Rule codes to leave out (`oomdoc.dev/ignore` of the workload and the Dockerfile).
    pub ignore: Vec<String>,
    /// Env values too large to expand (OOM113): name and where.
    pub unevaluated: Vec<(String, At)>,
}

/// `$` doubled, so the JVM model's own `$(VAR)` expansion leaves an already expanded string as
/// it is.
fn escaped(s: &str) -> String {
    s.replace('$', "$$")
}

fn docker_at(df: &DockerImageSpec, pos: Pos) -> At {
    At {
        file: df.file.clone(),
        pos,
        source: None,
    }
}

fn docker_argv(
    df: &DockerImageSpec,
    c: &Option<oomdoc_model::dockerfile::ImageCommand>,
    what: &'static str,
) -> Vec<Located> {
    c.iter()
        .flat_map(|c| &c.argv)
        .map(|a| Located {
            value: a.value.clone(),
            at: docker_at(df, a.pos),
            what,
        })
        .collect()
}

fn docker_env(df: &DockerImageSpec) -> Vec<(String, Option<String>, At)> {
    df.env
        .iter()
        .map(|e| {
            (
                e.name.clone(),
                Some(e.value.value.clone()),
                docker_at(df, e.value.pos),
            )
        })
        .collect()
}

/// An environment as the process gets it: (name, value when known, where it is written).
type Env = Vec<(String, Option<String>, At)>;

/// Where `pos` is in the workload's manifest.
fn manifest_at(wl: &Workload, pos: Pos) -> At {
    At {
        file: wl.file.clone(),
        pos,
        source: wl.source.clone(),
    }
}

/// The last value of `name` among the entries `last` indexes, if known.
fn lookup_in<'e>(
    env: &'e Env,
    last: &'e std::collections::HashMap<String, usize>,
) -> impl Fn(&str) -> Option<String> + 'e {
    move |n: &str| last.get(n).and_then(|&i| env[i].1.clone())
}

/// The kubelet's `makeEnvironmentVariables`: each env value expanded against the entries before
/// it; also the values too large to build (a doubling chain of `$(VAR)`s), which stay unknown.
fn kubelet_env(wl: &Workload, written: &Container) -> (Env, Vec<(String, At)>) {
    let mut pod_env: Env = Vec::new();
    // Each name's last entry: a lookup per `$(VAR)` stays constant-time with thousands of
    // variables.
    let mut last = std::collections::HashMap::new();
    let mut unevaluated = Vec::new();
    for e in &written.env {
        let value = e.value.as_ref().and_then(|v| {
            let built = oomdoc_jvm::detect::expand_bounded(&v.value, &lookup_in(&pod_env, &last));
            if built.is_none() {
                unevaluated.push((e.name.clone(), manifest_at(wl, v.pos)));
            }
            built
        });
        last.insert(e.name.clone(), pod_env.len());
        pod_env.push((
            e.name.clone(),
            value,
            manifest_at(wl, e.value.as_ref().map_or(e.pos, |v| v.pos)),
        ));
    }
    (pod_env, unevaluated)
}

/// The process's command line: `command` replaces `ENTRYPOINT` (and drops `CMD`), `args` alone
/// replaces `CMD`; the container's strings expanded against its own `env` (`expansion.Expand`).
fn effective_argv(
    wl: &Workload,
    written: &Container,
    pod_env: &Env,
    dockerfile: Option<&DockerImageSpec>,
) -> (Vec<Located>, Vec<Located>) {
    // Later entries win.
    let last = pod_env
        .iter()
        .enumerate()
        .map(|(i, (k, _, _))| (k.clone(), i))
        .collect();
    let lookup = lookup_in(pod_env, &last);
    let pod_items = |list: &[Spanned<String>], what| -> Vec<Located> {
        list.iter()
            .map(|s| Located {
                value: expand(&s.value, &lookup),
                at: manifest_at(wl, s.pos),
                what,
            })
            .collect()
    };
    match dockerfile {
        Some(df) if written.command.is_empty() && !written.args.is_empty() => (
            docker_argv(df, &df.entrypoint, "ENTRYPOINT"),
            pod_items(&written.args, "args"),
        ),
        Some(df) if written.command.is_empty() => (
            docker_argv(df, &df.entrypoint, "ENTRYPOINT"),
            docker_argv(df, &df.cmd, "CMD"),
        ),
        _ => (
            pod_items(&written.command, "command"),
            pod_items(&written.args, "args"),
        ),
    }
}

/// The image detection looks at (a matched Dockerfile's base image, else the container's), and
/// the container's own image when it is not that one.
fn effective_image(
    wl: &Workload,
    written: &Container,
    dockerfile: Option<&DockerImageSpec>,
) -> (Option<Located>, Option<String>) {
    let own_image = written.image.as_ref().map(|i| Located {
        value: i.value.clone(),
        at: manifest_at(wl, i.pos),
        what: "image",
    });
    match dockerfile.and_then(|df| df.base_image.as_ref().map(|b| (df, b))) {
        Some((df, base)) => (
            Some(Located {
                value: base.value.clone(),
                at: docker_at(df, base.pos),
                what: "FROM",
            }),
            own_image.map(|i| i.value),
        ),
        None => (own_image, None),
    }
}

/// The view of a Kubernetes container, merged with the Dockerfile its image was matched to.
pub(crate) fn container_view<'a>(
    w: &Admitted<'_>,
    c: &Pair<'_>,
    dockerfile: Option<(&'a DockerImageSpec, MatchedBy)>,
) -> JvmView<'a> {
    let wl = w.workload;
    let written = c.written;
    let df = dockerfile.map(|(df, _)| df);
    let (pod_env, unevaluated) = kubelet_env(wl, written);
    let (command, args) = effective_argv(wl, written, &pod_env, df);
    let mut env = df.map(docker_env).unwrap_or_default();
    env.extend(pod_env.iter().cloned());
    let (image, container_image) = effective_image(wl, written, df);
    let lim = c.admitted.resources.limits.memory.as_ref();
    let millis = |q: Option<&oomdoc_model::admission::Sourced>| {
        q.and_then(|q| q.quantity.milli_value())
            .and_then(|m| u64::try_from(m).ok())
    };
    let r = &c.admitted.resources;
    let mut ignore: Vec<String> = wl.ignore.iter().map(|c| c.value.clone()).collect();
    if let Some(df) = df {
        ignore.extend(df.ignore.iter().map(|c| c.value.clone()));
    }
    JvmView {
        subject: format!("container \"{}\"", c.admitted.name),
        workload: wl.id(),
        container: Some(c.admitted.name.clone()),
        kind: Some(c.admitted.kind),
        image,
        container_image,
        command,
        args,
        env,
        limit: lim
            .and_then(|q| q.quantity.value())
            .and_then(|v| u64::try_from(v).ok())
            .filter(|v| *v > 0),
        limit_at: lim.and_then(|q| q.pos).map(|p| manifest_at(wl, p)),
        cpus: Cpus::Kubernetes {
            limit_millis: millis(r.limits.cpu.as_ref()),
            request_millis: millis(r.requests.cpu.as_ref()),
        },
        fallback: manifest_at(wl, written.name.pos),
        env_anchor: Some((written.pos, written.env.first().map(|e| e.pos))),
        dockerfile,
        ignore,
        unevaluated,
    }
}

/// The view of a Dockerfile's image run on its own: no limit, the node's CPUs.
pub(crate) fn image_view(df: &DockerImageSpec) -> JvmView<'_> {
    JvmView {
        subject: format!("image \"{}\"", df.display_name()),
        workload: format!("Dockerfile/{}", df.display_name()),
        container: None,
        kind: None,
        image: df.base_image.as_ref().map(|b| Located {
            value: b.value.clone(),
            at: docker_at(df, b.pos),
            what: "FROM",
        }),
        container_image: None,
        command: docker_argv(df, &df.entrypoint, "ENTRYPOINT"),
        args: docker_argv(df, &df.cmd, "CMD"),
        env: docker_env(df),
        limit: None,
        limit_at: None,
        cpus: Cpus::Host,
        fallback: docker_at(df, df.pos),
        env_anchor: None,
        dockerfile: None,
        ignore: df.ignore.iter().map(|c| c.value.clone()).collect(),
        // The Dockerfile reader keeps a word too large to substitute as written.
        unevaluated: Vec::new(),
    }
}

pub(crate) fn is_java(word: &str) -> bool {
    word.rsplit('/').next() == Some("java")
}

impl JvmView<'_> {
    /// Where the variable `name` the process gets is defined.
    pub fn env_at(&self, name: &str) -> Option<&At> {
        self.env
            .iter()
            .rev()
            .find(|(k, _, _)| k == name)
            .map(|(_, _, at)| at)
    }

    /// The command-line item that starts `java` (or a script that does).
    pub fn java_item(&self) -> Option<&Located> {
        let all = || self.command.iter().chain(&self.args);
        all()
            .find(|l| l.value.split_whitespace().any(is_java))
            .or_else(|| all().next())
    }

    /// `java` is the program itself, not started by a shell or script.
    pub fn java_started_directly(&self) -> bool {
        self.command
            .iter()
            .chain(&self.args)
            .next()
            .is_some_and(|l| is_java(&l.value))
    }

    /// Where an option from `source` is written.
    pub fn option_at(&self, source: &FlagSource, option: &str) -> Option<&At> {
        match source {
            FlagSource::JavaToolOptions => self.env_at("JAVA_TOOL_OPTIONS"),
            FlagSource::JdkJavaOptions => self.env_at("JDK_JAVA_OPTIONS"),
            FlagSource::UnderscoreJavaOptions => self.env_at("_JAVA_OPTIONS"),
            FlagSource::ScriptVariable(name) => self.env_at(name),
            FlagSource::CommandLine => {
                let mut all = self.command.iter().chain(&self.args);
                all.find(|l| l.value.contains(option))
                    .map(|l| &l.at)
                    .or_else(|| self.java_item().map(|l| &l.at))
            }
        }
    }

    /// Where the JDK version comes from: the image (or the Dockerfile's `FROM`).
    pub fn image_at(&self) -> &At {
        self.image.as_ref().map_or(&self.fallback, |i| &i.at)
    }

    /// Where the memory limit is written, else the fallback.
    pub fn limit_or_fallback(&self) -> &At {
        self.limit_at.as_ref().unwrap_or(&self.fallback)
    }

    /// Where to add JVM options, for help texts: the java command where it is written, or
    /// `JAVA_TOOL_OPTIONS`.
    pub fn where_to_add(&self) -> String {
        match self
            .java_item()
            .filter(|l| l.value.split_whitespace().any(is_java))
        {
            Some(l) if l.what.chars().all(|c| c.is_ascii_uppercase()) => {
                format!(
                    "the java command in the Dockerfile's {} ({}:{})",
                    l.what, l.at.file, l.at.pos.line
                )
            }
            Some(l) => format!("the java command in the container's {}", l.what),
            None => "JAVA_TOOL_OPTIONS".into(),
        }
    }

    fn detection_input(&self, image: &str) -> ContainerInput {
        ContainerInput {
            image: image.to_string(),
            command: self.command.iter().map(|l| escaped(&l.value)).collect(),
            args: self.args.iter().map(|l| escaped(&l.value)).collect(),
            env: self
                .env
                .iter()
                .map(|(k, v, _)| (k.clone(), v.as_deref().map(escaped)))
                .collect(),
        }
    }

    /// Detects the JVM: from the image detection looks at, else from the container's own image.
    fn detect(&self) -> (Detection, String) {
        let image = self.image.as_ref().map_or("", |i| i.value.as_str());
        let d = detect(&self.detection_input(image));
        if let (false, Some(own)) = (d.is_jvm, &self.container_image) {
            let d2 = detect(&self.detection_input(own));
            if d2.is_jvm {
                return (d2, own.clone());
            }
        }
        (d, image.to_string())
    }
}

/// The JDK from the image (with its evidence), else `--jdk`'s: (version, source, assumed).
fn jdk_of(d: &Detection, image: &str, a: &Assumptions) -> (JdkVersion, String, bool) {
    match &d.jdk {
        Some(v) => (v.clone(), format!("{image}: {}", d.jdk_evidence), false),
        None => {
            let j = a.default_jdk.clone();
            let s = format!(
                "{}: JDK {j} assumed (--jdk)",
                d.jdk_evidence.trim_end_matches('.')
            );
            (j, s, true)
        }
    }
}

/// Whether the heap oomdoc models is the one the JVM gets: not for OpenJ9, Paketo's memory
/// calculator, options read from files, or an application image's own start script (noted).
fn heap_modelled(d: &Detection, image: &str, analysis: &Analysis, notes: &mut Vec<String>) -> bool {
    let flags = &analysis.flags;
    let mut heap_modelled = true;
    if d.runtime == Runtime::OpenJ9 {
        heap_modelled = false;
    }
    if image_info(image)
        .jvm
        .is_some_and(|v| v.starts_with("Paketo"))
    {
        heap_modelled = false;
    }
    if !flags.unfollowed.is_empty() {
        heap_modelled = false;
        let opts: Vec<&str> = flags.unfollowed.iter().map(|s| s.option.as_str()).collect();
        notes.push(format!(
            "options read from {} are not visible here: the heap may be set there",
            opts.join(", ")
        ));
    }
    let java_found = d.sources.iter().any(|(s, _)| *s == FlagSource::CommandLine);
    let heap_flag = flags.max_heap_size.is_some()
        || flags.max_ram_percentage.is_some()
        || flags.max_ram_fraction.is_some()
        || flags.max_ram.is_some();
    if is_jvm_application_image(image) && !java_found && !heap_flag {
        heap_modelled = false;
        notes.push(format!("{image} starts java through its own script, which may set the heap; oomdoc cannot see it, so the heap figures are the JVM's defaults and the heap checks are skipped"));
    }
    heap_modelled
}

/// With an assumed JDK, whether the JVM fails to start only because of that JDK (another
/// supported release starts with these options): then the failure is noted, not reported.
fn start_depends_on_jdk(
    input: &JvmInput,
    analysis: &Analysis,
    jdk_assumed: bool,
    notes: &mut Vec<String>,
) -> bool {
    let fails = &analysis.ergonomics.fails_to_start;
    let depends = jdk_assumed
        && !fails.is_empty()
        && [8, 11, 17, 21, 25].iter().any(|f| {
            let other = JvmInput {
                jdk: JdkVersion::latest(*f),
                ..input.clone()
            };
            analyze(&other).ergonomics.fails_to_start.is_empty()
        });
    if depends {
        notes.push(format!(
            "with JDK {} (assumed: the image does not say) the JVM would not start ({}); other JDKs start with these options, so this is not reported",
            input.jdk,
            fails.join("; ")
        ));
    }
    depends
}

/// Runs detection and, for a JVM, the model: `None` when no JVM is seen.
pub(crate) fn summarize(view: &JvmView<'_>, a: &Assumptions) -> Option<JvmSummary> {
    let (d, image) = view.detect();
    if !d.is_jvm {
        return None;
    }
    let mut notes = d.notes.clone();
    let (jdk, jdk_source, jdk_assumed) = jdk_of(&d, &image, a);
    let env = Environment {
        host_memory: u64::try_from(a.node_memory_bytes).unwrap_or(0),
        host_cpus: a.node_cpus.max(1),
        memory_limit: view.limit,
        cgroup: a.cgroup,
        cpus: view.cpus,
    };
    let input = JvmInput {
        jdk: jdk.clone(),
        sources: d.sources.clone(),
        env: env.clone(),
        workload: JvmWorkload::default(),
    };
    let analysis = analyze(&input);
    let heap_modelled = heap_modelled(&d, &image, &analysis, &mut notes);
    let start_depends_on_jdk = start_depends_on_jdk(&input, &analysis, jdk_assumed, &mut notes);
    let recommendation =
        (heap_modelled && analysis.ergonomics.fails_to_start.is_empty()).then(|| {
            recommend(
                &jdk,
                &d.sources,
                &env,
                JvmWorkload::default(),
                Margin::default(),
            )
        });
    let dockerfile = view.dockerfile.map(|(df, by)| DockerfileRef {
        file: df.file.clone(),
        line: df.pos.line,
        matched_by: by,
    });
    Some(JvmSummary {
        runtime: d.runtime,
        jdk,
        jdk_source,
        jdk_assumed,
        evidence: d.evidence,
        notes,
        sources: d.sources,
        analysis,
        heap_modelled,
        start_depends_on_jdk,
        recommendation,
        dockerfile,
    })
}
