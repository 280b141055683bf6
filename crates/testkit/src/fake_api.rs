//! A fake Kubernetes API server (and any misbehaving HTTP server) for tests: plain HTTP/1.1 on
//! 127.0.0.1 (random port), built on std alone so the tests need no async runtime and control
//! every byte: chunked watch streams that pause, end at once, or send an ERROR event; Status
//! bodies with any code; and the ways a server or a proxy misbehaves - a body sent one byte at
//! a time, bodies and watch lines of any size, endless continue tokens, redirects. Routes are
//! matched by path and query parts; each route replays its replies in order, repeating the
//! last one. Every request is logged with its time, for the tests to assert what was asked
//! (pagination tokens, re-lists, selectors) and how fast ([`FakeApi::max_per_second`]).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// One response.
#[derive(Clone, Debug)]
pub enum Reply {
    /// `200` with a `Content-Length` body sent one byte every `every` (a trickling server or
    /// proxy).
    Trickle { body: String, every: Duration },
    /// `200` with a body of `size` bytes: a JSON list whose padding is whitespace (`lines`
    /// false), or one watch line that never ends (`lines` true, chunked); sent until the client
    /// stops reading.
    Huge { size: u64, lines: bool },
    /// An empty list page with a new continue token each time (`tok-1`, `tok-2`...), forever.
    EndlessContinue,
    /// A redirect (`code`, e.g. 302) to `location`.
    Redirect(u16, String),
    /// A whole JSON body with this status code.
    Json(u16, String),
    /// A watch stream: each line sent as a chunk, `gap` apart, then held open for `hold` and
    /// ended.
    Stream {
        lines: Vec<String>,
        gap: Duration,
        hold: Duration,
    },
}

/// A route: `method` (GET unless set with [`Route::post`]) `path`, with every string of `query`
/// in the decoded query (and, when `watch` is Some, `watch=true` present or absent).
#[derive(Debug)]
pub struct Route {
    pub method: &'static str,
    pub path: String,
    pub query: Vec<String>,
    pub watch: Option<bool>,
    pub replies: Vec<Reply>,
    next: usize,
}

impl Route {
    pub fn new(path: &str) -> Self {
        Route {
            method: "GET",
            path: path.to_string(),
            query: Vec::new(),
            watch: None,
            replies: Vec::new(),
            next: 0,
        }
    }
    pub fn query(mut self, q: &str) -> Self {
        self.query.push(q.to_string());
        self
    }
    /// A POST (a create): the request's body is logged, see [`FakeApi::bodies`].
    pub fn post(mut self) -> Self {
        self.method = "POST";
        self
    }
    pub fn list(mut self) -> Self {
        self.watch = Some(false);
        self
    }
    pub fn watch(mut self) -> Self {
        self.watch = Some(true);
        self
    }
    pub fn json(mut self, code: u16, body: &str) -> Self {
        self.replies.push(Reply::Json(code, body.to_string()));
        self
    }
    pub fn fixture(self, code: u16, name: &str) -> Self {
        let body = fixture(name);
        self.json(code, &body)
    }
    pub fn stream(mut self, lines: &[String], gap_ms: u64, hold_ms: u64) -> Self {
        self.replies.push(Reply::Stream {
            lines: lines.to_vec(),
            gap: Duration::from_millis(gap_ms),
            hold: Duration::from_millis(hold_ms),
        });
        self
    }
}

/// The API fixtures (`crates/cluster/tests/fixtures`).
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../cluster/tests/fixtures")
        .canonicalize()
        .expect("fixtures dir")
}

/// A fixture's text (`api/pods-page1.json`).
pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixtures().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A running fake server.
pub struct FakeApi {
    pub port: u16,
    log: Arc<Mutex<Vec<(Instant, String)>>>,
}

