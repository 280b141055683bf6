//! Container terminations read line by line, whatever the text around them: the `Last State`
//! lines of a describe pasted alone, YAML or JSON `lastState` fragments (pretty or on one line),
//! go-template maps (`map[exitCode:137 reason:OOMKilled]`), `docker inspect` State, `docker ps`
//! rows (`Exited (137)`), `docker events` (`container oom <id>`, `exitCode=137`), containerd's
//! `TaskOOM`, `kubectl get pods` rows (`OOMKilled`), and the shell's `exit code 137`.
//!
//! A reader never decides: a record says what was written (reason, exit code, container id);
//! whether it is interesting is the caller's choice ([`StatusRecord::is_death`]).

use oomdoc_model::TerminationReason;

use crate::pod_names::{is_uid, pod_uids, pods_row};
use crate::{leading_i64, Cited};

mod merge;
use merge::{memory_limit, merge_by_container, merge_by_pod, named_pod};

/// One container termination as written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusRecord {
    /// `reason` (`OOMKilled`, `Error`, ...); `OOMKilled` for a runtime's own OOM event; `OOMKilled:
    /// false` for `docker inspect`'s flag when it is false.
    pub reason: Option<TerminationReason>,
    /// Exit code.
    pub exit_code: Option<i64>,
    /// Signal.
    pub signal: Option<i64>,
    /// Container id (hex, no runtime prefix).
    pub container_id: Option<String>,
    /// `finishedAt`, as written.
    pub finished_at: Option<String>,
    /// `startedAt`, as written.
    pub started_at: Option<String>,
    /// Pod name (from a `kubectl get pods` row or a runtime label).
    pub pod: Option<String>,
    /// Pod UID (from a runtime label, or the kubelet's `name_namespace(uid)` in the text).
    pub pod_uid: Option<String>,
    /// The container's memory limit, as written (`Limits:` / `limits:` then `memory: 90Mi`), when
    /// the paste shows one container's.
    pub memory_limit: Option<String>,
    /// Namespace (from a `kubectl get pods -A` row).
    pub namespace: Option<String>,
    /// The deciding line (reason, else exit code).
    pub cited: Option<Cited>,
    /// First and last line of the record.
    pub span: (u32, u32),
}

