//! Finding the pod and container cgroups of a node, and reading their memory files.
//!
//! The kubelet's hierarchy (`kubepods`, `kubepods.slice`, under any prefix such as a kind node's
//! `/docker/<id>/` or a `--cgroup-root`) is looked for a few levels down from the memory
//! controller's root; below it, QoS, pod and container levels are decoded by
//! `oomdoc_evidence::memcg_path`, the decoder `explain` uses on kernel reports, so a cgroup and
//! the kill report that names it agree on pod UID and container id.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use oomdoc_evidence::memcg_path::{decode_memcg_path, MemcgLevel, MemcgPath};

use oomdoc_model::cgroup::CgroupVersion;

/// Levels searched above `kubepods` (`/`, `/docker/<id>`, `/lxc.payload.x/system.slice`, ...).
const MAX_PREFIX_DEPTH: usize = 4;
/// Levels below `kubepods`: QoS, pod, container (and a runtime's sandbox or conmon beside it).
const MAX_POD_DEPTH: usize = 3;
/// Directories looked at per pass at most: a node with 500 containers has about 1,200 under
/// `kubepods`; past this, the rest is left for the next pass and counted.
pub const MAX_DIRS: usize = 20_000;
/// Bytes read from one memory file at most (`memory.stat` is under 2 KiB).
pub const MAX_FILE: u64 = 64 << 10;

/// Where the memory controller is mounted and which version it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hierarchy {
    /// The directory whose path is `/` in kernel reports (`/sys/fs/cgroup/memory` for v1,
    /// `/sys/fs/cgroup` for v2).
    pub root: PathBuf,
    /// The version.
    pub layout: CgroupVersion,
}

impl Hierarchy {
    /// The hierarchy under `cgroup_root` (`/sys/fs/cgroup`): v2 where `cgroup.controllers` lists
    /// `memory`, else the v1 `memory` controller directory.
    pub fn find(cgroup_root: &Path) -> Result<Hierarchy, String> {
        let controllers = cgroup_root.join("cgroup.controllers");
        if let Ok(c) = fs::read_to_string(&controllers) {
            if c.split_whitespace().any(|w| w == "memory") {
                return Ok(Hierarchy {
                    root: cgroup_root.to_path_buf(),
                    layout: CgroupVersion::V2,
                });
            }
        }
        let v1 = cgroup_root.join("memory");
        if v1.join("memory.limit_in_bytes").is_file() {
            return Ok(Hierarchy {
                root: v1,
                layout: CgroupVersion::V1,
            });
        }
        Err(format!(
            "no memory cgroup controller under {} (neither a v2 `cgroup.controllers` listing memory nor a v1 `memory` directory)",
            cgroup_root.display()
        ))
    }

    /// The path a kernel report would print for `dir`.
    pub fn memcg_path(&self, dir: &Path) -> String {
        let rel = dir.strip_prefix(&self.root).unwrap_or(dir);
        format!("/{}", rel.display())
    }
}

/// A file's text, at most [`MAX_FILE`] bytes; `None` when it cannot be read.
pub fn read_small(path: &Path) -> Option<String> {
    let mut s = String::new();
    fs::File::open(path)
        .ok()?
        .take(MAX_FILE)
        .read_to_string(&mut s)
        .ok()?;
    Some(s)
}

/// A pod or container cgroup found on the node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// Its directory.
    pub dir: PathBuf,
    /// What its path says (pod UID, container id, QoS, level).
    pub path: MemcgPath,
}

/// What one discovery pass found.
#[derive(Clone, Debug, Default)]
pub struct Discovery {
    /// Pod and container cgroups, parents before children.
    pub found: Vec<Found>,
    /// Directories not looked at because the pass reached [`MAX_DIRS`].
    pub truncated: bool,
}

fn subdirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

fn is_kubepods(name: &str) -> bool {
    name == "kubepods" || name == "kubepods.slice" || name.ends_with("-kubepods.slice")
}

