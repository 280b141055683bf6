//! What the JVM sees of its container: the memory it takes as physical (container support,
//! cgroup v1/v2 by version, limits at or above the node's memory, the experimental 8u131 flag)
//! and the active processor count (CPU limit, CPU shares by version, `ActiveProcessorCount`).
//!
//! Sources: `os::physical_memory` / `OSContainer` (`os/linux/cgroupV1Subsystem_linux.cpp`,
//! `cgroupSubsystem_linux.cpp`), JDK-8146115 (container support), JDK-8230305 (cgroup v2),
//! JDK-8292083 (limits above the host), JDK-8281181 (CPU shares no longer counted).

use oomdoc_model::bytes::approx;

use crate::flags::JvmFlags;
use crate::version::JdkVersion;

/// The cgroup version of the container's memory controller (the model's one type).
pub use oomdoc_model::cgroup::CgroupVersion;

/// The CPUs the container may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cpus {
    /// The node's CPUs, no container restriction.
    Host,
    /// A CPU count as the JVM will see it (e.g. `--cpus 2`).
    Count(u32),
    /// Kubernetes resources in millicores: the limit becomes the CFS quota, the request the CPU
    /// shares (`max(2, request × 1024 / 1000)`, 2 without a request).
    Kubernetes {
        limit_millis: Option<u64>,
        request_millis: Option<u64>,
    },
}

/// The machine and container a JVM starts in.
#[derive(Debug, Clone, PartialEq)]
pub struct Environment {
    /// The node's memory (`MemTotal` × 1024, what `sysconf` reports).
    pub host_memory: u64,
    /// The node's CPUs.
    pub host_cpus: u32,
    /// The container's memory limit; `None` for no limit.
    pub memory_limit: Option<u64>,
    /// The cgroup version on the node.
    pub cgroup: CgroupVersion,
    /// The container's CPU restriction.
    pub cpus: Cpus,
}

/// A value and how it was arrived at, in a sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Derived<T> {
    pub value: T,
    pub why: String,
}

/// Memory and CPUs as the JVM sees them.
pub(crate) fn physical_memory(
    jdk: &JdkVersion,
    flags: &JvmFlags,
    env: &Environment,
    notes: &mut Vec<String>,
) -> (Derived<bool>, Derived<u64>) {
    let host = env.host_memory;
    let not_aware = |why: String| {
        (
            Derived { value: false, why },
            Derived {
                value: host,
                why: format!("the node's memory ({})", approx(host)),
            },
        )
    };
    if !jdk.container_support() {
        return not_aware(format!(
            "JDK {jdk} predates container support (8u191 / JDK 10): it sizes the heap from the node's memory"
        ));
    }
    if let Some(s) = flags.use_container_support.as_ref().filter(|s| !s.value) {
        return not_aware(format!(
            "{} ({}) switches container support off",
            s.option, s.source
        ));
    }
    if env.cgroup == CgroupVersion::V2 && !jdk.supports_cgroup_v2() {
        return not_aware(format!(
            "JDK {jdk} does not understand cgroup v2 (support came in 15, 11.0.16 and 8u372): it sees no limit"
        ));
    }
    let Some(limit) = env.memory_limit else {
        return (
            Derived {
                value: true,
                why: "container support is on, but the container has no memory limit".into(),
            },
            Derived {
                value: host,
                why: format!("no memory limit: the node's memory ({})", approx(host)),
            },
        );
    };
    if limit >= host {
        if jdk.ignores_limit_above_host() {
            return (
                Derived { value: true, why: "container support is on".into() },
                Derived {
                    value: host,
                    why: format!(
                        "the limit ({}) is not below the node's memory, so it is ignored (JDK-8292083): the node's memory ({})",
                        approx(limit),
                        approx(host)
                    ),
                },
            );
        }
        notes.push(format!(
            "JDK {jdk} takes a limit above the node's memory at face value (fixed by JDK-8292083 in 17.0.6, 11.0.18, 8u372, 20)"
        ));
    }
    (
        Derived {
            value: true,
            why: "container support is on (default since 8u191 and JDK 10)".into(),
        },
        Derived {
            value: limit,
            why: format!("the container's memory limit ({})", approx(limit)),
        },
    )
}

pub(crate) fn active_processors(
    jdk: &JdkVersion,
    flags: &JvmFlags,
    env: &Environment,
    aware: bool,
) -> Derived<u32> {
    if let Some(s) = flags
        .active_processor_count
        .as_ref()
        .filter(|s| s.value > 0)
    {
        return Derived {
            value: s.value,
            why: format!("{} ({})", s.option, s.source),
        };
    }
    let host = env.host_cpus.max(1);
    if !aware && !jdk.container_support() {
        return Derived {
            value: host,
            why: format!("the node's {host} CPUs (no container support)"),
        };
    }
    match env.cpus {
        Cpus::Host => Derived {
            value: host,
            why: format!("the node's {host} CPUs (no CPU limit given; assumed)"),
        },
        Cpus::Count(n) => Derived {
            value: n.clamp(1, host),
            why: format!("{n} CPUs as given"),
        },
        Cpus::Kubernetes {
            limit_millis,
            request_millis,
        } => {
            if let Some(l) = limit_millis.filter(|l| *l > 0) {
                let n = (l.div_ceil(1000) as u32).clamp(1, host);
                return Derived {
                    value: n,
                    why: format!("the CPU limit {l}m, rounded up to {n}"),
                };
            }
            if jdk.uses_cpu_shares() {
                let shares = request_millis
                    .map(|r| (r * 1024 / 1000).max(2))
                    .unwrap_or(2);
                if shares != 1024 {
                    let n = (shares.div_ceil(1024) as u32).clamp(1, host);
                    return Derived {
                        value: n,
                        why: format!(
                            "JDK {jdk} counts CPU shares ({shares}, from the CPU request) when there is no CPU limit: {n} (JDK-8281181 stopped this in 19, 17.0.5, 11.0.17)"
                        ),
                    };
                }
            }
            Derived {
                value: host,
                why: format!("no CPU limit: the node's {host} CPUs"),
            }
        }
    }
}
