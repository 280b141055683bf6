//! Every rule has a manifest that triggers it and one that does not; positions and messages are
//! asserted where they matter.

use oomdoc_audit::policy::{Exemption, Glob, MemoryRange, RuleSetting};
use oomdoc_audit::registry::rule_by_code_or_name;
use oomdoc_audit::{
    audit, audit_with_policy, rule, Assumptions, AuditInput, Finding, Policy, RuleCode, Severity,
    RULES,
};
use oomdoc_manifest::{read_str, Item};

const GI: i64 = 1 << 30;

fn run(yaml: &str) -> oomdoc_audit::AuditReport {
    run_with(yaml, Policy::default())
}

fn run_with(yaml: &str, policy: Policy) -> oomdoc_audit::AuditReport {
    let mut workloads = Vec::new();
    let mut limit_ranges = Vec::new();
    for item in read_str("test.yaml", yaml) {
        match item {
            Item::Workload(w) => workloads.push(w),
            Item::LimitRange(l) => limit_ranges.push(l),
            Item::Dockerfile(_) => unreachable!("YAML input"),
            Item::Error(e) => panic!("unexpected input error: {e}"),
        }
    }
    audit_with_policy(
        &AuditInput {
            workloads: &workloads,
            limit_ranges: &limit_ranges,
            dockerfiles: &[],
            image_bindings: &[],
            assumptions: Assumptions::with_node_memory(16 * GI),
        },
        policy,
    )
}

fn codes(yaml: &str) -> Vec<&'static str> {
    run(yaml).findings.iter().map(|f| f.code.as_str()).collect()
}

fn only<'a>(findings: &'a [Finding], code: &str) -> Vec<&'a Finding> {
    findings.iter().filter(|f| f.code == code).collect()
}

/// A pod with one container whose `resources:` block is `res` (already indented by 4).
fn pod(res: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: app\n    image: x\n{res}"
    )
}

const GUARANTEED: &str =
    "    resources:\n      requests: {cpu: 1, memory: 1Gi}\n      limits: {cpu: 1, memory: 1Gi}\n";

#[test]
fn guaranteed_pod_has_no_findings() {
    let r = run(&pod(GUARANTEED));
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert_eq!(r.workloads[0].qos_class.as_str(), "Guaranteed");
    assert_eq!(r.workloads[0].containers[0].oom_score_adj, -997);
}

#[test]
fn oom001_no_memory_limit() {
    let yaml = pod("    resources:\n      requests:\n        memory: 1Gi\n");
    let r = run(&yaml);
    let f = only(&r.findings, "OOM001");
    assert_eq!(f.len(), 1);
    // Points at the `requests:` mapping's parent `resources:` since `limits:` is absent.
    assert_eq!(f[0].pos.line, 9);
    assert_eq!(f[0].container.as_deref(), Some("app"));
    assert!(!codes(&pod(GUARANTEED)).contains(&"OOM001"));
    // A pod-level memory limit bounds the containers.
    let pod_level = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  resources:\n    limits: {memory: 2Gi}\n  containers:\n  - name: app\n    resources: {requests: {memory: 1Gi}}\n";
    assert!(!codes(pod_level).contains(&"OOM001"));
}

#[test]
fn oom002_no_memory_request() {
    let yaml = pod("    resources:\n      requests:\n        cpu: 100m\n");
    assert!(codes(&yaml).contains(&"OOM002"));
    // A limit alone is copied into the request by the API server.
    assert!(
        !codes(&pod("    resources:\n      limits:\n        memory: 1Gi\n")).contains(&"OOM002")
    );
}

#[test]
fn oom003_best_effort_pod_reported_once() {
    let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        image: x\n      - name: b\n        image: z\n";
    let r = run(yaml);
    assert_eq!(codes(yaml), vec!["OOM003"]);
    assert_eq!(r.workloads[0].containers[1].oom_score_adj, 1000);
    assert!(!codes(&pod(GUARANTEED)).contains(&"OOM003"));
}

