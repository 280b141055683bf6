//! JDK versions as users and image tags write them, and what each one can do.
//!
//! [`JdkVersion::parse`] accepts `8`, `8u372`, `8u372-b07`, `1.8`, `1.8.0_372`, `11`, `11.0.16`,
//! `11.0.16.1`, `17.0.9+9`, `17.0.9_9`, `jdk-17.0.9+9`, `21`, `25`. A bare feature number means
//! the newest update this table knows ([`latest_update`]), and the result says so
//! ([`JdkVersion::update_assumed`]).
//!
//! The capability methods encode behaviour that changed between releases, each with the change
//! that introduced it. Where the update that first shipped a backport was not verified against
//! release notes, the doc comment says so.

use std::fmt;

/// A HotSpot JDK release: feature number and update number (`17.0.9` is feature 17, update 9;
/// `8u372` is feature 8, update 372).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JdkVersion {
    /// The feature release: 8, 11, 17, 21, 25 …
    pub feature: u32,
    /// The update: 372 in `8u372`, 9 in `17.0.9`; 0 for a GA release.
    pub update: u32,
    /// True when only the feature was given (`17`) and `update` is [`latest_update`]'s guess.
    pub update_assumed: bool,
}

/// Why a version string was not understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionError {
    /// The text given.
    pub input: String,
}

impl fmt::Display for VersionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a JDK version (expected e.g. 8, 8u372, 1.8.0_372, 11.0.16, 17.0.9+9, 21)",
            self.input
        )
    }
}

impl std::error::Error for VersionError {}

/// The newest update of each feature release this table knows: the April 2026 quarterly updates
/// for the LTS lines (8u492, 11.0.31, 17.0.19, 21.0.11, 25.0.3, 26.0.1) and the last update of
/// each short-lived release. `None` for a feature it does not know (then update 0 is assumed).
pub fn latest_update(feature: u32) -> Option<u32> {
    Some(match feature {
        8 => 492,
        9 => 4,
        10 => 2,
        11 => 31,
        12..=16 => 2,
        17 => 19,
        18..=20 => 2,
        21 => 11,
        22..=24 => 2,
        25 => 3,
        26 => 1,
        _ => return None,
    })
}

impl JdkVersion {
    /// A version from its parts, with a known update.
    pub const fn new(feature: u32, update: u32) -> JdkVersion {
        JdkVersion {
            feature,
            update,
            update_assumed: false,
        }
    }

    /// The newest known update of `feature`, flagged as assumed.
    pub fn latest(feature: u32) -> JdkVersion {
        JdkVersion {
            feature,
            update: latest_update(feature).unwrap_or(0),
            update_assumed: true,
        }
    }

