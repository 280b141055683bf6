//! Every workload kind, Lists, LimitRange, and the fields read from a pod spec.

mod common;

use common::*;
use oomdoc_manifest::{read_str, Item};

const CONTAINER: &str = "      containers:\n      - name: app\n        image: app:1\n";

fn kind_yaml(kind: &str, api: &str) -> String {
    format!("apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: x\n  namespace: ns\nspec:\n  template:\n    spec:\n{CONTAINER}")
}

#[test]
fn controllers_with_spec_template_spec() {
    for (kind, api) in [
        ("Deployment", "apps/v1"),
        ("StatefulSet", "apps/v1"),
        ("DaemonSet", "apps/v1"),
        ("ReplicaSet", "apps/v1"),
        ("ReplicationController", "v1"),
        ("Job", "batch/v1"),
        ("Rollout", "argoproj.io/v1alpha1"),
        ("DeploymentConfig", "apps.openshift.io/v1"),
    ] {
        let items = read_str("k.yaml", &kind_yaml(kind, api));
        no_errors(&items);
        let w = one(&items);
        assert_eq!(w.kind, kind);
        assert_eq!(w.api_version.as_deref(), Some(api));
        assert_eq!(w.name.as_deref(), Some("x"));
        assert_eq!(w.namespace.as_deref(), Some("ns"));
        assert_eq!(w.pos, pos(1, 1));
        assert_eq!(w.pod.containers.len(), 1, "{kind}");
        assert_eq!(w.pod.containers[0].name.value, "app");
        assert_eq!(w.pod.containers[0].image.as_ref().unwrap().value, "app:1");
        assert_eq!(w.pod.pos, pos(9, 7), "{kind}");
        assert!(w.source.is_none());
    }
}

#[test]
fn pod_cronjob_podtemplate() {
    let pod = "kind: Pod\napiVersion: v1\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n";
    let w = read_str("p.yaml", pod);
    assert_eq!(one(&w).kind, "Pod");
    assert_eq!(one(&w).pod.containers[0].name.value, "a");

    let cron = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: job\n";
    let items = read_str("c.yaml", cron);
    no_errors(&items);
    assert_eq!(one(&items).pod.containers[0].name.value, "job");
    assert_eq!(one(&items).pod.containers[0].pos, pos(12, 13));

    let pt = "apiVersion: v1\nkind: PodTemplate\nmetadata:\n  name: t\ntemplate:\n  metadata:\n    annotations:\n      oomdoc.dev/ignore: OOM001\n  spec:\n    containers:\n    - name: t\n";
    let items = read_str("t.yaml", pt);
    no_errors(&items);
    assert_eq!(one(&items).kind, "PodTemplate");
    assert_eq!(codes(&one(&items).ignore), vec!["OOM001"]);
}

