//! `deploy/webhook.yaml` and `deploy/webhook-without-cert-manager.md`: the manifest passes the
//! audit, its pieces name each other (Service, Deployment, Secret, cert-manager Certificate,
//! ValidatingWebhookConfiguration, RBAC, PDB) as the issue asks, and the doc's openssl recipe
//! makes certificates the webhook serves and a client trusting only the CA accepts, renewed
//! without a restart. The recipe skips (failing under OOMDOC_REQUIRE_REAL) without openssl or
//! curl.

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

#[test]
fn the_deployment_passes_the_audit_and_its_arguments_parse() {
    let yaml = manifest_path();
    let o = oomdoc(&["audit", "--format", "json", yaml.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    assert!(o.status.success(), "{v:#}");
    assert_eq!(v["findings"], serde_json::json!([]), "{v:#}");
    // cert-manager's kinds, the webhook configuration, the PDB: not workloads, and not errors.
    assert_eq!(v["errors"], serde_json::json!([]), "{v:#}");
    let workloads = v["workloads"].as_array().expect("workloads");
    assert_eq!(workloads.len(), 1, "{v:#}");
    assert_eq!(workloads[0]["kind"], "Deployment", "{v:#}");
    assert_eq!(workloads[0]["name"], "oomdoc-webhook", "{v:#}");
    assert_eq!(workloads[0]["qos_class"], "Guaranteed", "{v:#}");

    // The container's args, as the CLI reads them (with --help, which parses them all first).
    let docs = manifest();
    let args = strs(container(&docs), &["args"]);
    assert_eq!(args.first(), Some(&"webhook"), "{args:?}");
    let mut with_help = args.clone();
    with_help.push("--help");
    let o = oomdoc(&with_help);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Warn-only as shipped; the header says how to refuse.
    assert!(!args.iter().any(|a| a.starts_with("--deny")), "{args:?}");
    let text = read(&yaml);
    for said in [
        "kubectl apply -f deploy/webhook.yaml",
        "kubectl -n oomdoc logs deploy/oomdoc-webhook",
        "--deny=error",
        "deploy/webhook-without-cert-manager.md",
    ] {
        assert!(text.contains(said), "the header does not say {said:?}");
    }
    // The sizing comment points at the measured figures (however its lines are wrapped).
    let comments = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix('#'))
        .collect::<Vec<_>>()
        .join(" ");
    let comments = comments.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        comments
            .contains("sized from the webhook's measured footprint (README, \"Speed and memory\")"),
        "the resources comment cites the README's \"Speed and memory\""
    );
}

#[test]
fn the_webhook_fails_open_fast_on_pod_kinds_outside_system_namespaces() {
    let docs = manifest();
    let vwc = one(&docs, "ValidatingWebhookConfiguration", "oomdoc");
    assert_eq!(s(vwc, &["apiVersion"]), "admissionregistration.k8s.io/v1");
    let w = webhook(&docs);
    assert_eq!(s(w, &["name"]), "audit.oomdoc.dev");
    assert_eq!(s(w, &["failurePolicy"]), "Ignore");
    assert_eq!(w.i(&["timeoutSeconds"]), Some(2));
    assert_eq!(s(w, &["sideEffects"]), "None");
    assert_eq!(strs(w, &["admissionReviewVersions"]), ["v1"]);
    assert_eq!(s(w, &["matchPolicy"]), "Equivalent");

    // Not kube-system, not its own namespace; by the label the API server sets on every one.
    let exprs = w
        .at(&["namespaceSelector", "matchExpressions"])
        .expect("namespaceSelector.matchExpressions")
        .items();
    assert_eq!(exprs.len(), 1, "{exprs:#?}");
    assert_eq!(s(&exprs[0], &["key"]), "kubernetes.io/metadata.name");
    assert_eq!(s(&exprs[0], &["operator"]), "NotIn");
    let excluded: BTreeSet<&str> = strs(&exprs[0], &["values"]).into_iter().collect();
    assert_eq!(excluded, BTreeSet::from(["kube-system", "oomdoc"]));
    assert!(w.at(&["namespaceSelector", "matchLabels"]).is_none());
    // The webhook's own namespace is excluded: its pods start without asking it.
    assert!(excluded.contains(s(deployment(&docs), &["metadata", "namespace"])));

    // Every kind the webhook reviews, and nothing else; CREATE and UPDATE, namespaced.
    let mut routed = BTreeSet::new();
    for r in w.at(&["rules"]).expect("rules").items() {
        assert_eq!(strs(r, &["operations"]), ["CREATE", "UPDATE"], "{r:#?}");
        assert_eq!(s(r, &["scope"]), "Namespaced", "{r:#?}");
        for g in strs(r, &["apiGroups"]) {
            for v in strs(r, &["apiVersions"]) {
                for res in strs(r, &["resources"]) {
                    assert!(routed.insert((g, v, res)), "{g}/{v} {res} twice");
                }
            }
        }
    }
    let resource = |kind: &str| -> (&'static str, &'static str, &'static str) {
        match kind {
            "Pod" => ("", "v1", "pods"),
            "ReplicationController" => ("", "v1", "replicationcontrollers"),
            "PodTemplate" => ("", "v1", "podtemplates"),
            "Deployment" => ("apps", "v1", "deployments"),
            "StatefulSet" => ("apps", "v1", "statefulsets"),
            "DaemonSet" => ("apps", "v1", "daemonsets"),
            "ReplicaSet" => ("apps", "v1", "replicasets"),
            "Job" => ("batch", "v1", "jobs"),
            "CronJob" => ("batch", "v1", "cronjobs"),
            other => panic!("the webhook reviews {other}: add it to deploy/webhook.yaml's rules"),
        }
    };
    let reviewed: BTreeSet<_> = oomdoc_webhook::review::POD_KINDS
        .iter()
        .map(|k| resource(k))
        .collect();
    assert_eq!(routed, reviewed);
    assert_eq!(routed.len(), 9);
}