/// The kubelet's `kubepods` directories under `h` (`kubepods`, `kubepods.slice`, under any
/// prefix up to `MAX_PREFIX_DEPTH` levels): looked for once, not on every pass.
pub fn kubepods_roots(h: &Hierarchy) -> Vec<PathBuf> {
    let mut budget = MAX_DIRS;
    let mut roots = Vec::new();
    let mut level = vec![h.root.clone()];
    for _ in 0..=MAX_PREFIX_DEPTH {
        let mut next = Vec::new();
        for d in level {
            if budget == 0 {
                return roots;
            }
            budget -= 1;
            let name = d.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if is_kubepods(name) {
                roots.push(d);
            } else {
                next.extend(subdirs(&d));
            }
        }
        level = next;
    }
    roots
}

/// Every pod and container cgroup under `h`. Directories that vanish while walked are skipped.
pub fn discover(h: &Hierarchy) -> Discovery {
    discover_under(h, &kubepods_roots(h))
}

/// Every pod and container cgroup under the given `kubepods` directories (the kubelet's
/// `--cgroup-root` when it is not where [`discover`] looks).
pub fn discover_under(h: &Hierarchy, kubepods: &[PathBuf]) -> Discovery {
    let mut out = Discovery::default();
    let mut budget = MAX_DIRS;
    for root in kubepods {
        walk_pods(h, root, 0, &mut budget, &mut out);
    }
    out
}

fn walk_pods(h: &Hierarchy, dir: &Path, depth: usize, budget: &mut usize, out: &mut Discovery) {
    for d in subdirs(dir) {
        if *budget == 0 {
            out.truncated = true;
            return;
        }
        *budget -= 1;
        let path = decode_memcg_path(&h.memcg_path(&d));
        let keep = matches!(path.level, MemcgLevel::Pod | MemcgLevel::Container) && !path.conmon;
        let descend = depth + 1 < MAX_POD_DEPTH && path.level != MemcgLevel::Container;
        if keep {
            out.found.push(Found {
                dir: d.clone(),
                path,
            });
        }
        if descend {
            walk_pods(h, &d, depth + 1, budget, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mkdirs(root: &Path, paths: &[&str]) {
        for p in paths {
            fs::create_dir_all(root.join(p)).unwrap();
        }
    }

    #[test]
    fn finds_cgroupfs_and_systemd_pods_under_any_prefix() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        fs::write(root.join("cgroup.controllers"), "cpu memory io\n").unwrap();
        let id = "a".repeat(64);
        let uid = "2b1f0a43-9c59-4d0c-8f6e-0a1b2c3d4e5f";
        mkdirs(
            root,
            &[
                &format!("kubepods/burstable/pod{uid}/{id}"),
                "kubepods/besteffort",
                &format!(
                    "docker/abc/kubepods.slice/kubepods-pod{}.slice/cri-containerd-{id}.scope",
                    uid.replace('-', "_")
                ),
                "system.slice/kubelet.service",
            ],
        );
        let h = Hierarchy::find(root).unwrap();
        assert_eq!(h.layout, CgroupVersion::V2);
        let d = discover(&h);
        let levels: Vec<(MemcgLevel, Option<&str>, Option<&str>)> = d
            .found
            .iter()
            .map(|f| {
                (
                    f.path.level,
                    f.path.pod_uid.as_deref(),
                    f.path.container_id.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            levels,
            vec![
                (MemcgLevel::Pod, Some(uid), None),
                (MemcgLevel::Container, Some(uid), Some(id.as_str())),
                (MemcgLevel::Pod, Some(uid), None),
                (MemcgLevel::Container, Some(uid), Some(id.as_str())),
            ]
        );
        assert!(!d.truncated);
        assert_eq!(
            h.memcg_path(&d.found[1].dir),
            format!("/kubepods/burstable/pod{uid}/{id}")
        );
    }

    #[test]
    fn no_memory_controller_is_an_error_naming_the_root() {
        let t = tempfile::tempdir().unwrap();
        let e = Hierarchy::find(t.path()).unwrap_err();
        assert!(e.contains(&t.path().display().to_string()), "{e}");
    }
}