    /// Parses what users and image tags write (see the module docs). Leading `jdk-`, `jdk`,
    /// `jre`, `openjdk-` and `v` are ignored, and so is anything after the update (`+9`, `_9`,
    /// `-b07`, `.1`, `-jre`).
    pub fn parse(input: &str) -> Result<JdkVersion, VersionError> {
        let err = || VersionError {
            input: input.to_string(),
        };
        let mut s = input.trim();
        for prefix in [
            "openjdk-", "openjdk", "jdk-", "jdk", "jre-", "jre", "java-", "v",
        ] {
            if let Some(rest) = s.strip_prefix(prefix) {
                if rest.starts_with(|c: char| c.is_ascii_digit()) {
                    s = rest;
                    break;
                }
            }
        }
        let (first, rest) = split_number(s).ok_or_else(err)?;
        // Legacy 1.x numbering: 1.8.0_372, 1.8.0-372, 1.8.
        if first == 1 {
            let rest = rest.strip_prefix('.').ok_or_else(err)?;
            let (feature, rest) = split_number(rest).ok_or_else(err)?;
            if feature < 5 {
                return Err(err());
            }
            let rest = match rest.strip_prefix(".0") {
                Some(r) => r,
                None if rest.is_empty() => return Ok(JdkVersion::latest(feature)),
                None => rest,
            };
            if rest.is_empty() {
                return Ok(JdkVersion::latest(feature));
            }
            return match rest.strip_prefix(['_', '-', 'u']).map(split_number) {
                Some(Some((update, _))) => Ok(JdkVersion::new(feature, update)),
                // 1.8.0-jre: a tag suffix, no update.
                Some(None) if rest.starts_with('-') && rest.len() > 1 => {
                    Ok(JdkVersion::latest(feature))
                }
                _ => Err(err()),
            };
        }
        let feature = first;
        if !(5..=99).contains(&feature) {
            return Err(err());
        }
        // 8u372, 8u372-b07
        if let Some(r) = rest.strip_prefix('u') {
            let (update, _) = split_number(r).ok_or_else(err)?;
            return Ok(JdkVersion::new(feature, update));
        }
        // 17.0.9, 11.0.16.1, 17.0.9+9; 17.0 (interim 0) means GA.
        if let Some(r) = rest.strip_prefix('.') {
            let (_interim, r) = split_number(r).ok_or_else(err)?;
            return Ok(match r.strip_prefix('.').and_then(split_number) {
                Some((update, _)) => JdkVersion::new(feature, update),
                None => JdkVersion::new(feature, 0),
            });
        }
        // 17+35 is a GA build; 17_35 does not occur. Anything else after the number (a tag
        // suffix like -jre) leaves the update unknown.
        if rest.starts_with('+') {
            return Ok(JdkVersion::new(feature, 0));
        }
        if rest.is_empty() || rest.starts_with(['-', '_', '.']) {
            return Ok(JdkVersion::latest(feature));
        }
        Err(err())
    }

    /// True when `self` is at least `feature` with at least `update` (same feature) or a later
    /// feature.
    pub fn at_least(&self, feature: u32, update: u32) -> bool {
        self.feature > feature || (self.feature == feature && self.update >= update)
    }

    /// The JVM sizes its heap from the container's memory limit by default
    /// (`-XX:+UseContainerSupport`, JDK-8146115): JDK 10 and later, and 8u191 and later.
    pub fn container_support(&self) -> bool {
        self.feature >= 10 || (self.feature == 8 && self.update >= 191)
    }

    /// The experimental `-XX:+UseCGroupMemoryLimitForHeap` (JDK-8170888) exists: 8u131 and later
    /// 8 updates, 9 and 10. It was removed in 11 (JDK-8194086); 17.0.15 rejects it at startup
    /// (measured).
    pub fn has_cgroup_memory_limit_for_heap_flag(&self) -> bool {
        (self.feature == 8 && self.update >= 131) || self.feature == 9 || self.feature == 10
    }

    /// cgroup v2 (unified hierarchy) is understood (JDK-8230305): 15 and later; backported to
    /// 11.0.16 and 8u372. A JDK without it in a v2-only container sees no limit at all.
    pub fn supports_cgroup_v2(&self) -> bool {
        self.feature >= 15 || self.at_exactly(11, 16) || self.at_exactly(8, 372)
    }

    /// A memory limit at or above the host's memory is ignored (JDK-8292083, fixed in 20).
    /// Backports: jdk17u-dev PR #646 and jdk11u-dev PR #1346 (Aug 2022), jdk8u-dev PR #180
    /// (Nov 2022); taken here as 17.0.6, 11.0.18 and 8u372 (release numbers inferred from those
    /// dates, not from release notes). Measured: 11.0.13 takes a 64Gi limit on a 24 GiB host at
    /// face value; 17.0.9 and 17.0.15 ignore it. 18 and 19 are taken as unfixed.
    pub fn ignores_limit_above_host(&self) -> bool {
        self.feature >= 20
            || self.at_exactly(17, 6)
            || self.at_exactly(11, 18)
            || self.at_exactly(8, 372)
    }

    /// When the JVM's own cgroup has a limit, limits on ancestor cgroups are also taken into
    /// account, the smallest winning (JDK-8322420, JDK 24). Before that, the nearest limit wins
    /// (measured: 11.0.13, 17.0.15 and 21.0.8 use a child's 2Gi under a parent's 1Gi).
    pub fn walks_cgroup_hierarchy(&self) -> bool {
        self.feature >= 24
    }