impl StatusRecord {
    /// An OOM kill, a SIGKILL, or the JVM's ExitOnOutOfMemoryError code.
    pub fn is_death(&self) -> bool {
        self.reason == Some(TerminationReason::OomKilled) || matches!(self.exit_code, Some(137 | 3))
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Key {
    Reason,
    ExitCode,
    ContainerId,
    OomKilled,
    Signal,
    Finished,
    Started,
    /// `state:` / `lastState:` / `State:` / `Last State:`: a new record starts.
    State,
    /// `status: OOMKilled` (prose, CI and operator messages); other values are not a reason.
    Status,
    /// docker's `io.kubernetes.pod.uid` label.
    PodUid,
    /// `io.kubernetes.pod.name`.
    PodName,
    /// `io.kubernetes.pod.namespace`.
    Namespace,
}

const KEYS: &[(&str, Key)] = &[
    ("reason", Key::Reason),
    ("status", Key::Status),
    ("Status", Key::Status),
    ("Reason", Key::Reason),
    ("exitCode", Key::ExitCode),
    ("Exit Code", Key::ExitCode),
    ("ExitCode", Key::ExitCode),
    ("exit_code", Key::ExitCode),
    ("containerID", Key::ContainerId),
    ("Container ID", Key::ContainerId),
    ("ContainerID", Key::ContainerId),
    ("containerId", Key::ContainerId),
    ("container_id", Key::ContainerId),
    ("OOMKilled", Key::OomKilled),
    ("signal", Key::Signal),
    ("Signal", Key::Signal),
    ("finishedAt", Key::Finished),
    ("Finished", Key::Finished),
    ("FinishedAt", Key::Finished),
    ("startedAt", Key::Started),
    ("Started", Key::Started),
    ("StartedAt", Key::Started),
    ("\"Id\"", Key::ContainerId),
    ("io.kubernetes.pod.uid", Key::PodUid),
    ("io.kubernetes.pod.name", Key::PodName),
    ("io.kubernetes.pod.namespace", Key::Namespace),
    ("lastState", Key::State),
    ("Last State", Key::State),
    ("state", Key::State),
    ("State", Key::State),
];

/// `word` standing alone in `line` (not inside a longer word).
fn has_token(line: &str, word: &str) -> bool {
    line.match_indices(word).any(|(i, _)| {
        let before = line[..i].chars().next_back();
        let after = line[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// Words without which no line below is a termination (besides the [`KEYS`]).
const TRIGGERS: &[&str] = &[
    "TaskOOM",
    "/tasks/oom",
    "was OOM-killed",
    "Container killed due to memory usage",
    " exceeded with ",
    "OOM Killed",
    "container oom ",
    "\"status\":\"oom\"",
    "\"Action\":\"oom\"",
    "xit code",
    "xited with code",
    "Exited (",
    "exit status",
    "status=9/KILL",
    "OOMKilled",
];

/// `key` followed by `:` or `=` at `at` in `line`: the value after it.
fn value_after<'a>(line: &'a str, at: usize, key: &str) -> Option<&'a str> {
    if at > 0 {
        let before = line.as_bytes()[at - 1];
        // `_` for `container_reason`, `exit_code`; `` ` `` for inline code in prose.
        // A describe key after a lowercase letter: its line break was lost (`TerminatedReason:`).
        let joined = before.is_ascii_lowercase()
            && key.as_bytes()[0].is_ascii_uppercase()
            && key.contains(' ') | matches!(key, "Reason" | "Started" | "Finished" | "Signal");
        if !joined
            && !matches!(
                before,
                b' ' | b'"' | b'{' | b',' | b'[' | b'(' | b'\'' | b'-' | b'\t' | b'.' | b'_' | b'`'
            )
        {
            return None;
        }
    }
    let mut rest = &line[at + key.len()..];
    rest = rest.strip_prefix('"').unwrap_or(rest);
    rest = rest.strip_prefix('\'').unwrap_or(rest);
    let rest = rest.trim_start_matches(' ');
    let rest = rest.strip_prefix([':', '='])?;
    let rest = rest.trim_start_matches(' ');
    let v = if let Some(q) = rest.strip_prefix('"') {
        &q[..q.find('"').unwrap_or(q.len())]
    } else if let Some(q) = rest.strip_prefix('\'') {
        &q[..q.find('\'').unwrap_or(q.len())]
    } else {
        let end = rest
            .find([',', '}', ']', ' ', ')', '`', ';'])
            .unwrap_or(rest.len());
        &rest[..end]
    };
    Some(v)
}

/// A time value: RFC 3339 is one word; `kubectl describe`'s `Mon, 31 Aug 2020 16:33:08 -0500`
/// runs to the end of the line.
fn time_value(line: &str, v: &str) -> String {
    let (l0, v0) = (line.as_ptr() as usize, v.as_ptr() as usize);
    if v0 < l0 || v0 + v.len() > l0 + line.len() {
        // The value came from another line (a YAML block scalar).
        return v.to_string();
    }
    let at = v0 - l0;
    if v.ends_with(',')
        || line
            .get(at + v.len()..)
            .is_some_and(|r| r.starts_with(", "))
    {
        let rest = &line[at..];
        return rest.trim().trim_end_matches([',', '"']).to_string();
    }
    v.to_string()
}

/// Every known key on a line with its value.
fn pairs(line: &str) -> Vec<(Key, &str)> {
    let mut out = Vec::new();
    for &(k, key) in KEYS {
        let mut from = 0;
        while let Some(i) = line[from..].find(k) {
            let at = from + i;
            from = at + k.len();
            if let Some(v) = value_after(line, at, k) {
                // `state` inside `lastState`, `Reason` inside `Reason:` of another key: a key is
                // taken once, at its first place.
                if !out.iter().any(|(x, _)| *x == key) {
                    out.push((key, v));
                }
                break;
            }
        }
    }
    out
}

fn hex_id(s: &str) -> Option<String> {
    let s = s.rsplit("://").next().unwrap_or(s);
    let s = s
        .trim_start_matches("cri-containerd-")
        .trim_start_matches("docker-")
        .trim_start_matches("crio-");
    let s = s.trim_end_matches(".scope");
    let hex: String = s.chars().take_while(char::is_ascii_hexdigit).collect();
    (hex.len() >= 12 && hex.len() == s.len()).then(|| hex.to_ascii_lowercase())
}

fn reason_word(v: &str) -> Option<TerminationReason> {
    // Kubernetes before 1.0 wrote `OOM Killed`.
    if v == "OOM Killed" || v == "OOM" {
        return Some(TerminationReason::OomKilled);
    }
    // Fields joined when a page lost its line breaks: `Reason: OOMKilledExit Code: 137`.
    if v.starts_with("OOMKilled") && v[9..].starts_with(|c: char| c.is_ascii_uppercase()) {
        return Some(TerminationReason::OomKilled);
    }
    let ok = !v.is_empty()
        && v.len() <= 40
        && v.as_bytes()[0].is_ascii_uppercase()
        && v.bytes().all(|b| b.is_ascii_alphanumeric());
    ok.then(|| TerminationReason::parse(v))
}

/// Exit codes written in prose by shells, CI and docker: `exit code 137`, `exited with code
/// 137`, `Exited (137)`, `exit status 137`, systemd's `status=9/KILL`.
fn prose_exit_code(line: &str) -> Option<i64> {
    for key in [
        "exit code ",
        "exited with code ",
        "Exited with code ",
        "Exited (",
        "exit status ",
        "exit code: ",
        "Exit code ",
        "exit code=",
    ] {
        if let Some(i) = line.find(key) {
            if let Some(n) = leading_i64(&line[i + key.len()..]) {
                return Some(n);
            }
        }
    }
    if line.contains("status=9/KILL") {
        return Some(137);
    }
    None
}

/// The words that make a line worth reading: each key with its separator (`exitCode:`,
/// `exitCode=`, `"exitCode":`), so prose words (`entered forwarding state`) do not, and the
/// [`TRIGGERS`].
fn trigger_words() -> Vec<String> {
    let mut words: Vec<String> = KEYS
        .iter()
        // `status:` counts only with `OOMKilled`, itself a trigger.
        .filter(|(_, k)| *k != Key::Status)
        .flat_map(|(k, _)| {
            [
                format!("{k}:"),
                format!("{k}="),
                format!("{k}\":"),
                format!("{k} :"),
            ]
        })
        .collect();
    words.extend(TRIGGERS.iter().map(|t| t.to_string()));
    words
}

/// Every container termination written in `text` (see the module documentation), each with its
/// lines; records for the same container id are merged (a docker `oom` event and its `die`).
pub fn status_records(text: &str) -> Vec<StatusRecord> {
    let all: Vec<&str> = text.lines().collect();
    let words = trigger_words();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let hot = crate::triggers::lines_with(text, &words);
    let mut recs = Records::default();
    for (i, &raw) in all.iter().enumerate() {
        let n = i as u32 + 1;
        if raw.len() > 8192 || hot.as_ref().is_some_and(|h| !h.has(n)) {
            continue;
        }
        recs.line(n, raw, all.get(i + 1).copied());
    }
    recs.flush();
    let mut out = merge_by_container(recs.out);
    named_pod(&mut out, &all);
    // A paste about one pod: the pod UID it names belongs to its terminations.
    if let [uid] = &pod_uids(text)[..] {
        for r in out.iter_mut().filter(|r| r.pod_uid.is_none()) {
            r.pod_uid = Some(uid.clone());
        }
    }
    // One pod's OOM death told twice (a `get pods` row and its describe): one record.
    out = merge_by_pod(out);
    memory_limit(&mut out, &all);
    out
}

/// Whether `raw` tells of a runtime's OOM kill, and whether it is docker's API event (which
/// carries the container id as `"id"`).
fn runtime_oom_line(raw: &str) -> (bool, bool) {
    // Runtime OOM events: docker's `container oom <id>` (CLI) or `"status":"oom"` (API),
    // containerd's `TaskOOM`.
    let api_oom = raw.contains("\"status\":\"oom\"") || raw.contains("\"Action\":\"oom\"");
    // runc: `container init was OOM-killed (memory limit too low?)`; containerd's event
    // topic `/tasks/oom`.
    let runtime_oom = raw.contains("TaskOOM")
        || raw.contains("topic=/tasks/oom")
        || raw.contains("was OOM-killed")
        // Other orchestrators' records of their runtime's OOM kill: ECS's stopped reason,
        // Cloud Run's, Nomad's task event, Argo's node message.
        || raw.contains("Container killed due to memory usage")
        || (raw.contains("Memory limit of ") && raw.contains(" exceeded with "))
        || raw.contains("OOM Killed")
        || raw.contains("OOMKilled (exit")
        || raw.contains("OOMKilled(exit")
        || api_oom
        || raw.find("container oom ").is_some_and(|j| {
            hex_id(raw[j + 14..].split_whitespace().next().unwrap_or("")).is_some()
        });
    (runtime_oom, api_oom)
}

/// The record being read, and those done.
#[derive(Default)]
struct Records {
    out: Vec<StatusRecord>,
    cur: StatusRecord,
    /// Pods whose `get pods` row gave a record already.
    seen_pods: Vec<String>,
    /// The current record's container is waiting to restart (`State: Waiting`).
    waiting: bool,
}

impl Records {
    /// Ends the current record, kept when it has a reason or an exit code.
    fn flush(&mut self) {
        let r = std::mem::take(&mut self.cur);
        if r.reason.is_some() || r.exit_code.is_some() {
            self.out.push(r);
        }
    }

    fn terminated(&self) -> bool {
        self.cur.reason.is_some() || self.cur.exit_code.is_some()
    }

    /// Line `n`; `next` is the line after it (a YAML block scalar's value).
    fn line(&mut self, n: u32, raw: &str, next: Option<&str>) {
        let cur = &self.cur;
        // A record waits for its reason or exit code (docker inspect prints the id well above
        // its State); once it has one, twelve lines without another key end it.
        if cur.span.1 > 0 && n > cur.span.1 + 12 && self.terminated() {
            self.flush();
        }
        // `kubectl get pods` rows.
        if let Some((ns, pod, status)) = pods_row(raw) {
            let st = status.trim_start_matches("Init:");
            if st == "OOMKilled" && !self.seen_pods.iter().any(|p| p == pod) {
                self.seen_pods.push(pod.to_string());
                self.flush();
                self.out.push(StatusRecord {
                    reason: Some(TerminationReason::OomKilled),
                    pod: Some(pod.to_string()),
                    namespace: ns.map(str::to_string),
                    cited: Some(Cited::new(n, raw)),
                    span: (n, n),
                    ..StatusRecord::default()
                });
            }
            return;
        }
        let (runtime_oom, api_oom) = runtime_oom_line(raw);
        let mut ps = pairs(raw);
        // A YAML block scalar (`containerID: >-`): the value is on the next line.
        for (_, v) in ps.iter_mut() {
            if matches!(*v, ">-" | ">" | "|" | "|-" | ">+" | "|+") {
                *v = next.map_or("", |l| l.trim());
            }
        }
        if api_oom {
            if let Some(id) = crate::after(raw, "\"id\":\"")
                .and_then(|r| hex_id(&r[..r.find('"').unwrap_or(r.len())]))
            {
                self.cur.container_id = Some(id);
            }
        }
        // Prose quoting the status: `the pod has status `OOMKilled``, `reason was "OOMKilled"`.
        let quoted_status = ps.is_empty()
            && has_token(raw, "OOMKilled")
            && ["status", "Status", "STATUS", "reason", "Reason"]
                .iter()
                .any(|w| raw.contains(w));
        let runtime_oom = runtime_oom || quoted_status;
        let mut exit = None;
        if ps.is_empty() && !runtime_oom {
            exit = prose_exit_code(raw);
            if exit.is_none() {
                return;
            }
        }
        if let Some((_, st)) = ps.iter().find(|(k, _)| *k == Key::State) {
            self.new_state(st);
        }
        let cited = Cited::new(n, raw);
        let mut touched = false;
        for (k, v) in ps {
            touched |= self.key(k, v, raw, &cited);
        }
        if runtime_oom {
            self.runtime_oom(raw, &cited);
            touched = true;
        }
        if let Some(c) = exit {
            self.prose_exit(c, raw, cited);
            touched = true;
        }
        if touched {
            if self.cur.span.0 == 0 {
                self.cur.span.0 = n;
            }
            self.cur.span.1 = n;
        }
    }

    /// `State:` / `lastState:`: a new record starts after a termination.
    fn new_state(&mut self, st: &str) {
        if self.terminated() {
            // A container waiting to restart (`State: Waiting`, CrashLoopBackOff) shows the
            // id of the instance that died; a running one shows its new instance's.
            let keep = if self.waiting {
                self.cur.container_id.clone()
            } else {
                None
            };
            self.flush();
            self.cur.container_id = keep;
        }
        self.waiting = st.starts_with("Waiting") || st.starts_with("waiting");
    }

    /// One key's value into the current record (a second reason or exit code starts the next
    /// record); true when it is a termination's field.
    fn key(&mut self, k: Key, v: &str, raw: &str, cited: &Cited) -> bool {
        match k {
            Key::Reason => {
                if let Some(r) = reason_word(v) {
                    if self.cur.reason.is_some() {
                        self.flush();
                    }
                    self.cur.reason = Some(r);
                    self.cur.cited = Some(cited.clone());
                    return true;
                }
            }
            Key::ExitCode => {
                if let Some(c) = leading_i64(v) {
                    if self.cur.exit_code.is_some() {
                        self.flush();
                    }
                    self.cur.exit_code = Some(c);
                    if self.cur.cited.is_none() {
                        self.cur.cited = Some(cited.clone());
                    }
                    return true;
                }
            }
            Key::OomKilled => match v {
                "true" | "True" => {
                    self.cur.reason = Some(TerminationReason::OomKilled);
                    self.cur.cited = Some(cited.clone());
                    return true;
                }
                "false" | "False" => {
                    if self.cur.reason.is_none() {
                        self.cur.reason = Some(TerminationReason::Other("OOMKilled: false".into()));
                        self.cur.cited = Some(cited.clone());
                    }
                    return true;
                }
                _ => {}
            },
            Key::ContainerId => {
                if let Some(id) = hex_id(v) {
                    // The id inside a termination belongs to it; a later one (the
                    // container's current instance) does not replace it.
                    let terminated = self.cur.reason.is_some() || self.cur.exit_code.is_some();
                    if self.cur.container_id.is_none() || !terminated {
                        self.cur.container_id = Some(id);
                    }
                    return true;
                }
            }
            Key::Status => {
                if v == "OOMKilled" {
                    if self.cur.reason.is_some() {
                        self.flush();
                    }
                    self.cur.reason = Some(TerminationReason::OomKilled);
                    self.cur.cited = Some(cited.clone());
                    return true;
                }
            }
            Key::PodUid => {
                if is_uid(v) {
                    self.cur.pod_uid = Some(v.to_string());
                }
            }
            Key::PodName => self.cur.pod = Some(v.to_string()),
            Key::Namespace => self.cur.namespace = Some(v.to_string()),
            Key::Signal => self.cur.signal = leading_i64(v).or(self.cur.signal),
            Key::Finished => self.cur.finished_at = Some(time_value(raw, v)),
            Key::Started => self.cur.started_at = Some(time_value(raw, v)),
            Key::State => {}
        }
        false
    }

    /// A runtime's OOM kill: the reason, and the id `container oom <id>` names.
    fn runtime_oom(&mut self, raw: &str, cited: &Cited) {
        let id = raw
            .find("container oom ")
            .and_then(|j| hex_id(raw[j + 14..].split_whitespace().next().unwrap_or("")));
        self.cur.container_id = id.or(self.cur.container_id.take());
        self.cur.reason = Some(TerminationReason::OomKilled);
        self.cur.cited = Some(cited.clone());
    }

    /// An exit code in prose or a `docker ps -a` row (whose first word is the id).
    fn prose_exit(&mut self, c: i64, raw: &str, cited: Cited) {
        if self.cur.exit_code.is_some() {
            self.flush();
        }
        self.cur.exit_code = Some(c);
        self.cur.cited = self.cur.cited.take().or(Some(cited));
        if let Some(id) = raw.split_whitespace().next().and_then(hex_id) {
            self.cur.container_id = self.cur.container_id.take().or(Some(id));
        }
    }
}