#[test]
fn the_api_server_reaches_the_https_port_at_validate_with_the_injected_ca() {
    let docs = manifest();
    let w = webhook(&docs);
    let svc_ref = w
        .at(&["clientConfig", "service"])
        .expect("clientConfig.service");
    assert_eq!(s(svc_ref, &["path"]), "/validate");
    assert!(w.at(&["clientConfig", "url"]).is_none());
    let svc = one(&docs, "Service", s(svc_ref, &["name"]));
    assert_eq!(
        s(svc, &["metadata", "namespace"]),
        s(svc_ref, &["namespace"])
    );
    let dep = deployment(&docs);
    assert_eq!(
        s(dep, &["metadata", "namespace"]),
        s(svc_ref, &["namespace"])
    );

    // clientConfig.service.port -> the Service's port -> targetPort -> the container's port ->
    // the address the webhook listens on.
    let port = svc_ref.i(&["port"]).expect("clientConfig.service.port");
    assert_eq!(port, 443);
    let ports = svc.at(&["spec", "ports"]).expect("ports").items();
    let p = ports
        .iter()
        .find(|p| p.i(&["port"]) == Some(port))
        .expect("the Service has the webhook's port");
    let target = s(p, &["targetPort"]);
    assert_eq!(target, "https");
    assert_eq!(container_port(&docs, target), 8443);
    assert_eq!(port_of(arg(&docs, "--listen")), 8443);
    // The metrics port, for a scrape, is the plain-HTTP listener.
    let m = ports
        .iter()
        .find(|p| p.str_at(&["name"]) == Some("metrics"))
        .expect("a metrics port");
    assert_eq!(m.i(&["port"]), Some(9102));
    assert_eq!(container_port(&docs, s(m, &["targetPort"])), 9102);
    assert_eq!(port_of(arg(&docs, "--metrics-listen")), 9102);
    // The Service selects the Deployment's pods.
    let pod_labels = labels(dep, &["spec", "template", "metadata", "labels"]);
    assert!(labels(svc, &["spec", "selector"]).is_subset(&pod_labels));

    // The CA comes from the Certificate the annotation names, whose Secret the pods mount.
    let inject = s(
        one(&docs, "ValidatingWebhookConfiguration", "oomdoc"),
        &["metadata", "annotations", "cert-manager.io/inject-ca-from"],
    );
    let (ns, name) = inject.split_once('/').expect("namespace/name");
    let cert = one(&docs, "Certificate", name);
    assert_eq!(s(cert, &["apiVersion"]), "cert-manager.io/v1");
    assert_eq!(s(cert, &["metadata", "namespace"]), ns);
    assert_eq!(ns, s(dep, &["metadata", "namespace"]));
    let secret = s(cert, &["spec", "secretName"]);
    assert_eq!(secret, "oomdoc-webhook-tls");
    let pod = dep.at(&["spec", "template", "spec"]).expect("pod spec");
    let volume = pod
        .at(&["volumes"])
        .expect("volumes")
        .items()
        .iter()
        .find(|v| v.str_at(&["secret", "secretName"]) == Some(secret))
        .expect("a volume of the certificate's Secret");
    // Not world-readable: the key is for the pod's group (fsGroup) only.
    assert_eq!(volume.i(&["secret", "defaultMode"]), Some(0o440));
    assert_eq!(pod.i(&["securityContext", "fsGroup"]), Some(65532));
    let mount = container(&docs)
        .at(&["volumeMounts"])
        .expect("volumeMounts")
        .items()
        .iter()
        .find(|m| m.str_at(&["name"]) == volume.str_at(&["name"]))
        .expect("the Secret mounted");
    assert_eq!(mount.str_at(&["readOnly"]), Some("true"));
    // A directory mount (a subPath never sees the kubelet's swap of renewed files).
    assert!(mount.get("subPath").is_none());
    let dir = s(mount, &["mountPath"]);
    assert_eq!(arg(&docs, "--tls-cert"), format!("{dir}/tls.crt"));
    assert_eq!(arg(&docs, "--tls-key"), format!("{dir}/tls.key"));

    // The certificate is for the name the API server calls, from a CA cert-manager keeps.
    let names = strs(cert, &["spec", "dnsNames"]);
    let dns = service_dns(&docs);
    assert!(names.contains(&dns.as_str()), "{names:?}");
    assert!(
        names.contains(&format!("{dns}.cluster.local").as_str()),
        "{names:?}"
    );
    assert_eq!(s(cert, &["spec", "privateKey", "algorithm"]), "ECDSA");
    assert_eq!(cert.i(&["spec", "privateKey", "size"]), Some(256));
    assert_eq!(s(cert, &["spec", "privateKey", "rotationPolicy"]), "Always");
    assert!(cert.str_at(&["spec", "duration"]).is_some());
    assert!(cert.str_at(&["spec", "renewBefore"]).is_some());
    let ca_issuer = one(&docs, "Issuer", s(cert, &["spec", "issuerRef", "name"]));
    assert_eq!(s(cert, &["spec", "issuerRef", "kind"]), "Issuer");
    assert_eq!(s(ca_issuer, &["metadata", "namespace"]), ns);
    let ca_secret = s(ca_issuer, &["spec", "ca", "secretName"]);
    let ca_cert: Vec<&Node> = docs
        .iter()
        .filter(|d| {
            d.str_at(&["kind"]) == Some("Certificate")
                && d.str_at(&["spec", "secretName"]) == Some(ca_secret)
        })
        .collect();
    assert_eq!(
        ca_cert.len(),
        1,
        "the CA issuer's Secret comes from one Certificate"
    );
    let ca_cert = ca_cert[0];
    assert_eq!(s(ca_cert, &["metadata", "name"]), "oomdoc-webhook-ca");
    assert_eq!(s(ca_cert, &["spec", "isCA"]), "true");
    assert_eq!(s(ca_cert, &["spec", "issuerRef", "kind"]), "Issuer");
    let root = one(&docs, "Issuer", s(ca_cert, &["spec", "issuerRef", "name"]));
    assert_eq!(s(root, &["metadata", "name"]), "oomdoc-selfsigned");
    assert!(root.at(&["spec", "selfSigned"]).is_some(), "{root:#?}");
    for d in docs
        .iter()
        .filter(|d| d.str_at(&["apiVersion"]) == Some("cert-manager.io/v1"))
    {
        assert_eq!(s(d, &["metadata", "namespace"]), ns, "{d:#?}");
    }
}

