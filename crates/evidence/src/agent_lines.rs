//! The JSON lines `oomdoc agent` writes for each OOM kill (`kubectl logs ds/oomdoc-agent`):
//! each carries the kernel's report as it was read from `/dev/kmsg` (`kernel_report`), which is
//! the evidence; the rest of the line (the agent's own verdict, the quoted lines in it) is not
//! read again, so a kill is not counted twice.

use oomdoc_document::value::load;

/// A text's agent lines, taken out of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgentLines {
    /// The text with every agent line blanked (line numbers kept), for the other readers.
    pub rest: String,
    /// (1-based line of the agent line, its kernel report as lines of text).
    pub reports: Vec<(u32, String)>,
}

/// The kernel report of one agent line; `None` for any other line.
fn kernel_report(line: &str) -> Option<String> {
    let t = line.trim();
    if !(t.starts_with('{') && t.contains("\"kernel_report\":[")) {
        return None;
    }
    let doc = load(t).ok()?.into_iter().next()?;
    let lines: Vec<&str> = doc
        .get("kernel_report")?
        .items()
        .iter()
        .filter_map(|n| n.str())
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n") + "\n")
}

/// Splits the agent lines out of `text`; `None` when it has none.
pub fn split(text: &str) -> Option<AgentLines> {
    if !text.contains("\"kernel_report\":[") {
        return None;
    }
    let mut out = AgentLines::default();
    for (i, line) in text.split_inclusive('\n').enumerate() {
        match kernel_report(line) {
            Some(r) => {
                out.reports.push((i as u32 + 1, r));
                if line.ends_with('\n') {
                    out.rest.push('\n');
                }
            }
            None => out.rest.push_str(line),
        }
    }
    (!out.reports.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_lines_give_their_kernel_report_and_leave_the_rest() {
        let text = "first line\n{\"time\":\"2026-12-07T02:46:17.000Z\",\"pod\":\"p\",\"incident\":{\"evidence\":[{\"text\":\"Killed process 1 (x)\"}]},\"kernel_report\":[\"6,1,1,-;a\",\"6,2,2,-;b\"]}\nlast\n";
        let a = split(text).unwrap();
        assert_eq!(a.rest, "first line\n\nlast\n");
        assert_eq!(a.reports, vec![(2, "6,1,1,-;a\n6,2,2,-;b\n".to_string())]);
        assert!(split("no agent here\n").is_none());
        assert!(split("{\"kernel_report\":[ broken\n").is_none());
    }
}