#[test]
fn oom004_limit_below_request() {
    let yaml = pod("    resources:\n      requests:\n        memory: 2Gi\n      limits:\n        memory: 1Gi\n");
    let r = run(&yaml);
    let f = only(&r.findings, "OOM004");
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].pos.line, f[0].pos.column),
        (13, 17),
        "points at the limit value"
    );
    assert!(
        f[0].message.contains("1Gi is below the request 2Gi"),
        "{}",
        f[0].message
    );
    assert!(!codes(&pod(GUARANTEED)).contains(&"OOM004"));
    // cpu too
    assert!(codes(&pod(
        "    resources:\n      requests: {cpu: 2}\n      limits: {cpu: 1500m}\n"
    ))
    .contains(&"OOM004"));
}

#[test]
fn oom004_limitrange_default_below_request() {
    let yaml = "apiVersion: v1\nkind: LimitRange\nmetadata: {name: lr, namespace: ns}\nspec:\n  limits:\n  - type: Container\n    default: {memory: 512Mi}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec:\n  containers:\n  - name: app\n    resources: {requests: {memory: 1Gi}}\n";
    let r = run(yaml);
    let f = only(&r.findings, "OOM004");
    assert_eq!(f.len(), 1, "{:?}", r.findings);
    assert!(
        f[0].message.contains("LimitRange ns/lr"),
        "{}",
        f[0].message
    );
}

#[test]
fn oom005_burstable_memory_gives_oom_score_adj() {
    let yaml = pod("    resources:\n      requests:\n        memory: 2Gi\n      limits:\n        memory: 4Gi\n");
    let r = run(&yaml);
    let f = only(&r.findings, "OOM005");
    assert_eq!(f.len(), 1);
    // 1000 - 1000*2Gi/16Gi = 875
    assert!(
        f[0].message.contains("oom_score_adj 875"),
        "{}",
        f[0].message
    );
    assert_eq!(r.workloads[0].containers[0].oom_score_adj, 875);
    assert!(!codes(&pod(GUARANTEED)).contains(&"OOM005"));
}

#[test]
fn oom006_large_ratio() {
    let yaml = pod("    resources:\n      requests:\n        memory: 256Mi\n      limits:\n        memory: 2Gi\n");
    let r = run(&yaml);
    let f = only(&r.findings, "OOM006");
    assert_eq!(f.len(), 1);
    assert!(f[0].message.contains("8.0x"), "{}", f[0].message);
    // exactly 2x is allowed
    assert!(!codes(&pod("    resources:\n      requests:\n        memory: 1Gi\n      limits:\n        memory: 2Gi\n")).contains(&"OOM006"));
}

const TMPFS: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: app\n    resources: {limits: {memory: 1Gi}}\n    volumeMounts: [{name: v, mountPath: /v}]\n  volumes:\n  - name: v\n    emptyDir:\n";

#[test]
fn oom007_memory_emptydir_without_size_limit() {
    let r = run(&format!("{TMPFS}      medium: Memory\n"));
    let f = only(&r.findings, "OOM007");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].pos.line, 12);
    assert!(!codes(&format!(
        "{TMPFS}      medium: Memory\n      sizeLimit: 256Mi\n"
    ))
    .contains(&"OOM007"));
    // Disk-backed emptyDir is not tmpfs.
    assert!(!codes(&format!("{TMPFS}      sizeLimit: 2Gi\n")).contains(&"OOM007"));
}

#[test]
fn oom008_tmpfs_larger_than_limit() {
    let r = run(&format!(
        "{TMPFS}      medium: Memory\n      sizeLimit: 2Gi\n"
    ));
    let f = only(&r.findings, "OOM008");
    assert_eq!(f.len(), 1);
    assert!(
        f[0].message.contains("container \"app\" (which mounts it)"),
        "{}",
        f[0].message
    );
    assert!(!codes(&format!(
        "{TMPFS}      medium: Memory\n      sizeLimit: 512Mi\n"
    ))
    .contains(&"OOM008"));
    // Disk-backed volumes are not charged to memory.
    assert!(!codes(&format!("{TMPFS}      sizeLimit: 2Gi\n")).contains(&"OOM008"));
}