#[test]
fn other_objects_are_skipped_but_counted() {
    let text = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports: [{port: 80}]\n---\napiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nspec:\n  template:\n    spec:\n      project: default\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: patch}\nspec:\n  replicas: 2\n";
    let items = read_str("s.yaml", text);
    assert!(items.is_empty(), "{items:#?}");
    let dir = tempdir("skipped");
    std::fs::write(dir.join("a.yaml"), text).unwrap();
    let stats =
        oomdoc_manifest::read_inputs(std::slice::from_ref(&dir), &Default::default(), &mut |_| {});
    assert_eq!(
        (
            stats.files,
            stats.documents,
            stats.workloads,
            stats.skipped_documents
        ),
        (1, 3, 0, 3)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

pub fn tempdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("oomdoc-manifest-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn typed_and_untyped_lists_yaml() {
    let text = "apiVersion: v1\nkind: PodList\nitems:\n- metadata:\n    name: p1\n  spec:\n    containers:\n    - name: a\n- metadata:\n    name: p2\n  spec:\n    containers:\n    - name: b\n";
    let items = read_str("l.yaml", text);
    no_errors(&items);
    let w = workloads(&items);
    assert_eq!(w.len(), 2);
    assert_eq!(
        (w[0].kind.as_str(), w[0].name.as_deref()),
        ("Pod", Some("p1"))
    );
    assert_eq!(w[0].api_version.as_deref(), Some("v1"));
    assert_eq!(w[0].pos, pos(4, 3));
    assert_eq!(w[1].pos, pos(9, 3));

    let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: d}\n  spec:\n    template:\n      spec:\n        containers: [{name: c}]\n- apiVersion: v1\n  kind: LimitRange\n  metadata: {name: lr, namespace: x}\n  spec:\n    limits:\n    - type: Container\n      default: {memory: 512Mi}\n- apiVersion: v1\n  kind: Service\n  metadata: {name: s}\n";
    let items = read_str("l.yaml", text);
    no_errors(&items);
    assert_eq!(one(&items).kind, "Deployment");
    let lr = limit_ranges(&items);
    assert_eq!(lr.len(), 1);
    assert_eq!(lr[0].namespace.as_deref(), Some("x"));
    assert_eq!(q(&lr[0].container_items[0].default.memory), "512Mi");
    // Order: the Deployment, then the LimitRange.
    assert!(matches!(items[0], Item::Workload(_)) && matches!(items[1], Item::LimitRange(_)));
}

#[test]
fn lists_json() {
    let text = r#"{
    "apiVersion": "v1",
    "items": [
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": "data"},
            "spec": {"template": {"spec": {"containers": [
                {"name": "db", "resources": {"limits": {"memory": "2Gi", "cpu": 1.5}}}
            ]}}}
        }
    ],
    "kind": "List",
    "metadata": {"resourceVersion": ""}
}
"#;
    let items = read_str("l.json", text);
    no_errors(&items);
    let w = one(&items);
    assert_eq!(w.kind, "StatefulSet");
    assert_eq!(w.pos, pos(5, 13));
    let c = &w.pod.containers[0];
    assert_eq!(q(&c.resources.limits.memory), "2Gi");
    assert_eq!(q(&c.resources.limits.cpu), "1500m");
    assert_eq!(c.resources.limits.memory.as_ref().unwrap().pos, pos(9, 67));

    // A typed list from the API, tab-indented and with escapes.
    let text = "{\n\t\"kind\": \"DeploymentList\",\n\t\"apiVersion\": \"apps/v1\",\n\t\"items\": [{\n\t\t\"metadata\": {\"name\": \"we\\u00efrd\\/name\"},\n\t\t\"spec\": {\"template\": {\"spec\": {\"containers\": [{\"name\": \"x\\ty\"}]}}}\n\t}]\n}";
    let items = read_str("t.json", text);
    no_errors(&items);
    let w = one(&items);
    assert_eq!(w.kind, "Deployment");
    assert_eq!(w.name.as_deref(), Some("weïrd/name"));
    assert_eq!(w.pod.containers[0].name.value, "x\ty");
}

#[test]
fn limit_range_container_items_only() {
    let text = "apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: mem\n  namespace: team\nspec:\n  limits:\n  - type: Pod\n    max: {memory: 8Gi}\n  - type: Container\n    default:\n      memory: 1Gi\n      cpu: 500m\n    defaultRequest:\n      memory: 256Mi\n    max:\n      memory: 4Gi\n    min:\n      memory: 16Mi\n";
    let items = read_str("lr.yaml", text);
    no_errors(&items);
    let lr = limit_ranges(&items);
    assert_eq!(lr.len(), 1);
    let lr = lr[0];
    assert_eq!(
        (lr.name.as_deref(), lr.namespace.as_deref(), lr.pos),
        (Some("mem"), Some("team"), pos(1, 1))
    );
    assert_eq!(lr.container_items.len(), 1);
    let it = &lr.container_items[0];
    assert_eq!(
        (q(&it.default.memory), q(&it.default.cpu)),
        ("1Gi".into(), "500m".into())
    );
    assert_eq!(q(&it.default_request.memory), "256Mi");
    assert_eq!(
        (q(&it.max.memory), q(&it.min.memory)),
        ("4Gi".into(), "16Mi".into())
    );
    assert_eq!(it.default.pos, Some(pos(11, 5)));
    assert_eq!(it.default.memory.as_ref().unwrap().pos, pos(12, 15));
}

