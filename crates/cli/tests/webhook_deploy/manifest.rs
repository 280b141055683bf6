//! The manifest's checks: the audit, and its pieces naming each other.

use super::*;

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

#[test]
fn the_service_monitor_scrapes_the_services_plain_metrics_port() {
    let docs = manifest();
    let monitor = documents(&read(&root().join("deploy/webhook-servicemonitor.yaml")));
    let monitor = one(&monitor, "ServiceMonitor", "oomdoc-webhook");
    let svc = one(&docs, "Service", "oomdoc-webhook");
    let wants = labels(monitor, &["spec", "selector", "matchLabels"]);
    assert!(
        !wants.is_empty() && wants.is_subset(&labels(svc, &["metadata", "labels"])),
        "the ServiceMonitor selects the Service"
    );
    assert_eq!(
        strs(monitor, &["spec", "namespaceSelector", "matchNames"]),
        [s(svc, &["metadata", "namespace"])]
    );
    let ports = monitor
        .at(&["spec", "endpoints"])
        .expect("endpoints")
        .items();
    assert_eq!(ports.len(), 1);
    let port = s(&ports[0], &["port"]);
    let target = svc
        .at(&["spec", "ports"])
        .expect("ports")
        .items()
        .iter()
        .find(|p| p.str_at(&["name"]) == Some(port))
        .map(|p| s(p, &["targetPort"]).to_string())
        .unwrap_or_else(|| panic!("no Service port {port}"));
    // The plain-HTTP port, where --metrics-listen serves (reviews are HTTPS only).
    assert_eq!(
        container_port(&docs, &target),
        port_of(arg(&docs, "--metrics-listen"))
    );
    assert!(ports[0].at(&["scheme"]).is_none(), "plain HTTP");
}
