//! The doc's tested blocks, run: the openssl certificates, the manifest without cert-manager,
//! the renewal.

use super::*;

/// The shell block after `<!-- tested: crates/cli/tests/webhook_deploy/recipe.rs (NAME) -->` in the
/// doc.
fn tested_block(doc: &str, name: &str) -> String {
    let marker = format!("<!-- tested: crates/cli/tests/webhook_deploy/recipe.rs ({name}) -->");
    let mut lines = doc.lines();
    let mut found = 0;
    let mut block = String::new();
    while let Some(l) = lines.next() {
        if l.trim() != marker {
            continue;
        }
        found += 1;
        assert_eq!(
            lines.next().map(str::trim),
            Some("```sh"),
            "{marker}: no ```sh after it"
        );
        for l in lines.by_ref() {
            if l.trim() == "```" {
                break;
            }
            block.push_str(l);
            block.push('\n');
        }
    }
    assert_eq!(found, 1, "{marker}: {found} in the doc");
    assert!(!block.trim().is_empty(), "{marker}: an empty block");
    block
}

/// Runs `script` with `sh -e` in `dir`.
fn run_sh(dir: &Path, script: &str) {
    let o = Command::new("sh")
        .arg("-e")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .output()
        .expect("sh");
    assert!(
        o.status.success(),
        "{script}\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn the_manifest_recipe_leaves_out_cert_manager_and_sets_the_ca_bundle() {
    let doc = read(&doc_path());
    let t = tempfile::tempdir().unwrap();
    std::fs::create_dir(t.path().join("deploy")).unwrap();
    std::fs::copy(manifest_path(), t.path().join("deploy/webhook.yaml")).unwrap();
    // Only its bytes matter here: a CA certificate's PEM text (with a newline base64 must keep).
    let ca = "-----BEGIN CERTIFICATE-----\nMIIBfake+/=\n-----END CERTIFICATE-----\n";
    std::fs::write(t.path().join("ca.crt"), ca).unwrap();
    run_sh(t.path(), &tested_block(&doc, "manifest"));
    let out = read(&t.path().join("webhook-without-cert-manager.yaml"));
    let before = manifest();
    let after = documents(&out);

    // Everything but the four cert-manager documents, in the same order.
    let cert_manager: Vec<(&str, &str)> = before
        .iter()
        .filter(|d| d.str_at(&["apiVersion"]) == Some("cert-manager.io/v1"))
        .map(|d| (s(d, &["kind"]), s(d, &["metadata", "name"])))
        .collect();
    assert_eq!(
        cert_manager,
        [
            ("Issuer", "oomdoc-selfsigned"),
            ("Certificate", "oomdoc-webhook-ca"),
            ("Issuer", "oomdoc-webhook-ca"),
            ("Certificate", "oomdoc-webhook"),
        ]
    );
    let kept = |docs: &[Node]| -> Vec<(String, String)> {
        docs.iter()
            .filter(|d| d.str_at(&["apiVersion"]) != Some("cert-manager.io/v1"))
            .map(|d| {
                (
                    s(d, &["kind"]).to_string(),
                    s(d, &["metadata", "name"]).to_string(),
                )
            })
            .collect()
    };
    assert_eq!(kept(&after), kept(&before));
    assert_eq!(after.len(), before.len() - 4);
    for (_, name) in &cert_manager {
        assert!(doc.contains(&format!("`{name}`")), "the doc names {name}");
    }

    // caBundle is ca.crt, base64; the injection annotation is gone, the rest unchanged.
    let vwc = one(&after, "ValidatingWebhookConfiguration", "oomdoc");
    assert!(vwc.at(&["metadata", "annotations"]).is_none(), "{vwc:#?}");
    let w = &vwc.at(&["webhooks"]).unwrap().items()[0];
    let bundle = s(w, &["clientConfig", "caBundle"]);
    let o = Command::new("base64")
        .arg("-d")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(bundle.as_bytes())?;
            c.wait_with_output()
        })
        .expect("base64 -d");
    assert_eq!(String::from_utf8_lossy(&o.stdout), ca, "caBundle: {bundle}");
    let old = webhook(&before);
    assert_eq!(
        s(w, &["clientConfig", "service", "name"]),
        s(old, &["clientConfig", "service", "name"])
    );
    assert_eq!(s(w, &["failurePolicy"]), "Ignore");
    assert_eq!(
        w.at(&["rules"]).unwrap().items().len(),
        old.at(&["rules"]).unwrap().items().len()
    );
    assert!(w.at(&["namespaceSelector", "matchExpressions"]).is_some());

    // The Secret the doc creates is the one the Deployment mounts, and the result still passes.
    assert!(
        doc.contains(
            "kubectl -n oomdoc create secret tls oomdoc-webhook-tls --cert=tls.crt --key=tls.key"
        ),
        "the doc creates the Secret the pods mount"
    );
    let o = oomdoc(&[
        "audit",
        "--format",
        "json",
        t.path()
            .join("webhook-without-cert-manager.yaml")
            .to_str()
            .unwrap(),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["findings"], serde_json::json!([]), "{v:#}");
    assert_eq!(v["errors"], serde_json::json!([]), "{v:#}");
}

/// `oomdoc webhook`, killed on drop, with its standard error's lines.
struct Webhook {
    child: Child,
    addr: String,
    said: Arc<Mutex<Vec<String>>>,
}