#[test]
fn pod_spec_fields() {
    let text = r#"apiVersion: v1
kind: Pod
metadata:
  name: full
  annotations:
    kubernetes.io/config.source: file
    oomdoc.dev/ignore: "OOM001, OOM002 OOM001"
spec:
  priorityClassName: high
  priority: 1000
  overhead:
    memory: 120Mi
  resources:
    limits: {memory: 1Gi}
  volumes:
  - name: cache
    emptyDir:
      medium: Memory
      sizeLimit: 64Mi
  - name: scratch
    emptyDir: {}
  - name: cfg
    configMap: {name: c}
  initContainers:
  - name: sidecar
    restartPolicy: Always
  - name: init
  containers:
  - name: app
    command: [java]
    args: ["-Xmx512m", -jar, app.jar]
    env:
    - name: JAVA_OPTS
      value: -XX:MaxRAMPercentage=75
    - name: FROM_FIELD
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    volumeMounts:
    - name: cache
      mountPath: /cache
    resources:
      requests:
        memory: 512Mi
        cpu: 250m
      limits:
        memory: 1Gi
    unknownField: ignored
status:
  qosClass: Burstable
"#;
    let items = read_str("pod.yaml", text);
    no_errors(&items);
    let w = one(&items);
    assert_eq!(codes(&w.ignore), vec!["OOM001", "OOM002"]);
    let p = &w.pod;
    assert!(p.static_or_mirror);
    assert_eq!(p.status_qos_class.as_deref(), Some("Burstable"));
    assert_eq!(p.priority, Some(1000));
    assert_eq!(p.priority_class_name.as_ref().unwrap().value, "high");
    assert_eq!(q(&p.overhead_memory), "120Mi");
    let r = p.resources.as_ref().unwrap();
    assert_eq!(q(&r.limits.memory), "1Gi");
    assert_eq!(r.pos, Some(pos(13, 3)));
    assert_eq!(p.volumes.len(), 3);
    let ed = p.volumes[0].empty_dir.as_ref().unwrap();
    assert_eq!(ed.medium.as_ref().unwrap().value, "Memory");
    assert_eq!(q(&ed.size_limit), "64Mi");
    assert!(p.volumes[1]
        .empty_dir
        .as_ref()
        .unwrap()
        .size_limit
        .is_none());
    assert!(p.volumes[2].empty_dir.is_none());
    assert_eq!(p.init_containers.len(), 2);
    assert!(p.init_containers[0].is_restartable());
    assert!(!p.init_containers[1].is_restartable());
    let c = &p.containers[0];
    let strs = |v: &Vec<oomdoc_model::Spanned<String>>| {
        v.iter().map(|s| s.value.clone()).collect::<Vec<_>>()
    };
    assert_eq!(strs(&c.command), vec!["java"]);
    assert_eq!(strs(&c.args), vec!["-Xmx512m", "-jar", "app.jar"]);
    assert_eq!(c.args[1].pos, pos(31, 24));
    assert_eq!(c.env.len(), 2);
    assert_eq!(c.env[0].name, "JAVA_OPTS");
    assert_eq!(
        c.env[0].value.as_ref().unwrap().value,
        "-XX:MaxRAMPercentage=75"
    );
    assert_eq!(c.env[0].pos, pos(33, 7));
    assert_eq!(
        (c.env[1].name.as_str(), c.env[1].value.is_none()),
        ("FROM_FIELD", true)
    );
    assert_eq!(c.volume_mounts[0].name, "cache");
    assert_eq!(c.volume_mounts[0].mount_path, "/cache");
    assert_eq!(q(&c.resources.requests.memory), "512Mi");
    assert_eq!(q(&c.resources.requests.cpu), "250m");
    assert_eq!(q(&c.resources.limits.memory), "1Gi");
    assert_eq!(c.resources.pos, Some(pos(40, 5)));
    assert_eq!(c.resources.requests.pos, Some(pos(41, 7)));
    assert_eq!(c.resources.limits.pos, Some(pos(44, 7)));
}