#[test]
fn two_replicas_on_different_nodes_keep_one_answering_unprivileged() {
    let docs = manifest();
    let dep = deployment(&docs);
    assert_eq!(dep.i(&["spec", "replicas"]), Some(2));
    let pod_labels = labels(dep, &["spec", "template", "metadata", "labels"]);
    let selector = labels(dep, &["spec", "selector", "matchLabels"]);
    assert!(!selector.is_empty() && selector.is_subset(&pod_labels));

    // Different nodes: a preferred anti-affinity by hostname, or a spread over hostnames.
    let pod = dep.at(&["spec", "template", "spec"]).expect("pod spec");
    let anti = pod
        .at(&[
            "affinity",
            "podAntiAffinity",
            "preferredDuringSchedulingIgnoredDuringExecution",
        ])
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .any(|t| {
            t.str_at(&["podAffinityTerm", "topologyKey"]) == Some("kubernetes.io/hostname")
                && labels(t, &["podAffinityTerm", "labelSelector", "matchLabels"])
                    .is_subset(&pod_labels)
        });
    let spread = pod
        .at(&["topologySpreadConstraints"])
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .any(|t| t.str_at(&["topologyKey"]) == Some("kubernetes.io/hostname"));
    assert!(anti || spread, "nothing spreads the replicas over nodes");

    // A PDB selecting these pods keeps one through a drain.
    let pdb = one(&docs, "PodDisruptionBudget", "oomdoc-webhook");
    assert_eq!(s(pdb, &["apiVersion"]), "policy/v1");
    assert_eq!(
        s(pdb, &["metadata", "namespace"]),
        s(dep, &["metadata", "namespace"])
    );
    assert_eq!(pdb.i(&["spec", "minAvailable"]), Some(1));
    let pdb_selects = labels(pdb, &["spec", "selector", "matchLabels"]);
    assert!(!pdb_selects.is_empty() && pdb_selects.is_subset(&pod_labels));

    // Probed over plain HTTP on the metrics port (no certificate for the kubelet to trust).
    let c = container(&docs);
    // Ready once the LimitRanges are listed (or refused), alive while it serves.
    for (probe, path) in [("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")] {
        assert_eq!(s(c, &[probe, "httpGet", "path"]), path, "{probe}");
        assert_eq!(s(c, &[probe, "httpGet", "port"]), "metrics", "{probe}");
        assert!(c.at(&[probe, "httpGet", "scheme"]).is_none(), "{probe}");
    }

    // Unprivileged and read-only.
    for (path, want) in [
        (&["runAsNonRoot"][..], "true"),
        (&["runAsUser"], "65532"),
        (&["readOnlyRootFilesystem"], "true"),
        (&["allowPrivilegeEscalation"], "false"),
        (&["seccompProfile", "type"], "RuntimeDefault"),
    ] {
        let mut p = vec!["securityContext"];
        p.extend_from_slice(path);
        assert_eq!(s(c, &p), want, "{}", p.join("."));
    }
    assert_eq!(
        strs(c, &["securityContext", "capabilities", "drop"]),
        ["ALL"]
    );
    assert!(c.at(&["securityContext", "privileged"]).is_none());
    assert_eq!(s(c, &["image"]), "ghcr.io/oomdoc/oomdoc:latest");

    // Read-only API access: get/list/watch of LimitRanges, for the pods' ServiceAccount.
    let role = one(&docs, "ClusterRole", "oomdoc-webhook");
    let rules = role.at(&["rules"]).expect("rules").items();
    assert_eq!(rules.len(), 1, "{rules:#?}");
    assert_eq!(strs(&rules[0], &["apiGroups"]), [""]);
    assert_eq!(strs(&rules[0], &["resources"]), ["limitranges"]);
    let verbs: BTreeSet<&str> = strs(&rules[0], &["verbs"]).into_iter().collect();
    assert_eq!(verbs, BTreeSet::from(["get", "list", "watch"]));
    assert!(rules[0].at(&["resourceNames"]).is_none());
    let binding = one(&docs, "ClusterRoleBinding", "oomdoc-webhook");
    assert_eq!(s(binding, &["roleRef", "kind"]), "ClusterRole");
    assert_eq!(s(binding, &["roleRef", "name"]), "oomdoc-webhook");
    let subjects = binding.at(&["subjects"]).expect("subjects").items();
    assert_eq!(subjects.len(), 1);
    let sa = s(pod, &["serviceAccountName"]);
    assert_eq!(s(&subjects[0], &["kind"]), "ServiceAccount");
    assert_eq!(s(&subjects[0], &["name"]), sa);
    assert_eq!(
        s(&subjects[0], &["namespace"]),
        s(dep, &["metadata", "namespace"])
    );
    one(&docs, "ServiceAccount", sa);
    // No Role or other ClusterRole grants more.
    let roles = docs
        .iter()
        .filter(|d| matches!(d.str_at(&["kind"]), Some("Role" | "ClusterRole")))
        .count();
    assert_eq!(roles, 1);
}

/// The shell block after `<!-- tested: crates/cli/tests/webhook_deploy.rs (NAME) -->` in the
/// doc.
fn tested_block(doc: &str, name: &str) -> String {
    let marker = format!("<!-- tested: crates/cli/tests/webhook_deploy.rs ({name}) -->");
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
