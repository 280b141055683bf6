#!/usr/bin/env python3
"""Writes a `kubectl get pods,nodes,events -A -o json`-shaped List of N pods (default 100,000)
made from the pod templates of the corpus' real manifests, for `oomdoc scan --from`.

    python3 benches/scan_100k.py [--pods N] [--corpus DIR] OUT.json   (OUT under /tmp, not the repo)

Each pod takes a corpus template (Deployment/StatefulSet/DaemonSet/Job/CronJob/Pod spec) in turn,
a namespace of 200, a node of 1,000, and a status: every 30th container OOM-killed (lastState),
every 20th restarting with Error, every 100th pod evicted; every container else running. The
nodes (8-64Gi allocatable) and an OOMKilling/Evicted event per 500 pods follow the pods, as
kubectl prints them. Written as it goes: the generator holds one pod at a time."""
import argparse, json, os, sys

import yaml  # PyYAML


def templates(corpus):
    out = []
    for root, _, files in os.walk(corpus):
        for f in sorted(files):
            if not f.endswith((".yaml", ".yml", ".json")):
                continue
            try:
                docs = list(yaml.safe_load_all(open(os.path.join(root, f), encoding="utf-8", errors="replace")))
            except Exception:
                continue
            for d in docs:
                for spec in pod_specs(d):
                    out.append(spec)
    return out


def pod_specs(d):
    if not isinstance(d, dict):
        return
    if d.get("kind") == "List":
        for i in d.get("items") or []:
            yield from pod_specs(i)
        return
    spec = d.get("spec")
    if not isinstance(spec, dict):
        return
    if d.get("kind") == "Pod":
        s = spec
    elif d.get("kind") == "CronJob":
        s = (((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec")
    else:
        s = (spec.get("template") or {}).get("spec")
    if isinstance(s, dict) and isinstance(s.get("containers"), list) and s["containers"]:
        if all(isinstance(c, dict) and isinstance(c.get("name"), str) for c in s["containers"]):
            # What the API server stores: quantities as strings; templates with placeholders
            # ("<ADD LUN ID Here>") would be rejected, so they are left out.
            if '"<' in json.dumps(s):
                return
            for c in s["containers"] + (s.get("initContainers") or []):
                for kind in ("requests", "limits"):
                    m = ((c.get("resources") or {}).get(kind)) if isinstance(c, dict) else None
                    if isinstance(m, dict):
                        for k, v in m.items():
                            if isinstance(v, (int, float)):
                                m[k] = str(v)
            yield s


def status_for(i, spec, ts):
    statuses = []
    for j, c in enumerate(spec["containers"]):
        k = i * 7 + j
        st = {"name": c["name"], "image": str(c.get("image", "busybox")), "imageID": "",
              "containerID": f"containerd://{k:064x}", "ready": True, "started": True,
              "restartCount": 0, "state": {"running": {"startedAt": ts}}, "lastState": {}}
        if k % 30 == 0:
            st["restartCount"] = 1 + k % 9
            st["lastState"] = {"terminated": {"exitCode": 137, "reason": "OOMKilled",
                                              "startedAt": "2026-11-27T10:00:00Z", "finishedAt": ts,
                                              "containerID": f"containerd://{k + 1:064x}"}}
        elif k % 20 == 0:
            st["restartCount"] = 1 + k % 4
            st["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error",
                                              "startedAt": "2026-11-27T10:00:00Z", "finishedAt": ts}}
        statuses.append(st)
    return statuses


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pods", type=int, default=100_000)
    ap.add_argument("--corpus", default=os.path.join(os.path.dirname(__file__), "../../shared/corpus/manifests"))
    ap.add_argument("out")
    a = ap.parse_args()
    if os.path.realpath(a.out).startswith(os.path.realpath(os.path.join(os.path.dirname(__file__), ".."))):
        sys.exit("write the dump outside the repository (e.g. /tmp/scan_100k.json)")
    tpls = templates(a.corpus)
    if not tpls:
        sys.exit(f"no pod templates under {a.corpus}")
    nodes = 1000
    with open(a.out, "w") as f:
        f.write('{"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": [\n')
        for i in range(a.pods):
            spec = json.loads(json.dumps(tpls[i % len(tpls)]))
            spec["nodeName"] = f"node-{i % nodes:04d}"
            ts = f"2026-11-27T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}Z"
            status = {"phase": "Running", "startTime": "2026-11-27T00:00:00Z",
                      "containerStatuses": status_for(i, spec, ts)}
            if i % 100 == 99:
                status = {"phase": "Failed", "reason": "Evicted",
                          "message": "The node was low on resource: memory. Threshold quantity: 100Mi, available: 90000Ki. ",
                          "startTime": "2026-11-27T00:00:00Z"}
            pod = {"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": f"pod-{i:06d}", "namespace": f"ns-{i % 200:03d}",
                                "uid": f"00000000-0000-4000-8000-{i:012d}", "resourceVersion": str(1000 + i),
                                "creationTimestamp": "2026-11-27T00:00:00Z"},
                   "spec": spec, "status": status}
            f.write(json.dumps(pod))
            f.write(",\n")
        for n in range(nodes):
            gi = 8 << (n % 4)
            node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"node-{n:04d}"},
                    "status": {"allocatable": {"memory": f"{gi}Gi", "cpu": "8"},
                               "capacity": {"memory": f"{gi * 1024 * 1024 + 524288}Ki", "cpu": "8"}}}
            f.write(json.dumps(node))
            f.write(",\n")
        events = []
        for e in range(a.pods // 500):
            i = e * 500 + 99
            events.append({"apiVersion": "v1", "kind": "Event",
                           "metadata": {"name": f"pod-{i:06d}.evicted", "namespace": f"ns-{i % 200:03d}", "uid": f"ev-{e}"},
                           "involvedObject": {"kind": "Pod", "name": f"pod-{i:06d}", "namespace": f"ns-{i % 200:03d}",
                                              "uid": f"00000000-0000-4000-8000-{i:012d}"},
                           "reason": "Evicted", "message": "The node was low on resource: memory.",
                           "count": 1, "type": "Warning", "lastTimestamp": "2026-11-27T23:00:00Z"})
        f.write(",\n".join(json.dumps(e) for e in events))
        f.write("\n]}\n")
    print(f"{a.out}: {a.pods} pods from {len(tpls)} corpus templates, {nodes} nodes, {len(events)} events",
          file=sys.stderr)


if __name__ == "__main__":
    main()