#[test]
fn mirror_pods_and_api_source() {
    let mk = |ann: &str| {
        format!(
            "kind: Pod\nmetadata:\n  annotations:\n    {ann}\nspec:\n  containers: [{{name: a}}]\n"
        )
    };
    let s = |ann: &str| one(&read_str("m.yaml", &mk(ann))).pod.static_or_mirror;
    assert!(s("kubernetes.io/config.mirror: abc"));
    assert!(s("kubernetes.io/config.source: http"));
    assert!(!s("kubernetes.io/config.source: api"));
    assert!(!s("other: x"));
    // Only Pods are static.
    let d = "kind: Deployment\nmetadata:\n  annotations: {kubernetes.io/config.mirror: x}\nspec:\n  template:\n    spec:\n      containers: [{name: a}]\n";
    assert!(!one(&read_str("d.yaml", d)).pod.static_or_mirror);
}

#[test]
fn pod_level_resources_present_even_empty() {
    let t = |r: &str| {
        let text = format!("kind: Pod\nspec:\n  {r}\n  containers: [{{name: a}}]\n");
        one(&read_str("r.yaml", &text)).pod.resources.clone()
    };
    assert_eq!(t("resources: {}").unwrap().pos, Some(pos(3, 3)));
    assert!(t("resources: {}").unwrap().limits.is_empty());
    assert!(t("priority: 1").is_none());
    assert!(t("resources:").is_none());
}

#[test]
fn ignore_annotation_on_object_and_template() {
    let text = "kind: Deployment\nmetadata:\n  annotations:\n    oomdoc.dev/ignore: A1,B2\nspec:\n  template:\n    metadata:\n      annotations:\n        oomdoc.dev/ignore: B2 C3\n    spec:\n      containers: [{name: a}]\n";
    assert_eq!(
        codes(&one(&read_str("i.yaml", text)).ignore),
        vec!["A1", "B2", "C3"]
    );
}

#[test]
fn stdin_documents_keep_their_source() {
    let text = "# header\n---\nkind: Pod\nspec:\n  containers: [{name: a}]\n";
    let items = read_str("-", text);
    let src = one(&items).source.as_ref().expect("source for stdin");
    assert_eq!(src.first_line, 1);
    assert!(src.text.contains("kind: Pod"));
    assert!(one(&read_str("f.yaml", text)).source.is_none());
}

#[test]
fn merge_keys_and_anchors() {
    let text = "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - &base\n        name: a\n        resources:\n          limits: &lim {memory: 1Gi}\n      - <<: *base\n        name: b\n      - name: c\n        resources:\n          limits: *lim\n";
    let items = read_str("m.yaml", text);
    no_errors(&items);
    let c = &one(&items).pod.containers;
    assert_eq!(
        c.iter().map(|c| c.name.value.as_str()).collect::<Vec<_>>(),
        vec!["a", "b", "c"]
    );
    assert_eq!(q(&c[1].resources.limits.memory), "1Gi");
    assert_eq!(q(&c[2].resources.limits.memory), "1Gi");
    // Values keep the position where they were written (the anchor).
    assert_eq!(
        c[2].resources.limits.memory.as_ref().unwrap().pos,
        pos(9, 33)
    );
}

/// The codes of an `oomdoc.dev/ignore` list, without their positions.
fn codes(ignore: &[oomdoc_model::Spanned<String>]) -> Vec<&str> {
    ignore.iter().map(|c| c.value.as_str()).collect()
}
