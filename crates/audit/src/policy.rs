//! The audit policy of a team (`.oomdoc.yaml`) as data, and what it does to findings. Pure: the
//! CLI finds and reads the file (`crates/cli/src/policy_file.rs`) and hands the audit a
//! [`Policy`]; the audit applies it to every finding ([`Policy::apply`]) and its checks read the
//! limits it sets ([`Policy::memory_limit`], [`Policy::limit_request_ratio`]).

use crate::finding::Finding;
use crate::registry::{RuleCode, Severity};
use crate::rules_k8s::MAX_LIMIT_REQUEST_RATIO;

/// What the policy says of one rule: off, or reported at another severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleSetting {
    /// Not reported.
    Off,
    /// Reported at this severity instead of the rule's own.
    Severity(Severity),
}

/// A shell glob as `fnmatch(3)` reads it, for the names of [`Exemption`]s: `*` any text, `?` one
/// character, `[abc]`, `[a-z]`, `[!a]` (or `[^a]`) one character of (not of) a set, `\x` the
/// character `x`. Case-sensitive, as Kubernetes names are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Glob {
    pattern: Vec<char>,
}

impl Glob {
    /// The glob, or why it is not one (a `[` never closed, a `\` at the end).
    pub fn new(pattern: &str) -> Result<Glob, String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '\\' if i + 1 == chars.len() => {
                    return Err(format!("glob {pattern:?} ends with a lone \\"))
                }
                '\\' => i += 1,
                '[' => match class_end(&chars, i) {
                    Some(end) => i = end,
                    None => return Err(format!("glob {pattern:?} has a [ that is never closed")),
                },
                _ => {}
            }
            i += 1;
        }
        Ok(Glob { pattern: chars })
    }

    /// Whether the whole of `text` matches.
    pub fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().collect();
        let p = &self.pattern;
        let (mut pi, mut ti) = (0, 0);
        // Where to resume after the last `*`: (pattern index after it, text index it covers to).
        let mut star: Option<(usize, usize)> = None;
        while ti < text.len() {
            let step = match p.get(pi) {
                Some('*') => {
                    star = Some((pi + 1, ti));
                    pi += 1;
                    continue;
                }
                Some('?') => Some(pi + 1),
                Some('[') => {
                    let end = class_end(p, pi).unwrap_or(pi);
                    class_matches(&p[pi + 1..end], text[ti]).then_some(end + 1)
                }
                Some('\\') if pi + 1 < p.len() => (p[pi + 1] == text[ti]).then_some(pi + 2),
                Some(&c) => (c == text[ti]).then_some(pi + 1),
                None => None,
            };
            match (step, star) {
                (Some(next), _) => {
                    pi = next;
                    ti += 1;
                }
                (None, Some((after, covered))) => {
                    pi = after;
                    ti = covered + 1;
                    star = Some((after, covered + 1));
                }
                (None, None) => return false,
            }
        }
        p[pi..].iter().all(|&c| c == '*')
    }
}

/// The index of the `]` closing the class that opens at `open`; a `]` right after `[` (or
/// `[!`) is a member, as in the shell.
fn class_end(p: &[char], open: usize) -> Option<usize> {
    let mut i = open + 1;
    if matches!(p.get(i), Some('!' | '^')) {
        i += 1;
    }
    if p.get(i) == Some(&']') {
        i += 1;
    }
    while i < p.len() {
        match p[i] {
            ']' => return Some(i),
            '\\' => i += 2,
            _ => i += 1,
        }
    }
    None
}

/// Whether `c` is in the class written `body` (between the brackets).
fn class_matches(body: &[char], c: char) -> bool {
    let (negated, body) = match body.first() {
        Some('!' | '^') => (true, &body[1..]),
        _ => (false, body),
    };
    let mut i = 0;
    let mut found = false;
    while i < body.len() {
        let lo = if body[i] == '\\' && i + 1 < body.len() {
            i += 1;
            body[i]
        } else {
            body[i]
        };
        if body.get(i + 1) == Some(&'-') && i + 2 < body.len() {
            found |= (lo..=body[i + 2]).contains(&c);
            i += 3;
        } else {
            found |= lo == c;
            i += 1;
        }
    }
    found != negated
}

/// One entry of `exempt:`: the findings it drops. A field left out matches anything; `container`
/// matches only findings about a container (a pod-wide finding such as OOM003 has none).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Exemption {
    /// The workload's namespace (`default` when the object has none).
    pub namespace: Option<Glob>,
    /// The workload's kind.
    pub kind: Option<Glob>,
    /// The workload's name.
    pub name: Option<Glob>,
    /// The container's name.
    pub container: Option<Glob>,
    /// The rules dropped; `None`: every rule.
    pub rules: Option<Vec<RuleCode>>,
}

