//! The JVM memory model behind oomdoc: what a HotSpot JVM will do with its memory inside a
//! container, to the byte where the JVM defines it, and with a stated rule or assumption where
//! the application does.
//!
//! Pure: no I/O, no processes, no clock. Readers and the CLI build the inputs; `tests/real_jvm.rs`
//! proves the ergonomics against a real `java` in real cgroups.
//!
//! - [`version`]: JDK versions as written (`8u372`, `1.8.0_372`, `17.0.9+9`, `21`) and what each
//!   can do (container support, cgroup v2, JDK-8292083, removed flags).
//! - [`flags`]: option splitting, the JVM's source order (`JAVA_TOOL_OPTIONS`, `JDK_JAVA_OPTIONS`,
//!   command line, `_JAVA_OPTIONS`) and the memory options, each with the option that set it.
//! - [`mod@ergonomics`]: physical memory, CPUs, collector, and `MaxHeapSize` / `InitialHeapSize` /
//!   `MinHeapSize` exactly as `-XX:+PrintFlagsFinal` shows them.
//! - [`budget`]: every pool against the limit (heap, metaspace, code cache, stacks, direct
//!   buffers, GC structures, other native), each with its provenance.
//! - [`mod@recommend`]: flags and a request/limit that fit, with a stated margin.
//! - [`mod@detect`]: whether a container runs a JVM, its JDK from the image tag, and its options
//!   from command, args and env (`$(VAR)` expanded as Kubernetes does).
//!
//! Modelled: HotSpot 8 to 26 on Linux x86_64 with 4 KiB pages; Serial, Parallel, G1, ZGC,
//! Shenandoah (and CMS/Epsilon alignment). Measured against a real JVM: 17.0.15 here, and the
//! research note's 11.0.13, 17.0.9, 21.0.8, 25.0.x tables in unit tests. Not modelled: OpenJ9
//! (detected and reported as such), large pages, `ulimit -v`, nested cgroup limits below the
//! JVM's own cgroup (the JVM's nearest limit is taken as the container limit).
//!
//! # Example
//!
//! The seed incident: a 4Gi limit, no heap flags, JDK 17.
//!
//! ```
//! use oomdoc_jvm::{analyze, JvmInput};
//! use oomdoc_jvm::ergonomics::{CgroupVersion, Cpus, Environment};
//! use oomdoc_jvm::budget::Workload;
//! use oomdoc_jvm::version::JdkVersion;
//!
//! let input = JvmInput {
//!     jdk: JdkVersion::parse("17").unwrap(),
//!     sources: vec![],
//!     env: Environment {
//!         host_memory: 64 << 30,
//!         host_cpus: 8,
//!         memory_limit: Some(4 << 30),
//!         cgroup: CgroupVersion::V2,
//!         cpus: Cpus::Count(2),
//!     },
//!     workload: Workload::default(),
//! };
//! let a = analyze(&input);
//! assert_eq!(a.ergonomics.max_heap.value, 1 << 30); // 25% of 4Gi
//! assert_eq!(a.ergonomics.gc.name(), "G1");
//! assert!(a.budget.headroom.unwrap() > 0);
//! ```

pub mod budget;
pub mod container;
pub mod detect;
pub mod ergonomics;
pub mod flags;
pub mod recommend;
pub mod version;

pub use budget::{Budget, Pool, Provenance, Workload};
pub use detect::{detect, ContainerInput, Detection, Runtime};
pub use ergonomics::{ergonomics, CgroupVersion, Cpus, Environment, Ergonomics};
pub use flags::{FlagSource, Gc, JvmFlags, Setting};
pub use recommend::{recommend, Margin, Recommendation};
pub use version::JdkVersion;

/// Everything needed to model one JVM.
#[derive(Debug, Clone, PartialEq)]
pub struct JvmInput {
    /// The JDK.
    pub jdk: JdkVersion,
    /// Options by source, in any order (they are applied in the JVM's order).
    pub sources: Vec<(FlagSource, Vec<String>)>,
    /// The node and container.
    pub env: Environment,
    /// Threads and classes for the budget.
    pub workload: Workload,
}

/// The model's answer for one JVM.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// The effective options.
    pub flags: JvmFlags,
    /// What HotSpot decides at startup.
    pub ergonomics: Ergonomics,
    /// The whole-process budget against the limit.
    pub budget: Budget,
}

/// Runs flags, ergonomics and budget for `input`.
pub fn analyze(input: &JvmInput) -> Analysis {
    let flags = JvmFlags::parse(&input.sources, &input.jdk);
    let ergonomics = ergonomics::ergonomics(&input.jdk, &flags, &input.env);
    let budget = budget::budget(&ergonomics, &flags, input.workload, input.env.memory_limit);
    Analysis {
        flags,
        ergonomics,
        budget,
    }
}