#[test]
fn oom009_tiny_memory_value() {
    let r = run(&pod(
        "    resources:\n      limits:\n        memory: 128m\n",
    ));
    let f = only(&r.findings, "OOM009");
    assert_eq!(
        f.len(),
        1,
        "reported once, not again for the defaulted request"
    );
    assert!(f[0].help.contains("128Mi"), "{}", f[0].help);
    assert!(!codes(&pod(
        "    resources:\n      limits:\n        memory: 128Mi\n"
    ))
    .contains(&"OOM009"));
}

#[test]
fn ignore_annotation_silences_listed_codes_only() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    oomdoc.dev/ignore: OOM005, oom006\nspec:\n  containers:\n  - name: app\n    resources: {requests: {memory: 1Mi}, limits: {memory: 2Gi}}\n";
    let c = codes(yaml);
    assert!(!c.contains(&"OOM005") && !c.contains(&"OOM006"), "{c:?}");
    assert!(c.contains(&"OOM009"), "{c:?}");
}

#[test]
fn ignore_annotation_takes_rule_names_in_any_case() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    oomdoc.dev/ignore: burstable-memory LARGE-Limit-Request-Ratio,no-such-rule\nspec:\n  containers:\n  - name: app\n    resources: {requests: {memory: 256Mi}, limits: {memory: 2Gi}}\n  - name: b\n    resources: {limits: {memory: 128m}}\n";
    let plain = codes(&yaml.replace("oomdoc.dev/ignore", "other"));
    assert_eq!(plain, ["OOM005", "OOM006", "OOM009"]);
    // `no-such-rule` silences nothing and is said (OOM011, at the annotation).
    assert_eq!(codes(yaml), ["OOM011", "OOM009"]);
    assert_eq!(
        codes(&yaml.replace("LARGE-Limit-Request-Ratio", "large-limit")),
        ["OOM011", "OOM011", "OOM006", "OOM009"],
        "a name is matched whole"
    );
}

#[test]
fn oom011_an_ignored_key_that_names_no_rule_is_said_with_a_guess() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    oomdoc.dev/ignore: OOM3, oom-three, OOM003\nspec:\n  containers:\n  - name: app\n";
    let report = run(yaml);
    let found: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        found,
        [
            "oomdoc.dev/ignore names \"OOM3\", which is no rule (did you mean OOM003?): it silences nothing",
            "oomdoc.dev/ignore names \"oom-three\", which is no rule: it silences nothing",
        ],
        "OOM003 itself is silenced by the third key"
    );
    assert_eq!(report.findings[0].pos.line, 6);
}

#[test]
fn rules_are_found_by_code_or_name() {
    for r in RULES {
        for key in [
            r.code.to_string(),
            r.code.as_str().to_lowercase(),
            r.name().to_string(),
            r.name().to_uppercase(),
            format!(" {} ", r.name()),
        ] {
            assert_eq!(
                rule_by_code_or_name(&key).map(|x| x.code),
                Some(r.code),
                "{key:?}"
            );
        }
    }
    for key in ["", "OOM", "best-effort", "best_effort_pod", "OOM999"] {
        assert!(rule_by_code_or_name(key).is_none(), "{key:?}");
    }
}

/// A rule's example as `oomdoc rules CODE` prints it, made a Pod: a fragment that starts with
/// `containers:` or `volumes:` is the pod's `spec`; any other (`resources:`, `env:`) holds the
/// fields of its one container, `app`.
fn example_pod(fragment: &str) -> String {
    fn indent(s: &str) -> String {
        s.lines().map(|l| format!("  {l}\n")).collect()
    }
    let fragment = fragment.trim();
    // `metadata:` (an annotation): the object's metadata, over a pod with one plain container.
    if let Some(fields) = fragment.strip_prefix("metadata:\n") {
        return format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: example\n{fields}\nspec:\n  containers:\n  - name: app\n    image: example/app:1.0\n"
        );
    }
    let spec = if fragment.starts_with("containers:") || fragment.starts_with("volumes:") {
        format!("{fragment}\n")
    } else {
        format!(
            "containers:\n- name: app\n  image: example/app:1.0\n{}",
            indent(fragment)
        )
    };
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: example\nspec:\n{}",
        indent(&spec)
    )
}

