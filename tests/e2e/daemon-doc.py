#!/usr/bin/python3
"""Result documents for the forkwatchd end-to-end tests.

  daemon-doc.py make [--from FILE] [--hostname H] [--new-uuid | --uuid U]
                     [--commit SHA|null] [--set PATH=JSON]... [--del PATH]...
                     [--pad N] [--out FILE]
      A forkwatch-result/1 document: FILE (a real `forkwatch bench --json`
      result) or, without --from, a small synthetic one (2 cases, 2 runs x 3
      iterations, ns, one supported and one unsupported counter), edited.
      PATH is like host.cpus or cases[0].runs[1].ns[2]; --pad N appends
      spaces up to N bytes.

  daemon-doc.py check-run DOC ANSWER HOST
      ANSWER (GET /api/v1/runs/{id}) must describe DOC as uploaded by HOST:
      params, completeness, cases, and per metric the summaries computed
      here from the document's values.

  daemon-doc.py ident DOC        the kernel ident the server keys DOC by
  daemon-doc.py complete DOC     "true" or "false": what the server should say
"""
import json
import math
import re
import statistics
import sys
import uuid


def synthetic():
    def case(workload, layout, order, mapping, base):
        runs = []
        for r in range(2):
            ns = [base * (r + 1) + 10 * i for i in range(3)]
            runs.append({"index": r, "ok": True, "error": None, "ns": ns,
                         "counters": {"tlb_flushes": [2 + r, 2, None if r else 3]},
                         "counter_times": [{"metrics": ["tlb_flushes"], "enabled_ns": ns,
                                            "running_ns": ns}]})
        return {"workload": workload, "layout": layout, "order": order, "mapping": mapping,
                "iterations": 3,
                "layout_check": {"ok": True, "runs_verified": 2, "runs": 2,
                                 "folios": {str(order): 1024 >> order}, "reason": None},
                "counters": {
                    "cycles": {"status": "unsupported",
                               "reason": "perf::CYCLES: perf_event_open: No such file or directory"},
                    "tlb_flushes": {"status": "ok", "event": "tlb:tlb_flush",
                                    "multiplexed": False}},
                "runs_ok": 2, "runs": runs}

    return {"format": "forkwatch-result/1", "run_uuid": str(uuid.uuid4()),
            "tool": {"name": "forkwatch", "version": "0.1.0"},
            "started_at": "2026-01-02T03:04:05Z", "finished_at": "2026-01-02T03:04:09Z",
            "host": {"hostname": "lab-1.example", "arch": "x86_64", "cpu_model": "Test CPU",
                     "cpus": 2, "mem_bytes": 8 << 30, "page_size": 4096},
            "kernel": {"release": "6.8.0-rc3-00042-gdeadbeef1234", "commit": "deadbeef1234",
                       "commit_source": "release", "parent_commit": None, "dirty": False,
                       "version": "Linux version 6.8.0-rc3", "build_id": "abcdef0123"},
            "params": {"size_bytes": 4 << 20, "runs": 2, "iterations": 3,
                       "fresh_iterations": 3, "warmup": 0},
            "cases": [case("fork", "order-0", 0, "pte", 100000),
                      case("munmap", "order-0", 0, "pte", 50000)]}


def split_path(path):
    parts = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        parts.append(int(index) if index else name)
    return parts


def walk(doc, path):
    parts = split_path(path)
    obj = doc
    for p in parts[:-1]:
        obj = obj[p]
    return obj, parts[-1]


