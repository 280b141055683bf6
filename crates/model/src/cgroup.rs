//! The cgroup version of a memory controller, one type for every crate: the JVM model (which
//! limit files a JDK reads), the kernel report reader (which counters a report prints), the
//! live sampler (which files a directory has) and the flags that assume one.

/// cgroup v1 (the legacy or hybrid hierarchy: `memory.limit_in_bytes`) or v2 (the unified
/// hierarchy: `memory.max`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CgroupVersion {
    /// cgroup v1.
    V1,
    /// cgroup v2.
    V2,
}

impl CgroupVersion {
    /// `v1` or `v2`, as flags and wire formats spell it.
    pub fn token(self) -> &'static str {
        match self {
            CgroupVersion::V1 => "v1",
            CgroupVersion::V2 => "v2",
        }
    }

    /// The version a `v1`/`v2` token names.
    pub fn from_token(s: &str) -> Option<CgroupVersion> {
        match s {
            "v1" => Some(CgroupVersion::V1),
            "v2" => Some(CgroupVersion::V2),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::CgroupVersion;

    #[test]
    fn tokens_round_trip() {
        for v in [CgroupVersion::V1, CgroupVersion::V2] {
            assert_eq!(CgroupVersion::from_token(v.token()), Some(v));
        }
        assert_eq!(CgroupVersion::from_token("v3"), None);
    }
}
