//! Who a paste is about: the pod of a `kubectl get pods` row, of a `kubectl describe pod NAME`
//! command line, and the pod UIDs the kubelet and the runtimes write (`name_ns(uid)`,
//! `io.kubernetes.pod.uid=`, `uid:`).

/// A `kubectl get pods` row: `[ns] name ready status restarts age ...` with `ready` as `N/M`.
/// Returns (namespace, pod, status).
pub fn pods_row(line: &str) -> Option<(Option<&str>, &str, &str)> {
    let toks: Vec<&str> = line
        .split_whitespace()
        .map(|t| t.trim_matches('`'))
        .filter(|t| !t.is_empty())
        .collect();
    let ready = |t: &&str| {
        let Some((a, b)) = t.split_once('/') else {
            return false;
        };
        !a.is_empty() && !b.is_empty() && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit())
    };
    let i = toks.iter().position(ready)?;
    if i == 0 || i + 1 >= toks.len() {
        return None;
    }
    let status = toks[i + 1];
    // Rows at the start of a line carry [NAMESPACE] NAME; a row quoted inside prose is known by
    // its status word and a restart count after it.
    let row_start = i <= 2;
    let status_like = status
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_uppercase())
        && status
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b':');
    let restarts = toks
        .get(i + 2)
        .is_some_and(|t| t.bytes().all(|b| b.is_ascii_digit()));
    if !(row_start || status_like && restarts) {
        return None;
    }
    let pod = toks[i - 1].trim_start_matches("pod/");
    let ns = (row_start && i == 2).then(|| toks[0]);
    Some((ns, pod, status))
}

/// The pod a `kubectl` command line in the paste names: `kubectl describe pod -n NS NAME`,
/// `kubectl get pod NAME -o yaml`, `kubectl logs NAME --previous`, `oc describe pod/NAME`.
/// Returns (namespace, name).
pub fn command_line_pod(line: &str) -> Option<(Option<String>, String)> {
    let b = line.as_bytes();
    if !["describe", "get ", "logs", "log "]
        .iter()
        .any(|v| memchr::memmem::find(b, v.as_bytes()).is_some())
    {
        return None;
    }
    let toks: Vec<&str> = line.split_whitespace().collect();
    let k = toks
        .iter()
        .position(|t| matches!(t.rsplit('/').next(), Some("kubectl" | "oc" | "kc" | "k")))?;
    let mut it = toks[k + 1..].iter().copied().peekable();
    let verb = it.next()?;
    if !matches!(verb, "describe" | "get" | "logs" | "log") {
        return None;
    }
    let mut ns = None;
    let mut name = None;
    let mut want_kind = verb != "logs" && verb != "log";
    while let Some(t) = it.next() {
        if t == "|" || t == ">" || t == "&&" {
            break;
        }
        if let Some(v) = t
            .strip_prefix("--namespace=")
            .or_else(|| t.strip_prefix("-n="))
        {
            ns = Some(v.to_string());
        } else if t == "-n" || t == "--namespace" {
            ns = it.next().map(str::to_string);
        } else if matches!(
            t,
            "-c" | "--container" | "-o" | "--output" | "--tail" | "--since"
        ) {
            it.next();
        } else if t.starts_with('-') {
        } else if want_kind {
            want_kind = false;
            if let Some(n) = t.strip_prefix("pod/").or_else(|| t.strip_prefix("pods/")) {
                name = Some(n.to_string());
            } else if !matches!(t, "pod" | "pods" | "po") {
                return None;
            }
        } else if name.is_none() {
            let t = t.trim_matches(['\'', '"']);
            name = Some(t.strip_prefix("pod/").unwrap_or(t).to_string());
        }
    }
    // A Kubernetes name: lowercase letters, digits, `-` and `.`.
    let name = name.filter(|n| {
        !n.is_empty()
            && n.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    })?;
    Some((ns, name))
}

/// The UID in the kubelet's `name_namespace(uid)` when the `(` before `at` opens one (static
/// pods' UIDs are 32 hex digits without dashes). Looks at a bounded window, so a line of
/// parentheses costs linear time.
pub(crate) fn kubelet_uid_at(line: &str, at: usize) -> Option<&str> {
    let rest = line.get(at..)?;
    let end = memchr::memchr(b')', &rest.as_bytes()[..rest.len().min(37)])?;
    let u = &rest[..end];
    let ok = is_uid(u) || u.len() == 32 && u.bytes().all(|b| b.is_ascii_hexdigit());
    if !ok {
        return None;
    }
    // The token before `(` is `name_namespace`.
    let before = &line.as_bytes()[at.saturating_sub(1 + 320)..at - 1];
    let token_start = before
        .iter()
        .rposition(|&b| b == b' ' || b == b'"' || b == b'\'' || b == b'=')
        .map_or(0, |p| p + 1);
    let token = &before[token_start..];
    // (An empty namespace, `name_(uid)`, is how older kubelets print some pods.)
    let named = token
        .last()
        .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        && token.contains(&b'_');
    named.then_some(u)
}

/// A pod UID (`8-4-4-4-12` hex).
pub(crate) fn is_uid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The pod UIDs a text names the way the kubelet and the runtime write them: `name_ns(uid)`
/// (klog, the back-off message), `io.kubernetes.pod.uid=uid`, `uid: uid` / `"uid": "uid"`.
pub fn pod_uids(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let push = |out: &mut Vec<String>, u: &str, static_pod: bool| {
        let ok =
            is_uid(u) || static_pod && u.len() == 32 && u.bytes().all(|b| b.is_ascii_hexdigit());
        if ok && !out.iter().any(|o| o == u) {
            out.push(u.to_string());
        }
    };
    for line in text.lines().filter(|l| l.len() < 16384) {
        let b = line.as_bytes();
        // `name_ns(uid)`: a `_(` or `_ns(` shape; look only where `(` follows a word.
        for p in memchr::memchr_iter(b'(', b) {
            if p > 0 && (b[p - 1].is_ascii_alphanumeric() || b[p - 1] == b'_') {
                if let Some(u) = kubelet_uid_at(line, p + 1) {
                    push(&mut out, u, true);
                }
            }
        }
        if memchr::memmem::find(b, b"uid").is_none() {
            continue;
        }
        for key in [
            "io.kubernetes.pod.uid=",
            "io.kubernetes.pod.uid\":\"",
            "\"uid\": \"",
            "uid: ",
        ] {
            if let Some(i) = line.find(key) {
                let v = &line[i + key.len()..];
                push(&mut out, v.get(..36).unwrap_or(v), false);
            }
        }
    }
    out
}