/// Error findings an example may raise besides its own: the kill its rule explains. A JDK that
/// sizes its heap from the 16Gi node (OOM104, OOM105) takes 4Gi in a 2Gi container (OOM101).
const CONSEQUENCES: &[(&str, &str)] = &[("OOM104", "OOM101"), ("OOM105", "OOM101")];

/// Errors any example may raise besides its own: examples are fragments, and one that sets no
/// memory limit (a JVM rule's `containers:` with an image and a command) is a container with no
/// limit (OOM001) or a BestEffort pod (OOM003), errors so that CI fails by default.
const FRAGMENT_ERRORS: &[&str] = &["OOM001", "OOM003"];

fn severity(code: &str) -> Severity {
    rule(code).expect("a registered code").severity
}

#[test]
fn every_example_raises_its_rule_and_its_fix_does_not() {
    for r in RULES {
        // A rule that is off unless the policy sets it is shown with the policy that does.
        let policy = Policy::for_example(r.code);
        let codes = |yaml: &str| -> Vec<&'static str> {
            let r = run_with(yaml, policy.clone());
            r.findings.iter().map(|f| f.code.as_str()).collect()
        };
        let bad = run_with(&example_pod(r.example), policy.clone());
        assert_eq!(bad.workloads.len(), 1, "{}", r.code);
        let bad = codes(&example_pod(r.example));
        assert!(
            bad.contains(&r.code.as_str()),
            "{}: its example raises {bad:?}\n{}",
            r.code,
            example_pod(r.example)
        );
        for c in &bad {
            assert!(
                *c == r.code.as_str()
                    || severity(c) < Severity::Error
                    || CONSEQUENCES.contains(&(r.code.as_str(), *c))
                    || FRAGMENT_ERRORS.contains(c),
                "{}: its example also raises the error {c}",
                r.code
            );
        }
        let good = codes(&example_pod(r.example_fixed));
        assert!(
            !good.contains(&r.code.as_str()),
            "{}: its fixed example still raises it\n{}",
            r.code,
            example_pod(r.example_fixed)
        );
        for c in &good {
            assert!(
                severity(c) < Severity::Warning || bad.contains(c),
                "{}: its fix brings a new {c}",
                r.code
            );
        }
    }
    // OOM003's fix says equal requests and limits make the pod Guaranteed; its fixed example is.
    let fixed = run(&example_pod(rule("OOM003").unwrap().example_fixed));
    assert_eq!(fixed.workloads[0].qos_class.as_str(), "Guaranteed");
}

#[test]
fn oom010_memory_limit_out_of_range_only_with_a_policy() {
    let range = |min: Option<i64>, max: Option<i64>| Policy {
        memory_limit: Some(MemoryRange { min, max }),
        ..Policy::default()
    };
    let limit = |q: &str| pod(&format!("    resources:\n      limits: {{memory: {q}}}\n"));
    // Off without a policy.
    assert!(!codes(&limit("32Gi")).contains(&"OOM010"));
    let r = run_with(&limit("32Gi"), range(None, Some(16 * GI)));
    let f = only(&r.findings, "OOM010");
    assert_eq!(f.len(), 1, "{:?}", r.findings);
    assert_eq!(
        (f[0].pos.line, f[0].pos.column),
        (10, 24),
        "points at the limit"
    );
    assert!(
        f[0].message
            .contains("memory limit 32Gi is above the policy's maximum 16Gi"),
        "{}",
        f[0].message
    );
    let r = run_with(&limit("32Mi"), range(Some(64 << 20), None));
    let f = only(&r.findings, "OOM010");
    assert!(
        f[0].message
            .contains("32Mi is below the policy's minimum 64Mi"),
        "{}",
        f[0].message
    );
    assert!(f[0].help.contains("at least 64Mi"), "{}", f[0].help);
    // The bounds are allowed; a tiny value is OOM009's alone.
    for q in ["64Mi", "16Gi"] {
        let r = run_with(&limit(q), range(Some(64 << 20), Some(16 * GI)));
        assert!(only(&r.findings, "OOM010").is_empty(), "{q}");
    }
    let r = run_with(&limit("128m"), range(Some(64 << 20), None));
    assert!(only(&r.findings, "OOM010").is_empty());
    // A LimitRange default is the limit compared.
    let yaml = "apiVersion: v1\nkind: LimitRange\nmetadata: {name: lr}\nspec:\n  limits:\n  - type: Container\n    default: {memory: 32Gi}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: app\n";
    let r = run_with(yaml, range(None, Some(16 * GI)));
    assert_eq!(only(&r.findings, "OOM010").len(), 1, "{:?}", r.findings);
}