impl Exemption {
    /// Whether the entry drops `f`.
    pub fn matches(&self, f: &Finding) -> bool {
        // `Kind/namespace/name`, as `oomdoc_model::pod::object_id` writes it.
        let mut parts = f.workload.splitn(3, '/');
        let (kind, namespace, name) = (parts.next(), parts.next(), parts.next());
        let field = |glob: &Option<Glob>, value: Option<&str>| {
            glob.as_ref()
                .is_none_or(|g| value.is_some_and(|v| g.matches(v)))
        };
        field(&self.kind, kind)
            && field(&self.namespace, namespace)
            && field(&self.name, name)
            && field(&self.container, f.container.as_deref())
            && self.rules.as_ref().is_none_or(|r| r.contains(&f.code))
    }
}

/// The memory limits a team allows (`memory-limit: {min, max}`), in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryRange {
    /// The smallest limit allowed.
    pub min: Option<i64>,
    /// The largest limit allowed.
    pub max: Option<i64>,
}

/// A team's audit policy. The default policy changes nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Policy {
    /// `rules:` off or a severity per rule, in the order written (a later entry wins).
    pub rules: Vec<(RuleCode, RuleSetting)>,
    /// `exempt:` findings dropped by workload, container and rule.
    pub exempt: Vec<Exemption>,
    /// `memory-limit:` turns on [`RuleCode::MemoryLimitOutOfRange`].
    pub memory_limit: Option<MemoryRange>,
    /// `max-limit-to-request-ratio:` the threshold of [`RuleCode::LargeLimitRatio`] (OOM006)
    /// instead of [`MAX_LIMIT_REQUEST_RATIO`].
    pub max_limit_to_request_ratio: Option<f64>,
}

impl Policy {
    /// What `rules:` says of `code`, if anything.
    pub fn setting(&self, code: RuleCode) -> Option<RuleSetting> {
        self.rules
            .iter()
            .rev()
            .find(|(c, _)| *c == code)
            .map(|&(_, s)| s)
    }

    /// The limit/request ratio above which OOM006 fires.
    pub fn limit_request_ratio(&self) -> f64 {
        self.max_limit_to_request_ratio
            .unwrap_or(MAX_LIMIT_REQUEST_RATIO)
    }

    /// Whether an `exempt:` entry drops `f`.
    pub fn exempts(&self, f: &Finding) -> bool {
        self.exempt.iter().any(|e| e.matches(f))
    }

    /// Drops the findings the policy turns off or exempts, and gives the others the severity the
    /// policy sets for their rule.
    pub fn apply(&self, findings: &mut Vec<Finding>) {
        if self == &Policy::default() {
            return;
        }
        findings.retain_mut(|f| {
            match self.setting(f.code) {
                Some(RuleSetting::Off) => return false,
                Some(RuleSetting::Severity(s)) => f.severity = s,
                None => {}
            }
            !self.exempts(f)
        });
    }

    /// The policy a rule's example is audited with: none, except for a rule that is off unless
    /// a policy turns it on, which gets the README's example policy (`memory-limit: {min: 64Mi,
    /// max: 16Gi}`).
    pub fn for_example(code: RuleCode) -> Policy {
        match code {
            RuleCode::MemoryLimitOutOfRange => Policy {
                memory_limit: Some(MemoryRange {
                    min: Some(64 << 20),
                    max: Some(16 << 30),
                }),
                ..Policy::default()
            },
            _ => Policy::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(p: &str) -> Glob {
        Glob::new(p).unwrap()
    }

    #[test]
    fn globs_match_as_the_shell_does() {
        for (p, yes, no) in [
            (
                "kube-*",
                &["kube-system", "kube-"][..],
                &["kube", "my-kube-x"][..],
            ),
            ("*", &["", "anything"], &[]),
            ("a?c", &["abc", "a-c"], &["ac", "abbc"]),
            ("[a-c]x", &["ax", "cx"], &["dx", "x"]),
            ("[!a-c]x", &["dx"], &["ax"]),
            ("[^a]", &["b"], &["a"]),
            ("[]]", &["]"], &["a"]),
            ("*-job-*", &["nightly-job-1", "-job-"], &["nightly-job"]),
            ("\\*", &["*"], &["a"]),
            ("a*b*c", &["abc", "aXbYbZc"], &["acb", "abcd"]),
            ("batch", &["batch"], &["Batch", "batch2"]),
        ] {
            for y in yes {
                assert!(glob(p).matches(y), "{p:?} should match {y:?}");
            }
            for n in no {
                assert!(!glob(p).matches(n), "{p:?} should not match {n:?}");
            }
        }
        assert!(Glob::new("[abc").is_err());
        assert!(Glob::new("abc\\").is_err());
        assert!(Glob::new("[!]").is_err());
    }
}
