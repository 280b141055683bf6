//! Pass 5: the JVM's own errors - `OutOfMemoryError` of every kind and native allocation
//! failures (hs_err files, or their header printed on stdout).

use oomdoc_evidence::jvm_log::JvmLogFact;

use super::{ev, first_oome, oome_kind_name, Decision};
use crate::incident::*;
use crate::join::Group;

pub(super) fn weigh_jvm(g: &Group, inc: &mut Incident) -> Option<Decision> {
    let mut decided = None;
    let term = g.terminated();
    // The JVM's pid from `kill -9 %p` or an hs_err file name, when no kernel line names one.
    for l in &g.jvm_logs {
        for f in &l.fact {
            match f {
                JvmLogFact::OnOomeCommand { pid, cited } => {
                    inc.evidence.push(ev(
                        &l.file,
                        cited,
                        "-XX:OnOutOfMemoryError ran its command on the error",
                    ));
                    if g.kernel.is_none() {
                        inc.victim.pid = inc.victim.pid.or(*pid);
                    }
                }
                JvmLogFact::HsErrSaved { pid, .. } if g.kernel.is_none() => {
                    inc.victim.pid = inc.victim.pid.or(*pid);
                }
                _ => {}
            }
        }
    }
    if let Some((file, kind, cited, terminating, fatal)) = first_oome(g) {
        inc.oome_kind = Some(oome_kind_name(kind));
        let note = if terminating {
            "ExitOnOutOfMemoryError: the JVM exited (code 3) on the error"
        } else {
            "the JVM threw OutOfMemoryError"
        };
        inc.evidence.push(ev(file, cited, note));
        let exit3 = term.and_then(|t| t.exit_code) == Some(3);
        decided = Some(Decision::new(
            Verdict::JvmOome,
            if fatal || exit3 {
                Level::High
            } else {
                Level::Medium
            },
            if exit3 || terminating {
                "the JVM's own OutOfMemoryError, and it exited on it (exit code 3), no kernel kill in the inputs"
            } else if fatal {
                "the JVM's own OutOfMemoryError, fatal to it, with no kernel kill in the inputs"
            } else {
                "an OutOfMemoryError logged by the application (no fatal banner, no exit shown), with no kernel kill in the inputs"
            },
        ));
    }
    for h in &g.hs_errs {
        let hs = &h.fact;
        if let Some(c) = &hs.insufficient_memory {
            inc.evidence.push(ev(
                &h.file,
                c,
                "hs_err: the JVM could not get memory from the OS",
            ));
        }
        if let Some((_, c)) = &hs.native_alloc {
            inc.evidence
                .push(ev(&h.file, c, "the native allocation that failed"));
        }
        if let Some((_, c)) = &hs.oom_error_at {
            inc.evidence
                .push(ev(&h.file, c, "where in HotSpot it failed"));
        }
        // `Out of Memory Error (os_linux.cpp:N)` is the report type of a native allocation
        // failure (HotSpot's `report_vm_out_of_memory`), even when the header lines are cut.
        if hs.insufficient_memory.is_some()
            || hs.native_alloc.is_some()
            || hs.oom_error_at.is_some()
        {
            inc.victim.pid = inc.victim.pid.or(hs.pid);
            inc.victim.process = inc.victim.process.take().or(Some("java".into()));
            if decided.is_none() {
                decided = Some(Decision::new(
                    Verdict::NativeAllocFailure,
                    Level::High,
                    "the JVM's fatal error report says it ran out of native memory (the OS refused an allocation)",
                ));
            }
        }
    }
    for l in &g.jvm_logs {
        for f in &l.fact {
            if let JvmLogFact::NativeAllocFailure { cited, .. } = f {
                inc.evidence
                    .push(ev(&l.file, cited, "the JVM could not get native memory"));
                if decided.is_none() {
                    decided = Some(Decision::new(
                        Verdict::NativeAllocFailure,
                        Level::High,
                        "the JVM printed a native allocation failure",
                    ));
                }
            }
        }
    }
    decided
}