impl FakeApi {
    /// Starts serving `routes`; unmatched requests get a 404 Status.
    pub fn start(routes: Vec<Route>) -> FakeApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let log = Arc::new(Mutex::new(Vec::new()));
        let routes = Arc::new(Mutex::new(routes));
        let l2 = log.clone();
        thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                // Every reply is written in pieces: without this, Nagle and delayed ACKs add
                // 40 ms to each request.
                let _ = conn.set_nodelay(true);
                let (routes, log) = (routes.clone(), l2.clone());
                thread::spawn(move || serve(conn, &routes, &log));
            }
        });
        FakeApi { port, log }
    }

    /// The bodies of the requests to `path` (POSTs), in order.
    pub fn bodies(&self, path: &str) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter_map(|(_, l)| {
                let (head, body) = l.split_once('\n')?;
                (head.split_whitespace().nth(1)? == path).then(|| body.to_string())
            })
            .collect()
    }

    /// Request lines served so far (`GET /api/v1/pods?limit=500`), query decoded.
    pub fn requests(&self) -> Vec<String> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .map(|(_, r)| r.split('\n').next().unwrap_or("").to_string())
            .collect()
    }

    /// The most requests that arrived within any one second.
    pub fn max_per_second(&self) -> usize {
        let times: Vec<Instant> = self.log.lock().unwrap().iter().map(|(t, _)| *t).collect();
        let mut best = 0;
        let mut lo = 0;
        for hi in 0..times.len() {
            while times[hi].duration_since(times[lo]) >= Duration::from_secs(1) {
                lo += 1;
            }
            best = best.max(hi - lo + 1);
        }
        best
    }

    /// A kubeconfig pointing at this server, written into `dir`.
    pub fn kubeconfig(&self, dir: &std::path::Path) -> PathBuf {
        kubeconfig_for(&format!("http://127.0.0.1:{}", self.port), dir)
    }
}

/// A kubeconfig for `server` (context `fake`, namespace `shop`, a bearer token).
pub fn kubeconfig_for(server: &str, dir: &std::path::Path) -> PathBuf {
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: {server}\n\
         contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: tester\n    namespace: shop\n\
         current-context: fake\nusers:\n- name: tester\n  user:\n    token: test-token\n"
    );
    let p = dir.join("kubeconfig");
    std::fs::write(&p, text).expect("write kubeconfig");
    p
}

/// A port nothing listens on.
pub fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        _ => "Error",
    }
}

fn serve(conn: TcpStream, routes: &Mutex<Vec<Route>>, log: &Mutex<Vec<(Instant, String)>>) {
    let mut reader = BufReader::new(conn.try_clone().expect("clone"));
    let mut conn = conn;
    // Keep-alive: serve requests until the client closes.
    while let Some((method, target, body)) = read_request(&mut reader) {
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p.to_string(), decode(q)),
            None => (target.clone(), String::new()),
        };
        let mut logged = if query.is_empty() {
            format!("{method} {path}")
        } else {
            format!("{method} {path}?{query}")
        };
        if !body.is_empty() {
            logged = format!("{logged}\n{body}");
        }
        let n = {
            let mut l = log.lock().unwrap();
            l.push((Instant::now(), logged));
            l.len()
        };
        let reply = route_reply(routes, &method, &path, &query);
        if !write_reply(&mut conn, reply, n) {
            return;
        }
    }
}

/// The method, target and body of the next request, or `None` when the client closed.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, String, String)> {
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return None;
    }
    let mut length = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length.min(16 << 20)];
    std::io::Read::read_exact(reader, &mut body).ok()?;
    let mut words = line.split_whitespace();
    let method = words.next().unwrap_or("GET").to_string();
    let target = words.next().unwrap_or("").to_string();
    Some((method, target, String::from_utf8_lossy(&body).into_owned()))
}

