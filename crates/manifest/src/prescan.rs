//! A quick look at a document's text before parsing it.
//!
//! Most bytes of real manifest streams are CustomResourceDefinitions, ConfigMaps and other
//! objects that can never hold a pod template. When the top-level `kind` can be read from the text
//! (block style, root mapping at column 0) and says so, the document is only syntax-checked: no
//! tree is built. When in doubt (flow style, JSON, indented root, unknown kind mentioning
//! `template`), the tree is built.

use memchr::memmem;

use oomdoc_document::tree::Mode;

/// Kinds that are read (workloads, LimitRange, lists of them).
fn is_read(kind: &str) -> bool {
    crate::extract::is_workload_kind(kind) || kind == "LimitRange" || kind.ends_with("List")
}

/// Built-in and common kinds that never hold a pod template at `spec.template.spec`, whatever
/// their text mentions (a CRD schema or a ConfigMap may say `template` anywhere).
fn never_holds_pods(kind: &str) -> bool {
    matches!(
        kind,
        "CustomResourceDefinition"
            | "ConfigMap"
            | "Secret"
            | "Service"
            | "ServiceAccount"
            | "Role"
            | "ClusterRole"
            | "RoleBinding"
            | "ClusterRoleBinding"
            | "Namespace"
            | "NetworkPolicy"
            | "Ingress"
            | "IngressClass"
            | "PersistentVolume"
            | "PersistentVolumeClaim"
            | "StorageClass"
            | "PodDisruptionBudget"
            | "HorizontalPodAutoscaler"
            | "ResourceQuota"
            | "PriorityClass"
            | "Endpoints"
            | "EndpointSlice"
            | "MutatingWebhookConfiguration"
            | "ValidatingWebhookConfiguration"
            | "ValidatingAdmissionPolicy"
            | "ValidatingAdmissionPolicyBinding"
            | "APIService"
            | "Event"
            | "Lease"
            | "Node"
            | "RuntimeClass"
            | "CSIDriver"
            | "PodSecurityPolicy"
            | "ServiceMonitor"
            | "PodMonitor"
            | "PrometheusRule"
    )
}

/// Whether to build a tree for the document `doc`.
pub(crate) fn mode_for(doc: &str) -> Mode {
    match top_level_kind(doc) {
        None => Mode::Build,
        Some(k) if is_read(k) => Mode::Build,
        // CRDs are most of the bytes of real streams (generated OpenAPI schemas) and never run a
        // pod; syntax-checking them tripled the audit's time on the corpus. Everything else that
        // cannot hold a pod is still syntax-checked, so malformed YAML is reported.
        Some("CustomResourceDefinition") => Mode::Skip,
        Some(k) if never_holds_pods(k) => Mode::Validate,
        // Any object with `spec.template.spec` is read, so only skip when the word is absent.
        Some(_) if memmem::find(doc.as_bytes(), b"template").is_some() => Mode::Build,
        Some(_) => Mode::Validate,
    }
}

/// The value of the top-level `kind:` key when the document is a block mapping at column 0 and
/// the value is a simple scalar; `None` when unsure.
pub(crate) fn top_level_kind(doc: &str) -> Option<&str> {
    first_line_is_block_key(doc)?;
    let b = doc.as_bytes();
    let mut found = None;
    let starts = std::iter::once(0).chain(memmem::find_iter(b, b"\nkind").map(|p| p + 1));
    let quoted = memmem::find_iter(b, b"\n\"kind\"")
        .chain(memmem::find_iter(b, b"\n'kind'"))
        .map(|p| p + 1);
    let mut seen = 0;
    for at in starts.chain(quoted) {
        if let Some(v) = kind_value(&doc[at..]) {
            seen += 1;
            found = Some(v);
        }
    }
    // Two `kind:` lines at column 0 mean one of them is inside a multi-line quoted scalar (or the
    // key is duplicated): the text cannot tell which is the object's, so parse it.
    if seen > 1 {
        return None;
    }
    found
}

