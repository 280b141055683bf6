//! Where JSON and YAML objects sit inside a pasted text: a `kubectl get -o json` between a
//! describe and a dmesg, a YAML pod under a shell prompt. Each block is cut out with its first line
//! number, so the readers that parse it cite the lines the user sees.

/// One JSON or YAML block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block<'a> {
    /// 1-based line of its first line in the text.
    pub first_line: u32,
    /// 1-based line of its last line.
    pub last_line: u32,
    /// The block's text (whole lines).
    pub text: &'a str,
}

/// Lines of YAML that start an object worth parsing.
const YAML_STARTS: &[&str] = &[
    "apiVersion:",
    "kind:",
    "items:",
    "metadata:",
    "status:",
    "- apiVersion:",
    "involvedObject:",
];

fn indent(l: &str) -> usize {
    l.len() - l.trim_start_matches(' ').len()
}

/// `key:` or `key: value` or `- ...` or a continuation of a quoted or block scalar.
fn yamlish(l: &str) -> bool {
    let t = l.trim_start();
    if t.starts_with("- ") || t == "-" || t.starts_with('#') || t == "---" {
        return true;
    }
    let Some(colon) = t.find(':') else {
        return false;
    };
    let key = &t[..colon];
    !key.is_empty()
        && key.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/' | b'"' | b'\'')
        })
        && (t.len() == colon + 1 || t.as_bytes()[colon + 1] == b' ')
}

/// The offset just past the JSON value that starts at `s[0]` (`{` or `[`), string-aware; the end
/// of `s` when it never closes (a truncated paste).
fn json_end(s: &[u8]) -> usize {
    let mut depth = 0usize;
    let mut in_str = false;
    let mut esc = false;
    for (i, &b) in s.iter().enumerate() {
        if in_str {
            match b {
                _ if esc => esc = false,
                b'\\' => esc = true,
                b'"' => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
    }
    s.len()
}

/// The JSON and YAML blocks in `text`, in order, not overlapping.
pub fn find_blocks(text: &str) -> Vec<Block<'_>> {
    let mut out = Vec::new();
    // Line starts.
    let mut starts = vec![0usize];
    starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
    let line_at = |off: usize| starts.partition_point(|&s| s <= off) as u32;
    let nlines = starts.len();
    let line_text = |i: usize| {
        let a = starts[i];
        let b = starts.get(i + 1).map_or(text.len(), |e| e - 1);
        &text[a..b.max(a)]
    };
    let mut i = 0;
    while i < nlines {
        let l = line_text(i);
        let t = l.trim_start();
        let json = t.starts_with('{')
            || (t.starts_with('[') && t[1..].trim_start().starts_with(['{', '"']))
            || (t == "[" && i + 1 < nlines && line_text(i + 1).trim_start().starts_with('{'));
        if json {
            let a = starts[i] + (l.len() - t.len());
            let end = a + json_end(&text.as_bytes()[a..]);
            let last = line_at(end.saturating_sub(1).max(a));
            let b = starts
                .get(last as usize)
                .map_or(text.len(), |e| e - 1)
                .max(end);
            out.push(Block {
                first_line: i as u32 + 1,
                last_line: last,
                text: &text[starts[i]..b.min(text.len())],
            });
            i = last as usize;
            continue;
        }
        if YAML_STARTS.iter().any(|k| t.starts_with(k)) {
            let base = indent(l);
            let mut j = i + 1;
            let mut last = i;
            while j < nlines {
                let lj = line_text(j);
                if lj.trim().is_empty() {
                    j += 1;
                    continue;
                }
                let ind = indent(lj);
                if ind > base || (ind == base && yamlish(lj)) {
                    last = j;
                    j += 1;
                } else {
                    break;
                }
            }
            let a = starts[i];
            let b = starts.get(last + 1).map_or(text.len(), |e| e - 1);
            out.push(Block {
                first_line: i as u32 + 1,
                last_line: last as u32 + 1,
                text: &text[a..b.max(a)],
            });
            i = last + 1;
            continue;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::find_blocks;

    #[test]
    fn json_and_yaml_between_other_text() {
        let t = "$ kubectl get pod x -o json\n{\n  \"kind\": \"Pod\",\n  \"s\": \"}\"\n}\n[ 1.0] dmesg line\napiVersion: v1\nkind: Pod\nstatus:\n  phase: Failed\n$ next\n";
        let b = find_blocks(t);
        assert_eq!(b.len(), 2);
        assert_eq!((b[0].first_line, b[0].last_line), (2, 5));
        assert!(b[0].text.ends_with('}'));
        assert_eq!((b[1].first_line, b[1].last_line), (7, 10));
    }

    #[test]
    fn a_truncated_json_runs_to_the_end() {
        let b = find_blocks("{\"a\": [1,\n2");
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].last_line, 2);
    }
}
