#!/usr/bin/env python3
"""Writes an OpenMetrics file with the series cAdvisor and kube-state-metrics give Prometheus for
one pod (shop/admin-7d9) over the last 3 days: RSS leaks 40 MiB/h until the container is
OOMKilled near its 2 GiB limit, every 25 h. Backfill it into a throwaway Prometheus to try
`oomdoc trend --prometheus` without a cluster:

    python3 prometheus-sawtooth.py > om.txt
    promtool tsdb create-blocks-from openmetrics om.txt data
    echo 'global: {scrape_interval: 1m}' > prometheus.yml
    prometheus --config.file=prometheus.yml --storage.tsdb.path=data \\
        --web.listen-address=127.0.0.1:19090 --storage.tsdb.retention.time=100y &
    oomdoc trend --prometheus http://127.0.0.1:19090 --pod shop/admin-7d9 --since 3d --svg admin.svg
"""
import random
import time

random.seed(5)
MI = 1 << 20
LAST = int(time.time()) // 60 * 60 - 300  # in the past: backfilled blocks must not be in the future
FIRST = LAST - 3 * 86400
TS = range(FIRST, LAST + 1, 300)
POD = 'container="admin",namespace="shop",pod="admin-7d9"'
PERIOD_H = 25.0


def hours(t):
    return (t - FIRST) / 3600.0


def rss(t):
    return 900 * MI + (hours(t) % PERIOD_H) * 40 * MI + random.gauss(0, 4 * MI)


def restarts(t):
    return int(hours(t) // PERIOD_H)


def family(name, kind, rows):
    print("# TYPE %s %s" % (name[: -len("_total")] if kind == "counter" else name, kind))
    for labels, f in rows:
        for t in TS:
            print("%s{%s} %d %d" % (name, labels, f(t), t))


family("container_memory_working_set_bytes", "gauge", [('id="/kubepods/burstable/pod1/c1",' + POD, lambda t: rss(t) + 120 * MI)])
family("container_memory_rss", "gauge", [(POD, rss)])
family("container_memory_cache", "gauge", [(POD, lambda t: 100 * MI + random.gauss(0, 2 * MI))])
family("container_spec_memory_limit_bytes", "gauge", [(POD, lambda t: 2048 * MI)])
family("kube_pod_container_status_restarts_total", "counter", [(POD, restarts)])
family(
    "kube_pod_container_status_last_terminated_reason",
    "gauge",
    [(POD + ',reason="OOMKilled"', lambda t: 1 if restarts(t) > 0 else 0)],
)
print("# EOF")