    /// `-XX:MaxRAMPercentage`, `-XX:MinRAMPercentage` and `-XX:InitialRAMPercentage`
    /// (JDK-8186248) exist: 10 and later, and 8u191 and later.
    pub fn has_ram_percentage_flags(&self) -> bool {
        self.container_support()
    }

    /// What the JVM does with the legacy `-XX:*RAMFraction` flags.
    pub fn ram_fraction_flags(&self) -> FlagStatus {
        if self.feature >= 25 {
            FlagStatus::RefusesToStart
        } else if self.feature >= 23 {
            FlagStatus::IgnoredWithWarning
        } else {
            FlagStatus::Accepted
        }
    }

    /// `-XX:MinHeapSize` exists and `-Xms` sets it as well as `InitialHeapSize` (JDK 13).
    pub fn has_min_heap_size_flag(&self) -> bool {
        self.feature >= 13
    }

    /// Any `*RAMPercentage`, `*RAMFraction` or `MaxRAM` flag makes the JVM switch compressed
    /// oops off rather than cap the heap at the compressed-oops limit, and use the physical
    /// memory without the 128 GiB `MaxRAM` clamp (JDK 13; measured absent on 11.0.13, present on
    /// 17; the exact change was not identified).
    pub fn ram_flags_override_coop_limit(&self) -> bool {
        self.feature >= 13
    }

    /// How G1 picks its region size when `G1HeapRegionSize` is not set.
    pub fn g1_region_rule(&self) -> G1RegionRule {
        if self.feature >= 15 {
            G1RegionRule::MaxHeapRoundUp
        } else {
            G1RegionRule::AverageHeapRoundDown
        }
    }

    /// G1's largest region (`HeapRegionBounds::max_size`): 32 MiB, 512 MiB from JDK 18.
    pub fn g1_max_region_size(&self) -> u64 {
        if self.feature >= 18 {
            512 << 20
        } else {
            32 << 20
        }
    }

    /// The alignment G1 reserves in front of the heap when it computes the compressed-oops
    /// ceiling (`G1Arguments::conservative_max_heap_alignment`): the largest region, except
    /// that JDK 25 went back to 32 MiB (JDK-8354145). Measured ceilings: 30688 MiB on 11 and 17,
    /// 30208 MiB on 21, 30688 MiB on 25.
    pub fn g1_conservative_alignment(&self) -> u64 {
        if (18..=24).contains(&self.feature) {
            512 << 20
        } else {
            32 << 20
        }
    }

    /// The collector a server-class machine gets: G1 since JDK 9 (JEP 248), Parallel on 8.
    pub fn server_default_gc(&self) -> crate::flags::Gc {
        if self.feature >= 9 {
            crate::flags::Gc::G1
        } else {
            crate::flags::Gc::Parallel
        }
    }

    /// The `java` launcher reads `JDK_JAVA_OPTIONS` (JDK 9, JEP 293 era launcher change).
    pub fn reads_jdk_java_options(&self) -> bool {
        self.feature >= 9
    }

    /// CPU shares (Kubernetes CPU requests) count towards the active processor count. Stopped in
    /// 19 (JDK-8281181), backported to 17.0.5 and 11.0.17 (per jdk17u-dev PR #517, jdk11u-dev
    /// PR #1196 and the Cloud Foundry buildpack's reading of them). JDK 8 is taken as still
    /// using shares (no backport found).
    pub fn uses_cpu_shares(&self) -> bool {
        !(self.feature >= 19 || self.at_exactly(17, 5) || self.at_exactly(11, 17))
    }

    /// True when `self.feature == feature` and its update is at least `update`.
    fn at_exactly(&self, feature: u32, update: u32) -> bool {
        self.feature == feature && self.update >= update
    }