impl Drop for Webhook {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Webhook {
    fn said(&self, line: &str) -> bool {
        self.said.lock().unwrap().iter().any(|l| l == line)
    }
}

fn start_webhook(dir: &Path) -> Webhook {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oomdoc"))
        .args([
            "webhook",
            "--listen",
            "127.0.0.1:0",
            "--tls-cert",
            "tls.crt",
            "--tls-key",
            "tls.key",
            "--offline",
            "--cert-check",
            "200ms",
        ])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("oomdoc webhook");
    let err = child.stderr.take().unwrap();
    let said = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = mpsc::channel();
    let keep = said.clone();
    std::thread::spawn(move || {
        for l in BufReader::new(err).lines().map_while(Result::ok) {
            if let Some(addr) = l
                .strip_prefix("oomdoc webhook: serving https://")
                .and_then(|r| r.strip_suffix("/validate"))
            {
                let _ = tx.send(addr.to_string());
            }
            keep.lock().unwrap().push(l);
        }
    });
    let mut hook = Webhook {
        child,
        addr: String::new(),
        said,
    };
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(a) => hook.addr = a,
        Err(_) => panic!("the webhook did not start: {:?}", hook.said.lock().unwrap()),
    }
    hook
}

/// `curl` for `https://<name>:<port><path>` with the name resolved to the webhook's address.
fn curl(dir: &Path, hook: &Webhook, name: &str, path: &str, trust_ca: bool) -> Output {
    let port = port_of(&hook.addr);
    let mut c = Command::new("curl");
    c.args(["-sS", "--max-time", "5"]);
    if trust_ca {
        c.args(["--cacert", "ca.crt"]);
    }
    c.arg("--resolve")
        .arg(format!("{name}:{port}:127.0.0.1"))
        .arg(format!("https://{name}:{port}{path}"))
        .current_dir(dir)
        .output()
        .expect("curl")
}

/// The PEM certificate the webhook serves now.
fn served_certificate(dir: &Path, hook: &Webhook, name: &str) -> String {
    let o = Command::new("openssl")
        .args(["s_client", "-connect", &hook.addr, "-servername", name])
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("openssl s_client");
    pem(&String::from_utf8_lossy(&o.stdout))
}

/// The first PEM certificate in `text`.
fn pem(text: &str) -> String {
    let begin = text.find("-----BEGIN CERTIFICATE-----");
    let end = text.find("-----END CERTIFICATE-----");
    match (begin, end) {
        (Some(b), Some(e)) => text[b..e + "-----END CERTIFICATE-----".len()].to_string(),
        _ => String::new(),
    }
}

#[test]
fn the_openssl_recipe_makes_a_certificate_the_webhook_serves_and_renews_without_a_restart() {
    const TEST: &str = "webhook-without-cert-manager.md: the openssl recipe";
    if !runnable("openssl", "version") {
        return skip(TEST, "openssl not installed");
    }
    if !runnable("curl", "--version") {
        return skip(TEST, "curl not installed");
    }
    let doc = read(&doc_path());
    let name = service_dns(&manifest());
    let t = tempfile::tempdir().unwrap();
    let dir = t.path();
    run_sh(dir, &tested_block(&doc, "certificates"));
    for f in ["ca.crt", "ca.key", "tls.crt", "tls.key"] {
        assert!(dir.join(f).is_file(), "the recipe made no {f}");
    }
    // For the name the manifest's webhook configuration calls.
    let o = Command::new("openssl")
        .args(["x509", "-in", "tls.crt", "-noout", "-text"])
        .current_dir(dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    let sans: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("Subject Alternative Name"))
        .nth(1)
        .map(|l| l.split(',').map(str::trim).collect())
        .unwrap_or_default();
    assert!(sans.contains(&format!("DNS:{name}").as_str()), "{text}");

    let hook = start_webhook(dir);
    let o = curl(dir, &hook, &name, "/healthz", true);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "ok",
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Trusted because of ca.crt and the name, not by accident.
    let o = curl(dir, &hook, &name, "/healthz", false);
    assert!(!o.status.success(), "accepted without ca.crt");
    let o = curl(dir, &hook, "localhost", "/healthz", true);
    assert!(
        !o.status.success(),
        "accepted for a name not in the certificate"
    );

    // Renewal: new files in place, the same process serves the new certificate.
    let first = served_certificate(dir, &hook, &name);
    assert_eq!(first, pem(&read(&dir.join("tls.crt"))));
    run_sh(dir, &tested_block(&doc, "renewal"));
    let renewed = pem(&read(&dir.join("tls.crt")));
    assert_ne!(renewed, first, "the renewal made the same certificate");
    let start = Instant::now();
    while served_certificate(dir, &hook, &name) != renewed {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "still the old certificate: {:?}",
            hook.said.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    while !hook.said("oomdoc webhook: certificate reloaded") {
        assert!(start.elapsed() < Duration::from_secs(10), "no reload said");
        std::thread::sleep(Duration::from_millis(20));
    }
    let o = curl(dir, &hook, &name, "/healthz", true);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "ok");
    real(
        "webhook_deploy",
        "the doc's openssl certificates served and renewed by oomdoc webhook, checked with curl",
    );
}
