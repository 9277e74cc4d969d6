#!/usr/bin/python3
"""Result documents for the comparison and alert tests.

  compare-docs.py OUT_DIR HOSTNAME
writes OUT_DIR/base.json (kernel aaaaaaaaaaaa) and OUT_DIR/head.json and
OUT_DIR/head2.json (kernel bbbbbbbbbbbb, parent aaaaaaaaaaaa, two uploads)
and OUT_DIR/other.json (kernel cccccccccccc, no parent, like the base):
fork order-0 and pmd, 8 runs x 5 iterations a side, 0.5% run-to-run
noise; the head's order-0 fork is 10% slower, its pmd fork 30% faster,
TLB flushes the same; cycles unsupported.
"""
import json
import random
import sys
import uuid

out, hostname = sys.argv[1], sys.argv[2]
rnd = random.Random(42)


def doc(commit, parent, scale):
    cases = []
    for layout, order, mapping, base in (("order-0", 0, "pte", 5_000_000),
                                         ("pmd", 9, "pmd", 500_000)):
        mean = base * scale[layout]
        runs = []
        for r in range(8):
            m = mean * (1 + rnd.gauss(0, 0.005))
            ns = [int(m * (1 + rnd.gauss(0, 0.002))) for _ in range(5)]
            tlb = [2 if layout == "pmd" else 3] * 5
            runs.append({"index": r, "ok": True, "error": None, "ns": ns,
                         "counters": {"tlb_flushes": tlb}, "counter_times": []})
        cases.append({"workload": "fork", "layout": layout, "order": order,
                      "mapping": mapping, "iterations": 5,
                      "layout_check": {"ok": True, "folios": {str(order): 1}, "reason": None},
                      "counters": {"cycles": {"status": "unsupported", "reason": "no PMU here"},
                                   "tlb_flushes": {"status": "ok", "event": "tlb:tlb_flush"}},
                      "runs_ok": 8, "runs": runs})
    return {"format": "forkwatch-result/1", "run_uuid": str(uuid.uuid4()),
            "host": {"hostname": hostname, "arch": "x86_64", "cpus": 2, "mem_bytes": 1 << 34,
                     "page_size": 4096},
            "kernel": {"release": "6.9.0-g" + commit, "commit": commit, "parent_commit": parent},
            "params": {"size_bytes": 1 << 30, "runs": 8, "iterations": 5, "warmup": 3},
            "cases": cases}


json.dump(doc("aaaaaaaaaaaa", None, {"order-0": 1.0, "pmd": 1.0}), open(out + "/base.json", "w"))
for name in ("head", "head2"):
    json.dump(doc("bbbbbbbbbbbb", "aaaaaaaaaaaa", {"order-0": 1.10, "pmd": 0.70}),
              open(out + "/" + name + ".json", "w"))
json.dump(doc("cccccccccccc", None, {"order-0": 1.0, "pmd": 1.0}), open(out + "/other.json", "w"))