#[test]
fn oom006_threshold_is_the_policy_ratio() {
    let yaml = pod("    resources:\n      requests: {memory: 1Gi}\n      limits: {memory: 3Gi}\n");
    assert!(
        codes(&yaml).contains(&"OOM006"),
        "3x is above the built-in 2"
    );
    let ratio = |r: f64| Policy {
        max_limit_to_request_ratio: Some(r),
        ..Policy::default()
    };
    let at = |r: f64| -> Vec<&'static str> {
        let rep = run_with(&yaml, ratio(r));
        rep.findings.iter().map(|f| f.code.as_str()).collect()
    };
    assert!(!at(3.0).contains(&"OOM006"), "3x is not above 3");
    let rep = run_with(&yaml, ratio(1.5));
    let f = only(&rep.findings, "OOM006");
    assert_eq!(f.len(), 1);
    assert!(f[0].help.contains("at least 2Gi"), "{}", f[0].help);
}

#[test]
fn policy_turns_rules_off_regrades_and_exempts() {
    let yaml = pod("    resources:\n      requests: {memory: 1Gi}\n      limits: {memory: 3Gi}\n");
    let severities = |p: Policy| -> Vec<(&'static str, Severity)> {
        let r = run_with(&yaml, p);
        r.findings
            .iter()
            .map(|f| (f.code.as_str(), f.severity))
            .collect()
    };
    assert_eq!(
        severities(Policy::default()),
        [("OOM005", Severity::Info), ("OOM006", Severity::Warning)]
    );
    let p = Policy {
        rules: vec![
            (RuleCode::BurstableMemory, RuleSetting::Off),
            (
                RuleCode::LargeLimitRatio,
                RuleSetting::Severity(Severity::Info),
            ),
            (
                RuleCode::LargeLimitRatio,
                RuleSetting::Severity(Severity::Error),
            ),
        ],
        ..Policy::default()
    };
    assert_eq!(
        severities(p),
        [("OOM006", Severity::Error)],
        "a later entry wins"
    );
    let glob = |g: &str| Some(Glob::new(g).unwrap());
    let exempt = |e: Exemption| Policy {
        exempt: vec![e],
        ..Policy::default()
    };
    // The pod is Pod/default/p, its container app.
    for (e, left) in [
        (
            Exemption {
                name: glob("p"),
                ..Exemption::default()
            },
            0,
        ),
        (
            Exemption {
                name: glob("q*"),
                ..Exemption::default()
            },
            2,
        ),
        (
            Exemption {
                namespace: glob("def*"),
                kind: glob("Pod"),
                ..Exemption::default()
            },
            0,
        ),
        (
            Exemption {
                kind: glob("Deployment"),
                ..Exemption::default()
            },
            2,
        ),
        (
            Exemption {
                container: glob("a?p"),
                ..Exemption::default()
            },
            0,
        ),
        (
            Exemption {
                container: glob("sidecar"),
                ..Exemption::default()
            },
            2,
        ),
        (
            Exemption {
                rules: Some(vec![RuleCode::BurstableMemory]),
                ..Exemption::default()
            },
            1,
        ),
        (
            Exemption {
                name: glob("p"),
                rules: Some(vec![RuleCode::LargeLimitRatio]),
                ..Exemption::default()
            },
            1,
        ),
    ] {
        let what = format!("{e:?}");
        assert_eq!(severities(exempt(e)).len(), left, "{what}");
    }
    // A pod-wide finding has no container: an entry naming one does not drop it.
    let best_effort = pod("");
    let e = Exemption {
        container: glob("*"),
        ..Exemption::default()
    };
    let r = run_with(&best_effort, exempt(e));
    assert_eq!(only(&r.findings, "OOM003").len(), 1);
}