/// The next reply of the first route that matches (its last reply repeats), else a 404 Status.
fn route_reply(routes: &Mutex<Vec<Route>>, method: &str, path: &str, query: &str) -> Reply {
    let is_watch = query.split('&').any(|kv| kv == "watch=true");
    let reply = {
        let mut rs = routes.lock().unwrap();
        rs.iter_mut()
            .find(|r| {
                r.method == method
                    && r.path == path
                    && r.query.iter().all(|q| query.contains(q.as_str()))
                    && r.watch.is_none_or(|w| w == is_watch)
            })
            .map(|r| {
                let i = r.next.min(r.replies.len() - 1);
                r.next += 1;
                r.replies[i].clone()
            })
    };
    reply.unwrap_or_else(|| {
        Reply::Json(
            404,
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","details":{},"code":404}"#.into(),
        )
    })
}

/// Writes `reply` to the `n`th request; false when the connection is gone.
fn write_reply(conn: &mut TcpStream, reply: Reply, n: usize) -> bool {
    match reply {
        Reply::Trickle { body, every } => trickle(conn, &body, every),
        Reply::Huge { size, lines } => huge(conn, size, lines),
        Reply::EndlessContinue => {
            let body = format!(
                r#"{{"kind":"PodList","apiVersion":"v1","metadata":{{"resourceVersion":"1","continue":"tok-{n}"}},"items":[]}}"#
            );
            write!(
                conn,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .and_then(|()| conn.flush())
            .is_ok()
        }
        Reply::Redirect(code, location) => write!(
            conn,
            "HTTP/1.1 {code} Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n"
        )
        .and_then(|()| conn.flush())
        .is_ok(),
        Reply::Json(code, body) => write!(
            conn,
            "HTTP/1.1 {code} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            reason(code),
            body.len()
        )
        .and_then(|()| conn.flush())
        .is_ok(),
        Reply::Stream { lines, gap, hold } => {
            let mut r = write!(
                conn,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            );
            for l in &lines {
                let chunk = format!("{l}\n");
                r = r.and_then(|()| write!(conn, "{:x}\r\n{chunk}\r\n", chunk.len()));
                r = r.and_then(|()| conn.flush());
                thread::sleep(gap);
            }
            thread::sleep(hold);
            r.and_then(|()| write!(conn, "0\r\n\r\n"))
                .and_then(|()| conn.flush())
                .is_ok()
        }
    }
}

fn trickle(conn: &mut TcpStream, body: &str, every: Duration) -> bool {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    if conn.write_all(head.as_bytes()).is_err() {
        return false;
    }
    for b in body.as_bytes() {
        if conn.write_all(&[*b]).and_then(|()| conn.flush()).is_err() {
            return false;
        }
        thread::sleep(every);
    }
    true
}

fn huge(conn: &mut TcpStream, size: u64, lines: bool) -> bool {
    let (open, close) = if lines {
        (
            r#"{"type":"ADDED","object":{"kind":"Pod","metadata":{"name":""#,
            "\"}}}\n",
        )
    } else {
        (
            r#"{"kind":"PodList","apiVersion":"v1","metadata":{},"items":["#,
            "]}",
        )
    };
    let head = if lines {
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_string()
    } else {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
        )
    };
    if conn.write_all(head.as_bytes()).is_err() {
        return false;
    }
    let pad = (size as usize).saturating_sub(open.len() + close.len());
    let fill = if lines { b'x' } else { b' ' };
    let chunk = vec![fill; 1 << 20];
    let mut send = |data: &[u8]| -> std::io::Result<()> {
        if lines {
            write!(conn, "{:x}\r\n", data.len())?;
            conn.write_all(data)?;
            conn.write_all(b"\r\n")
        } else {
            conn.write_all(data)
        }
    };
    let mut r = send(open.as_bytes());
    let mut left = pad;
    while r.is_ok() && left > 0 {
        let n = left.min(chunk.len());
        r = send(&chunk[..n]);
        left -= n;
    }
    r = r.and_then(|()| send(close.as_bytes()));
    if lines {
        r = r.and_then(|()| send(b""));
    }
    r.is_ok()
}
