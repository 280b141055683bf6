//! Arbitrary bytes as what the node agent reads: a burst of kernel log records (every report
//! explained and keyed, with its lines kept), a cgroup's memory files (v1 and v2), and oomdoc
//! agent JSON lines read back by `explain`. Nothing may panic; a kill's report lines are lines of
//! the burst.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oomdoc_agent::components::{sample, CgroupFiles};
use oomdoc_agent::kills::kills_in;
use oomdoc_model::cgroup::CgroupVersion;

fuzz_target!(|data: &[u8]| {
    let lines = data.split(|&b| b == b'\n').count();
    for k in kills_in("/dev/kmsg", data).kills {
        assert!(k.report.len() <= lines);
    }
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(4, '\u{0}');
    let files = CgroupFiles {
        stat: parts.next().map(str::to_string),
        usage: parts.next().map(str::to_string),
        limit: parts.next().map(str::to_string),
        kmem: parts.next().map(str::to_string),
    };
    for v in [CgroupVersion::V1, CgroupVersion::V2] {
        let s = sample(v, &files);
        assert!(s.components.len() <= oomdoc_agent::components::Component::ALL.len());
    }
    if let Some(a) = oomdoc_evidence::agent_lines::split(&text) {
        assert!(a.rest.lines().count() <= text.lines().count());
    }
});
