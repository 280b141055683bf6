//! The rule registry: every audit rule as data. `oomdoc rules`, the SARIF `rules[]` array and the
//! docs all render from this one table.

/// How much a finding matters; also the `--fail-on` threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Likely to cause an OOM kill or eviction.
    Warning,
    /// Wrong: rejected by the API server, or a certain kill.
    Error,
}

impl Severity {
    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One rule.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// Stable code, `OOM0xx` for Kubernetes rules, `OOM1xx` for JVM rules.
    pub code: &'static str,
    /// Stable kebab-case name.
    pub name: &'static str,
    /// Severity of its findings.
    pub severity: Severity,
    /// One line: what the rule finds.
    pub title: &'static str,
    /// Why it matters: the OOM mechanism, with the Kubernetes/kernel/JVM source it follows.
    pub explanation: &'static str,
    /// How to fix it.
    pub fix: &'static str,
    /// A manifest that triggers the rule.
    pub example: &'static str,
    /// The same manifest, fixed.
    pub example_fixed: &'static str,
}

/// Looks a rule up by its code alone (case-insensitive): what a finding carries. For what a
/// person writes, use [`rule_by_code_or_name`].
pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code.eq_ignore_ascii_case(code))
}

/// Looks a rule up by what a person writes for it: its code (`OOM003`) or its name
/// (`best-effort-pod`), case-insensitive, blanks around it ignored. Everything that takes a rule
/// from a user goes through here: `oomdoc rules CODE`, the `oomdoc.dev/ignore` annotation and
/// the Dockerfile comment of the same name.
pub fn rule_by_code_or_name(key: &str) -> Option<&'static Rule> {
    let key = key.trim();
    RULES
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(key) || r.name.eq_ignore_ascii_case(key))
}

/// Whether one of `keys` (codes or names, read by [`rule_by_code_or_name`]) is the rule `code`;
/// keys that name no rule match nothing.
pub fn names_rule<S: AsRef<str>>(keys: &[S], code: &str) -> bool {
    keys.iter().any(|k| {
        rule_by_code_or_name(k.as_ref()).is_some_and(|r| r.code.eq_ignore_ascii_case(code))
    })
}

/// Every rule, in code order: the Kubernetes rules (`OOM0xx`), then the JVM rules (`OOM1xx`).
pub static RULES: &[Rule] = &ALL_RULES;

const K8S: [Rule; crate::rules_k8s::K8S_RULES.len()] = crate::rules_k8s::K8S_RULES;
const JVM: [Rule; crate::rules_jvm::JVM_RULES.len()] = crate::rules_jvm::JVM_RULES;
static ALL_RULES: [Rule; K8S.len() + JVM.len()] = concat(K8S, JVM);

/// `a` then `b`, at compile time.
const fn concat<const A: usize, const B: usize, const N: usize>(
    a: [Rule; A],
    b: [Rule; B],
) -> [Rule; N] {
    assert!(A + B == N && A > 0);
    let mut out = [a[0]; N];
    let mut i = 0;
    while i < N {
        out[i] = if i < A { a[i] } else { b[i - A] };
        i += 1;
    }
    out
}
