//! The heap ceiling of a JVM running in a container, from what the node shows of its process:
//! `/proc/PID/cmdline` (the real `java` command line), `/proc/PID/environ` (the option
//! variables the JVM reads) and the JDK's `release` file, through the JVM model `oomdoc jvm`
//! uses. Needs the host's PID namespace; without it nothing is found and nothing is exported.

use std::path::{Path, PathBuf};

use oomdoc_jvm::{
    analyze, detect, ContainerInput, Cpus, Environment, JdkVersion, JvmInput, Runtime, Workload,
};
use oomdoc_model::cgroup::CgroupVersion;

use crate::discover::read_small;

/// Processes of one cgroup looked at, at most (the JVM is normally the first or second).
const MAX_PIDS: usize = 8;

/// The node as the JVM model needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node {
    /// `MemTotal` in bytes.
    pub memory: u64,
    /// CPUs.
    pub cpus: u32,
    /// The cgroup version.
    pub cgroup: CgroupVersion,
}

/// What the node shows of one process.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Process {
    /// `argv`, from `/proc/PID/cmdline`.
    pub argv: Vec<String>,
    /// The environment, from `/proc/PID/environ`.
    pub env: Vec<(String, String)>,
    /// The JDK's `release` file, when found beside the `java` binary.
    pub release: Option<String>,
}

/// `JAVA_VERSION="17.0.9"` in a JDK `release` file.
fn release_version(release: &str) -> Option<JdkVersion> {
    let v = release
        .lines()
        .find_map(|l| l.strip_prefix("JAVA_VERSION="))?
        .trim()
        .trim_matches('"');
    JdkVersion::parse(v).ok()
}

/// The maximum heap HotSpot picks for `p` under `limit` on `node`; `None` when `p` is not a
/// HotSpot JVM.
pub fn max_heap(p: &Process, limit: Option<u64>, node: Node) -> Option<u64> {
    let exe = p.argv.first()?;
    if Path::new(exe).file_name()?.to_str()? != "java" {
        return None;
    }
    let input = ContainerInput {
        image: String::new(),
        command: p.argv.clone(),
        args: Vec::new(),
        env: p
            .env
            .iter()
            .map(|(k, v)| (k.clone(), Some(v.clone())))
            .collect(),
    };
    let d = detect(&input);
    if !d.is_jvm || d.runtime != Runtime::HotSpot {
        return None;
    }
    let jdk = p
        .release
        .as_deref()
        .and_then(release_version)
        .or(d.jdk)
        .unwrap_or_else(|| JdkVersion::latest(17));
    let a = analyze(&JvmInput {
        jdk,
        sources: d.sources,
        env: Environment {
            host_memory: node.memory,
            host_cpus: node.cpus,
            memory_limit: limit,
            cgroup: node.cgroup,
            cpus: Cpus::Host,
        },
        workload: Workload::default(),
    });
    Some(a.ergonomics.max_heap.value)
}

fn nul_split(bytes: &[u8]) -> impl Iterator<Item = String> + '_ {
    bytes
        .split(|&b| b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
}

/// Reads what `/proc` (at `proc_root`) shows of `pid`; `None` if it is gone or unreadable.
pub fn read_process(proc_root: &Path, pid: u32) -> Option<Process> {
    let dir = proc_root.join(pid.to_string());
    let argv: Vec<String> = nul_split(&std::fs::read(dir.join("cmdline")).ok()?).collect();
    let env = std::fs::read(dir.join("environ"))
        .map(|b| {
            nul_split(&b)
                .filter_map(|kv| {
                    kv.split_once('=')
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    // The JDK's release file, seen through the process's own root: <java home>/release.
    let release = std::fs::read_link(dir.join("exe")).ok().and_then(|exe| {
        let home = exe.parent()?.parent()?;
        let inside: PathBuf = dir
            .join("root")
            .join(home.strip_prefix("/").unwrap_or(home));
        read_small(&inside.join("release"))
    });
    Some(Process { argv, env, release })
}

/// The heap ceiling of the first JVM among the processes listed in `procs` (a cgroup's
/// `cgroup.procs`, read once by the caller).
pub fn probe_pids(procs: &str, proc_root: &Path, limit: Option<u64>, node: Node) -> Option<u64> {
    procs
        .lines()
        .filter_map(|l| l.trim().parse::<u32>().ok())
        .take(MAX_PIDS)
        .filter_map(|pid| read_process(proc_root, pid))
        .find_map(|p| max_heap(&p, limit, node))
}

/// The node's memory and CPUs from `/proc/meminfo` and `/proc/cpuinfo` under `proc_root`.
pub fn node_from_proc(proc_root: &Path, cgroup: CgroupVersion) -> Node {
    let memory = read_small(&proc_root.join("meminfo"))
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024);
    let cpus = std::fs::read_to_string(proc_root.join("cpuinfo"))
        .map(|c| c.lines().filter(|l| l.starts_with("processor")).count() as u32)
        .unwrap_or(1)
        .max(1);
    Node {
        memory,
        cpus,
        cgroup,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODE: Node = Node {
        memory: 16 << 30,
        cpus: 4,
        cgroup: CgroupVersion::V1,
    };

    fn java(args: &[&str], env: &[(&str, &str)]) -> Process {
        let mut argv = vec!["/opt/java/openjdk/bin/java".to_string()];
        argv.extend(args.iter().map(|s| s.to_string()));
        Process {
            argv,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            release: Some("IMPLEMENTOR=\"Eclipse Adoptium\"\nJAVA_VERSION=\"17.0.9\"\n".into()),
        }
    }

    #[test]
    fn the_default_share_of_the_limit_and_explicit_options() {
        // JDK 17, 1 GiB limit, no options: MaxRAMPercentage 25 -> 256 MiB.
        let p = java(&["-jar", "app.jar"], &[]);
        assert_eq!(max_heap(&p, Some(1 << 30), NODE), Some(256 << 20));
        let p = java(&["-Xmx700m", "-jar", "app.jar"], &[]);
        assert_eq!(max_heap(&p, Some(1 << 30), NODE), Some(700 << 20));
        let p = java(
            &["-jar", "app.jar"],
            &[("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=50")],
        );
        assert_eq!(max_heap(&p, Some(1 << 30), NODE), Some(512 << 20));
    }

    #[test]
    fn other_processes_are_not_jvms() {
        let p = Process {
            argv: vec!["/usr/bin/python3".into(), "app.py".into()],
            ..Process::default()
        };
        assert_eq!(max_heap(&p, Some(1 << 30), NODE), None);
        assert_eq!(max_heap(&Process::default(), None, NODE), None);
        assert_eq!(
            release_version("JAVA_VERSION=\"21.0.2\"").map(|v| v.feature),
            Some(21)
        );
    }
}