    /// What the JVM does with a removed or renamed flag, if `name` (without `-XX:+`) is one.
    pub fn removed_flag(&self, name: &str) -> Option<RemovedFlag> {
        let f = self.feature;
        let (status, note): (FlagStatus, &'static str) = match name {
            "PermSize" | "MaxPermSize" if f >= 17 => {
                (FlagStatus::RefusesToStart, "the permanent generation was removed in JDK 8; JDK 17 no longer knows the flag")
            }
            "PermSize" | "MaxPermSize" if f >= 8 => {
                (FlagStatus::IgnoredWithWarning, "the permanent generation was removed in JDK 8 (class metadata lives in Metaspace)")
            }
            "UseConcMarkSweepGC" | "CMSInitiatingOccupancyFraction" | "UseCMSInitiatingOccupancyOnly"
                if f >= 17 =>
            {
                (FlagStatus::RefusesToStart, "CMS was removed in JDK 14 (JEP 363); 17.0.15 rejects the flag")
            }
            "UseConcMarkSweepGC" | "CMSInitiatingOccupancyFraction" | "UseCMSInitiatingOccupancyOnly"
                if f >= 14 =>
            {
                (FlagStatus::IgnoredWithWarning, "CMS was removed in JDK 14 (JEP 363): the default collector is used")
            }
            "UseParNewGC" if f >= 17 => (FlagStatus::RefusesToStart, "ParNew was removed in JDK 10"),
            "UseParNewGC" if f >= 10 => (FlagStatus::IgnoredWithWarning, "ParNew was removed in JDK 10"),
            "UseCGroupMemoryLimitForHeap" if f >= 11 => (
                FlagStatus::RefusesToStart,
                "removed in JDK 11 (JDK-8194086); container support is on by default since JDK 10",
            ),
            "MaxRAMFraction" | "MinRAMFraction" | "InitialRAMFraction" => match self.ram_fraction_flags() {
                FlagStatus::Accepted => return None,
                s => (s, "obsolete since JDK 23 (JDK-8324771): use MaxRAMPercentage, MinRAMPercentage, InitialRAMPercentage"),
            },
            _ => return None,
        };
        Some(RemovedFlag {
            flag: name.to_string(),
            status,
            note,
        })
    }
}

impl fmt::Display for JdkVersion {
    /// `8u372` for 8 and earlier, `17.0.9` for 9 and later; a bare `17` when the update was
    /// assumed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.update_assumed {
            write!(f, "{}", self.feature)
        } else if self.feature <= 8 {
            write!(f, "{}u{}", self.feature, self.update)
        } else {
            write!(f, "{}.0.{}", self.feature, self.update)
        }
    }
}

/// How G1 sizes its regions ergonomically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum G1RegionRule {
    /// JDK 8 to 14: `round_down_pow2(max((InitialHeapSize + MaxHeapSize) / 2 / 2048, 1 MiB))`.
    AverageHeapRoundDown,
    /// JDK 15 and later: `round_up_pow2(max(MaxHeapSize / 2048, 1 MiB))`.
    MaxHeapRoundUp,
}

/// What a JVM does with a flag it no longer supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagStatus {
    /// The flag works.
    Accepted,
    /// "Ignoring option …; support was removed in …": the JVM starts without it.
    IgnoredWithWarning,
    /// "Unrecognized VM option …": the JVM does not start.
    RefusesToStart,
}

/// A removed flag found in the options, and what the JVM does with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedFlag {
    /// The flag name, e.g. `UseConcMarkSweepGC`.
    pub flag: String,
    /// What happens.
    pub status: FlagStatus,
    /// Why.
    pub note: &'static str,
}

