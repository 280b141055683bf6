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

/// The declaration list: every rule once, as (variant, code, name). It generates [`RuleCode`],
/// its code and name strings and the order of [`RULES`] (checked at compile time), so a check
/// can only raise a rule that exists and the registry cannot miss one.
macro_rules! declare_rules {
    ($($variant:ident = $code:literal $name:literal,)*) => {
        /// A rule's stable identity. `Display` writes the code (`OOM003`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum RuleCode {
            $(#[doc = concat!("`", $code, "` ", $name)] $variant,)*
        }

        impl RuleCode {
            /// Every rule, in code order.
            pub const ALL: &'static [RuleCode] = &[$(RuleCode::$variant,)*];

            /// The stable code: `OOM0xx` for Kubernetes rules, `OOM1xx` for JVM rules.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(RuleCode::$variant => $code,)*
                }
            }

            /// The stable kebab-case name.
            pub const fn name(self) -> &'static str {
                match self {
                    $(RuleCode::$variant => $name,)*
                }
            }
        }
    };
}

declare_rules! {
    NoMemoryLimit = "OOM001" "no-memory-limit",
    NoMemoryRequest = "OOM002" "no-memory-request",
    BestEffortPod = "OOM003" "best-effort-pod",
    LimitBelowRequest = "OOM004" "limit-below-request",
    BurstableMemory = "OOM005" "burstable-memory",
    LargeLimitRatio = "OOM006" "large-limit-request-ratio",
    TmpfsNoSizeLimit = "OOM007" "memory-emptydir-without-size-limit",
    TmpfsOverLimit = "OOM008" "memory-emptydir-over-limit",
    TinyMemory = "OOM009" "tiny-memory-value",
    MemoryLimitOutOfRange = "OOM010" "memory-limit-out-of-range",
    UnknownIgnoredRule = "OOM011" "unknown-rule-in-ignore",
    HeapOverLimit = "OOM101" "jvm-heap-exceeds-limit",
    BudgetOverLimit = "OOM102" "jvm-budget-exceeds-limit",
    DefaultHeap = "OOM103" "jvm-default-heap-size",
    NotContainerAware = "OOM104" "jvm-not-container-aware",
    CgroupV2Unaware = "OOM105" "jvm-cgroup-v2-unaware",
    XmxWithoutLimit = "OOM106" "jvm-xmx-without-limit",
    RamPercentageTooHigh = "OOM107" "jvm-max-ram-percentage-too-high",
    RefusesToStart = "OOM108" "jvm-refuses-to-start",
    NoExitOnOom = "OOM109" "jvm-no-exit-on-out-of-memory",
    NoHeapDump = "OOM110" "jvm-no-heap-dump-on-out-of-memory",
    Openj9 = "OOM111" "jvm-openj9-not-modelled",
    OptionIgnored = "OOM112" "jvm-option-ignored",
    EnvTooLarge = "OOM113" "env-too-large-to-evaluate",
}

impl RuleCode {
    /// The rule with this exact code (`OOM003`), for codes read back from a report.
    pub fn from_code(code: &str) -> Option<RuleCode> {
        RuleCode::ALL.iter().copied().find(|c| c.as_str() == code)
    }

    /// The rule's metadata.
    pub fn rule(self) -> &'static Rule {
        &RULES[self as usize]
    }

    /// The rule's severity.
    pub fn severity(self) -> Severity {
        self.rule().severity
    }
}

impl std::fmt::Display for RuleCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for RuleCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for RuleCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

/// One rule's metadata.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// Which rule (its code and name).
    pub code: RuleCode,
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

impl Rule {
    /// The stable kebab-case name.
    pub fn name(&self) -> &'static str {
        self.code.name()
    }
}

/// Looks a rule up by its code alone (case-insensitive): what a finding carries. For what a
/// person writes, use [`rule_by_code_or_name`].
pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.code.as_str().eq_ignore_ascii_case(code))
}

/// Looks a rule up by what a person writes for it: its code (`OOM003`) or its name
/// (`best-effort-pod`), case-insensitive, blanks around it ignored. Everything that takes a rule
/// from a user goes through here: `oomdoc rules CODE`, the `oomdoc.dev/ignore` annotation and
/// the Dockerfile comment of the same name.
pub fn rule_by_code_or_name(key: &str) -> Option<&'static Rule> {
    let key = key.trim();
    RULES
        .iter()
        .find(|r| r.code.as_str().eq_ignore_ascii_case(key) || r.name().eq_ignore_ascii_case(key))
}

/// Whether one of `keys` (codes or names, read by [`rule_by_code_or_name`]) is the rule `code`;
/// keys that name no rule match nothing.
pub fn names_rule<S: AsRef<str>>(keys: &[S], code: RuleCode) -> bool {
    keys.iter()
        .any(|k| rule_by_code_or_name(k.as_ref()).is_some_and(|r| r.code == code))
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
    assert!(A + B == N && A > 0 && N == RuleCode::ALL.len());
    let mut out = [a[0]; N];
    let mut i = 0;
    while i < N {
        out[i] = if i < A { a[i] } else { b[i - A] };
        // `RuleCode::rule` indexes by variant: the metadata must follow the declaration list.
        assert!(out[i].code as usize == i);
        i += 1;
    }
    out
}