def make(args):
    doc, out, pad = None, None, 0
    edits = []
    i = 0
    while i < len(args):
        a = args[i]
        val = args[i + 1] if i + 1 < len(args) else None
        i += 2
        if a == "--from":
            doc = json.load(open(val))
        elif a == "--out":
            out = val
        elif a == "--pad":
            pad = int(val)
        elif a == "--new-uuid":
            edits.append(("set", "run_uuid", str(uuid.uuid4())))
            i -= 1
        elif a == "--uuid":
            edits.append(("set", "run_uuid", val))
        elif a == "--hostname":
            edits.append(("set", "host.hostname", val))
        elif a == "--commit":
            edits.append(("set", "kernel.commit", None if val == "null" else val))
        elif a == "--set":
            path, _, text = val.partition("=")
            edits.append(("set", path, json.loads(text)))
        elif a == "--del":
            edits.append(("del", val, None))
        else:
            sys.exit("daemon-doc.py make: unknown option %r" % a)
    if doc is None:
        doc = synthetic()
    for op, path, value in edits:
        obj, key = walk(doc, path)
        if op == "set":
            obj[key] = value
        else:
            del obj[key]
    text = json.dumps(doc, indent=1, ensure_ascii=False)
    if pad:
        text += " " * (pad - len(text.encode()))
    if out:
        with open(out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


def ident(doc):
    c = doc["kernel"].get("commit")
    return c if c else "release:" + doc["kernel"]["release"]


def complete(doc):
    return all(c["layout_check"]["ok"] and all(r["ok"] for r in c["runs"]) for c in doc["cases"])


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def check_run(doc, ans, host):
    errors = []

    def want(cond, msg):
        if not cond:
            errors.append(msg)

    run = ans["run"]
    want(run["uuid"] == doc["run_uuid"].lower(), "uuid %s" % run["uuid"])
    want(run["host"] == host, "host %r, expected %r" % (run["host"], host))
    want(run["kernel"] == ident(doc), "kernel %r, expected %r" % (run["kernel"], ident(doc)))
    want(run["release"] == doc["kernel"]["release"], "release")
    want(run["complete"] is complete(doc), "complete %s" % run["complete"])
    want(run["doc_bytes"] > 0, "doc_bytes")
    want(run["started_at"] == doc.get("started_at"), "started_at")
    for k in ("size_bytes", "runs", "iterations", "warmup"):
        want(run["params"][k] == doc["params"][k], "params.%s %s" % (k, run["params"][k]))
    # fresh_iterations, spelled munmap_iterations by documents before forkwatch 0.2
    fresh = doc["params"].get("fresh_iterations", doc["params"].get("munmap_iterations", 0))
    want(run["params"]["fresh_iterations"] == fresh,
         "params.fresh_iterations %s, expected %s" % (run["params"]["fresh_iterations"], fresh))
    cases = {(c["workload"], c["layout"]): c for c in ans["cases"]}
    want(len(cases) == len(ans["cases"]) == len(doc["cases"]),
         "%d cases, expected %d" % (len(ans["cases"]), len(doc["cases"])))
    for dc in doc["cases"]:
        name = dc["workload"] + " " + dc["layout"]
        ac = cases.get((dc["workload"], dc["layout"]))
        if ac is None:
            errors.append(name + ": missing")
            continue
        for k in ("order", "mapping", "iterations", "runs_ok"):
            want(ac[k] == dc[k], "%s: %s %r, expected %r" % (name, k, ac[k], dc[k]))
        want(ac["layout_ok"] is dc["layout_check"]["ok"], name + ": layout_ok")
        if "folios" in dc["layout_check"]:
            want(ac["folios"] == dc["layout_check"]["folios"], name + ": folios %s" % ac.get("folios"))
        metrics = {"ns": {"status": "ok"}}
        metrics.update(dc["counters"])
        want(sorted(ac["metrics"]) == sorted(metrics),
             "%s: metrics %s, expected %s" % (name, sorted(ac["metrics"]), sorted(metrics)))
        for m, st in metrics.items():
            am = ac["metrics"].get(m)
            if am is None:
                continue
            want(am["status"] == st["status"], "%s %s: status %s" % (name, m, am["status"]))
            if st["status"] != "ok":
                want(am.get("reason") == st["reason"], "%s %s: reason %r" % (name, m, am.get("reason")))
                want("runs" not in am, "%s %s: numbers for an unsupported metric" % (name, m))
                continue
            per_run = [r["ns"] if m == "ns" else r["counters"][m] for r in dc["runs"]]
            means = []
            for v in per_run:
                v = [x for x in v if x is not None]
                means.append(statistics.fmean(v) if v else None)
            finite = [x for x in means if x is not None]
            allv = [x for v in per_run for x in v if x is not None]
            s = am["runs"]
            want(s["n"] == len(finite), "%s %s: runs.n %s, expected %d" % (name, m, s["n"], len(finite)))
            want(len(s["means"]) == len(means) and all(close(a, b) for a, b in zip(s["means"], means)),
                 "%s %s: runs.means %s, expected %s" % (name, m, s["means"], means))
            if finite:
                want(close(s["mean"], statistics.fmean(finite)), "%s %s: runs.mean %s" % (name, m, s["mean"]))
                want(close(s["median"], statistics.median(finite)), "%s %s: runs.median" % (name, m))
                want(close(s["min"], min(finite)) and close(s["max"], max(finite)), "%s %s: runs.min/max" % (name, m))
            if len(finite) > 1:
                want(close(s["stdev"], statistics.stdev(finite)), "%s %s: runs.stdev %s, expected %s"
                     % (name, m, s["stdev"], statistics.stdev(finite)))
            it = am["iterations"]
            want(it["n"] == len(allv), "%s %s: iterations.n %s, expected %d" % (name, m, it["n"], len(allv)))
            if allv:
                want(close(it["mean"], statistics.fmean(allv)), "%s %s: iterations.mean" % (name, m))
                want(close(it["median"], statistics.median(allv)), "%s %s: iterations.median" % (name, m))
                want(close(it["min"], min(allv)) and close(it["max"], max(allv)), "%s %s: iterations.min/max" % (name, m))
    for e in errors:
        print("FAIL: run answer:", e)
    return not errors


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "make":
        make(args)
    elif cmd == "check-run":
        ok = check_run(json.load(open(args[0])), json.load(open(args[1])), args[2])
        sys.exit(0 if ok else 1)
    elif cmd == "ident":
        print(ident(json.load(open(args[0]))))
    elif cmd == "complete":
        print("true" if complete(json.load(open(args[0]))) else "false")
    else:
        sys.exit(__doc__)


main()