fn split_number(s: &str) -> Option<(u32, &str)> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if end == 0 || end > 6 {
        return None;
    }
    Some((s[..end].parse().ok()?, &s[end..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_people_write() {
        let known = |f, u| JdkVersion::new(f, u);
        let cases: &[(&str, JdkVersion)] = &[
            ("8", JdkVersion::latest(8)),
            ("8u372", known(8, 372)),
            ("8u181", known(8, 181)),
            ("8u372-b07", known(8, 372)),
            ("1.8", JdkVersion::latest(8)),
            ("1.8.0_372", known(8, 372)),
            ("1.8.0-372", known(8, 372)),
            ("1.8.0_191-b12", known(8, 191)),
            ("11", JdkVersion::latest(11)),
            ("11.0.16", known(11, 16)),
            ("11.0.16.1", known(11, 16)),
            ("17.0.9", known(17, 9)),
            ("17.0.9+9", known(17, 9)),
            ("17.0.9_9", known(17, 9)),
            ("jdk-17.0.9+9", known(17, 9)),
            ("17+35", known(17, 0)),
            ("17.0", known(17, 0)),
            ("21", JdkVersion::latest(21)),
            ("25", JdkVersion::latest(25)),
            ("21-jre", JdkVersion::latest(21)),
            ("v11.0.2", known(11, 2)),
        ];
        for (input, want) in cases {
            assert_eq!(&JdkVersion::parse(input).unwrap(), want, "{input}");
        }
        for bad in [
            "", "latest", "x8", "1.4.2", "1", "0", "8u", "1.8.0_", "abc", "3.0.1",
        ] {
            assert!(JdkVersion::parse(bad).is_err(), "{bad}");
        }
        assert!(JdkVersion::parse("17").unwrap().update_assumed);
        assert_eq!(JdkVersion::parse("17").unwrap().update, 19);
    }

    #[test]
    fn displays_in_each_scheme() {
        assert_eq!(JdkVersion::new(8, 372).to_string(), "8u372");
        assert_eq!(JdkVersion::new(17, 9).to_string(), "17.0.9");
        assert_eq!(JdkVersion::latest(21).to_string(), "21");
    }

    #[test]
    fn capabilities_by_update() {
        let v = |s: &str| JdkVersion::parse(s).unwrap();
        assert!(!v("8u181").container_support());
        assert!(v("8u181").has_cgroup_memory_limit_for_heap_flag());
        assert!(!v("8u121").has_cgroup_memory_limit_for_heap_flag());
        assert!(v("8u191").container_support());
        assert!(!v("9").container_support());
        assert!(v("10").container_support());
        assert!(!v("8u362").supports_cgroup_v2());
        assert!(v("8u372").supports_cgroup_v2());
        assert!(!v("11.0.15").supports_cgroup_v2());
        assert!(v("11.0.16").supports_cgroup_v2());
        assert!(!v("14").supports_cgroup_v2());
        assert!(v("15").supports_cgroup_v2());
        assert!(!v("11.0.13").ignores_limit_above_host());
        assert!(v("17.0.9").ignores_limit_above_host());
        assert!(!v("19").ignores_limit_above_host());
        assert!(v("20").ignores_limit_above_host());
        assert_eq!(v("11").g1_region_rule(), G1RegionRule::AverageHeapRoundDown);
        assert_eq!(v("17").g1_region_rule(), G1RegionRule::MaxHeapRoundUp);
        assert_eq!(v("21").g1_conservative_alignment(), 512 << 20);
        assert_eq!(v("25").g1_conservative_alignment(), 32 << 20);
        assert!(v("17.0.4").uses_cpu_shares());
        assert!(!v("17.0.5").uses_cpu_shares());
        assert!(!v("21").uses_cpu_shares());
        assert!(v("8").uses_cpu_shares());
    }

    #[test]
    fn removed_flags() {
        let v = |s: &str| JdkVersion::parse(s).unwrap();
        assert_eq!(
            v("17").removed_flag("UseConcMarkSweepGC").unwrap().status,
            FlagStatus::RefusesToStart
        );
        assert_eq!(
            v("14").removed_flag("UseConcMarkSweepGC").unwrap().status,
            FlagStatus::IgnoredWithWarning
        );
        assert!(v("11").removed_flag("UseConcMarkSweepGC").is_none());
        assert_eq!(
            v("8").removed_flag("MaxPermSize").unwrap().status,
            FlagStatus::IgnoredWithWarning
        );
        assert_eq!(
            v("25").removed_flag("MaxRAMFraction").unwrap().status,
            FlagStatus::RefusesToStart
        );
        assert_eq!(
            v("23").removed_flag("MaxRAMFraction").unwrap().status,
            FlagStatus::IgnoredWithWarning
        );
        assert!(v("17").removed_flag("MaxRAMFraction").is_none());
        assert_eq!(
            v("11")
                .removed_flag("UseCGroupMemoryLimitForHeap")
                .unwrap()
                .status,
            FlagStatus::RefusesToStart
        );
        assert!(v("8u181")
            .removed_flag("UseCGroupMemoryLimitForHeap")
            .is_none());
    }
}
