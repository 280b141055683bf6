//! `deploy/webhook.yaml` and `deploy/webhook-without-cert-manager.md`: the manifest passes the
//! audit, its pieces name each other (Service, Deployment, Secret, cert-manager Certificate,
//! ValidatingWebhookConfiguration, RBAC, PDB) as the issue asks, and the doc's openssl recipe
//! makes certificates the webhook serves and a client trusting only the CA accepts, renewed
//! without a restart. The recipe skips (failing under OOMDOC_REQUIRE_REAL) without openssl or
//! curl.
//!
//! - `main.rs`: reading the manifest and finding its pieces;
//! - `manifest.rs`: the manifest's checks;
//! - `recipe.rs`: the doc's tested blocks, run.

mod manifest;
mod recipe;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use oomdoc_document::value::{load, Node};
use oomdoc_testkit::{real, runnable, skip};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn manifest_path() -> PathBuf {
    root().join("deploy/webhook.yaml")
}

fn doc_path() -> PathBuf {
    root().join("deploy/webhook-without-cert-manager.md")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every document of `text`.
fn documents(text: &str) -> Vec<Node> {
    load(text).unwrap_or_else(|e| panic!("not YAML: {e:?}"))
}

/// The documents of deploy/webhook.yaml.
fn manifest() -> Vec<Node> {
    documents(&read(&manifest_path()))
}

/// The one document of `kind` named `name`.
fn one<'a>(docs: &'a [Node], kind: &str, name: &str) -> &'a Node {
    let found: Vec<&Node> = docs
        .iter()
        .filter(|d| {
            d.str_at(&["kind"]) == Some(kind) && d.str_at(&["metadata", "name"]) == Some(name)
        })
        .collect();
    assert_eq!(
        found.len(),
        1,
        "{kind} {name}: {} in the manifest",
        found.len()
    );
    found[0]
}

/// The scalars of the sequence at `path` (nothing when absent).
fn strs<'a>(n: &'a Node, path: &[&str]) -> Vec<&'a str> {
    n.at(path)
        .map(|s| s.items().iter().filter_map(Node::str).collect())
        .unwrap_or_default()
}

/// The scalar at `path`, which must be there.
fn s<'a>(n: &'a Node, path: &[&str]) -> &'a str {
    n.str_at(path)
        .unwrap_or_else(|| panic!("no {} in {n:#?}", path.join(".")))
}

/// The mapping at `path` as (key, scalar) pairs.
fn labels(n: &Node, path: &[&str]) -> BTreeSet<(String, String)> {
    match n.at(path).map(|m| &m.v) {
        Some(oomdoc_document::value::V::Map(m)) => m
            .iter()
            .map(|(k, v)| (k.clone(), v.str().unwrap_or_default().to_string()))
            .collect(),
        _ => panic!("no mapping at {}", path.join(".")),
    }
}

fn deployment(docs: &[Node]) -> &Node {
    one(docs, "Deployment", "oomdoc-webhook")
}

/// The Deployment's one container.
fn container(docs: &[Node]) -> &Node {
    let c = deployment(docs)
        .at(&["spec", "template", "spec", "containers"])
        .expect("containers")
        .items();
    assert_eq!(c.len(), 1, "one container");
    &c[0]
}

/// The value of `--flag=VALUE` in the container's args.
fn arg<'a>(docs: &'a [Node], flag: &str) -> &'a str {
    let prefix = format!("{flag}=");
    strs(container(docs), &["args"])
        .into_iter()
        .find_map(|a| a.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {flag}= in the args"))
}

/// The container port named `name`.
fn container_port(docs: &[Node], name: &str) -> i64 {
    container(docs)
        .at(&["ports"])
        .expect("ports")
        .items()
        .iter()
        .find(|p| p.str_at(&["name"]) == Some(name))
        .and_then(|p| p.i(&["containerPort"]))
        .unwrap_or_else(|| panic!("no container port {name}"))
}

/// The port of a `HOST:PORT` address.
fn port_of(addr: &str) -> i64 {
    addr.rsplit_once(':')
        .and_then(|(_, p)| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {addr}"))
}

/// The webhook of the ValidatingWebhookConfiguration.
fn webhook(docs: &[Node]) -> &Node {
    let hooks = one(docs, "ValidatingWebhookConfiguration", "oomdoc")
        .at(&["webhooks"])
        .expect("webhooks")
        .items();
    assert_eq!(hooks.len(), 1, "one webhook");
    &hooks[0]
}

/// The name the API server calls: `<service>.<namespace>.svc`.
fn service_dns(docs: &[Node]) -> String {
    let svc = webhook(docs)
        .at(&["clientConfig", "service"])
        .expect("service");
    format!("{}.{}.svc", s(svc, &["name"]), s(svc, &["namespace"]))
}

fn oomdoc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oomdoc"))
        .args(args)
        .output()
        .expect("oomdoc")
}