#[test]
fn limitrange_defaults_are_reported_with_their_source() {
    let yaml = "apiVersion: v1\nkind: LimitRange\nmetadata: {name: lr, namespace: ns}\nspec:\n  limits:\n  - type: Container\n    default: {memory: 512Mi}\n    defaultRequest: {memory: 256Mi}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec:\n  containers:\n  - name: app\n";
    let r = run(yaml);
    let c = &r.workloads[0].containers[0];
    assert_eq!(c.memory_limit_bytes, Some(512 << 20));
    assert_eq!(c.memory_request_bytes, Some(256 << 20));
    assert_eq!(format!("{:?}", c.memory_limit_source), "Some(LimitRange)");
    assert!(!codes(yaml).contains(&"OOM001"));
    // Another namespace does not get them.
    let other = yaml.replace("{name: p, namespace: ns}", "{name: p, namespace: other}");
    assert!(codes(&other).contains(&"OOM003"));
}

#[test]
fn registry_is_complete_and_every_rule_is_tested() {
    // The Kubernetes rules are tested here, the JVM rules in jvm_rules.rs.
    let me = [include_str!("rules.rs"), include_str!("jvm_rules.rs")].concat();
    let mut prev = "";
    for (i, r) in RULES.iter().enumerate() {
        assert!(
            r.code.as_str() > prev,
            "codes sorted and unique: {}",
            r.code
        );
        prev = r.code.as_str();
        assert!(
            !r.name().is_empty()
                && r.name().split('-').all(|w| !w.is_empty()
                    && w.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
            "{}: name {:?} is kebab-case",
            r.code,
            r.name()
        );
        assert!(
            RULES[..i].iter().all(|o| o.name() != r.name()),
            "{}: name {:?} is unique",
            r.code,
            r.name()
        );
        assert!(
            r.code.as_str().len() == 6 && r.code.as_str().starts_with("OOM"),
            "{}",
            r.code
        );
        for (what, text) in [
            ("title", r.title),
            ("explanation", r.explanation),
            ("fix", r.fix),
            ("example", r.example),
            ("example_fixed", r.example_fixed),
        ] {
            assert!(!text.trim().is_empty(), "{} has no {what}", r.code);
        }
        assert!(
            r.explanation.contains("Source:"),
            "{} cites its source",
            r.code
        );
        assert_ne!(r.example, r.example_fixed, "{}", r.code);
        let test_name = format!("fn {}_", r.code.as_str().to_lowercase());
        assert!(
            me.contains(&test_name),
            "{} has no test named {test_name}...",
            r.code
        );
    }
}

#[test]
fn an_object_the_api_server_rejects_gets_no_findings() {
    // `1GB` is not a quantity: the reader reports it, and the pod - which would otherwise look
    // BestEffort (OOM003) - is not judged on the values left.
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: app\n    resources: {limits: {memory: 1GB}}\n";
    let items = read_str("test.yaml", yaml);
    assert!(items
        .iter()
        .any(|i| matches!(i, Item::Error(e) if e.message.contains("1GB"))));
    let workloads: Vec<_> = items
        .into_iter()
        .filter_map(|i| {
            if let Item::Workload(w) = i {
                Some(w)
            } else {
                None
            }
        })
        .collect();
    assert!(workloads[0].rejected);
    let r = audit(&AuditInput {
        workloads: &workloads,
        limit_ranges: &[],
        dockerfiles: &[],
        image_bindings: &[],
        assumptions: Assumptions::with_node_memory(16 * GI),
    });
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert_eq!(r.workloads.len(), 1, "still summarised");
    // With a valid limit and no request the same pod is judged (the request defaults to the
    // limit, leaving cpu unset: Burstable with no finding), and without resources it is OOM003.
    assert!(codes(&yaml.replace("1GB", "1Gi")).is_empty());
    assert_eq!(
        codes(&yaml.replace("    resources: {limits: {memory: 1GB}}\n", "")),
        vec!["OOM003"]
    );
}