/// `Some(())` when the first content line is a plain or quoted key at column 0.
fn first_line_is_block_key(doc: &str) -> Option<()> {
    for line in doc.lines() {
        let t = line.trim_end();
        if t.is_empty() || t.starts_with('#') || t.starts_with('%') {
            continue;
        }
        if let Some(rest) = t.strip_prefix("---") {
            let rest = rest.trim();
            if rest.is_empty() || rest.starts_with('#') {
                continue;
            }
            return None;
        }
        let c = t.as_bytes()[0];
        return (!matches!(
            c,
            b' ' | b'\t' | b'-' | b'{' | b'[' | b'?' | b'&' | b'!' | b'*' | b'|' | b'>' | b'.'
        ))
        .then_some(());
    }
    None
}

/// The value of a `kind: Value` line (`line` starts at the key).
fn kind_value(line: &str) -> Option<&str> {
    let line = &line[..line.find(['\n', '\r']).unwrap_or(line.len())];
    let rest = line
        .strip_prefix("kind")
        .or_else(|| line.strip_prefix("\"kind\""))
        .or_else(|| line.strip_prefix("'kind'"))?;
    let rest = rest.trim_start_matches([' ', '\t']).strip_prefix(':')?;
    if !(rest.is_empty() || rest.starts_with([' ', '\t', '\r'])) {
        return None;
    }
    let v = rest.trim_matches([' ', '\t', '\r']);
    let v = match v.as_bytes().first()? {
        q @ (b'"' | b'\'') => {
            let inner = &v[1..];
            let end = inner.find(*q as char)?;
            let s = &inner[..end];
            if s.contains('\\')
                || !inner[end + 1..].trim_start().is_empty()
                    && !inner[end + 1..].trim_start().starts_with('#')
            {
                return None;
            }
            s
        }
        b'&' | b'*' | b'!' | b'|' | b'>' | b'{' | b'[' | b'#' | b'@' | b'`' => return None,
        _ => {
            let end = v.find(" #").or_else(|| v.find("\t#")).unwrap_or(v.len());
            v[..end].trim_end()
        }
    };
    // Kinds are identifiers; anything else (`ConfigMap"` closing a quoted scalar) means unsure.
    (!v.is_empty() && v.bytes().all(|c| c.is_ascii_alphanumeric())).then_some(v)
}

/// Helm template markers that never occur in rendered manifests' payload text.
const HELM_MARKERS: [&str; 11] = [
    ".Values",
    ".Release",
    ".Chart",
    ".Capabilities",
    ".Files",
    "include \"",
    "toYaml",
    "nindent",
    "tpl ",
    "required \"",
    ".Template",
];

/// The byte offset of the first `{{ … }}` that is clearly Helm template syntax, if any.
/// (`{{ $labels.x }}` in alert rules or Argo CD templates is payload and does not count.)
pub(crate) fn helm_action(doc: &str) -> Option<usize> {
    let b = doc.as_bytes();
    memmem::find_iter(b, b"{{").find(|&p| {
        let rest = &doc[p + 2..];
        let end = rest
            .find("}}")
            .unwrap_or(rest.len())
            .min(rest.find('\n').unwrap_or(rest.len()));
        let inner = &rest[..end];
        HELM_MARKERS.iter().any(|m| inner.contains(m))
    })
}

/// True when the document has any `{{`, so a syntax error in it likely comes from a template.
pub(crate) fn has_braces(doc: &str) -> bool {
    memmem::find(doc.as_bytes(), b"{{").is_some()
}

/// False only when the text `b` cannot hold a `LimitRange`: the word is absent and no escape sequence
/// could spell it (`\x`, `\u`, `\U` escapes and escaped line breaks in YAML double-quoted or JSON
/// strings are the only ways to write those letters without writing them; a plain or folded
/// scalar broken across lines gains a space). [`crate::Only::LimitRangesAndDockerfiles`] skips
/// the rest unparsed.
pub(crate) fn may_hold_limit_range(b: &[u8]) -> bool {
    memmem::find(b, b"LimitRange").is_some()
        || memchr::memchr_iter(b'\\', b)
            .any(|i| matches!(b.get(i + 1), Some(b'x' | b'u' | b'U' | b'\n' | b'\r')))
}
