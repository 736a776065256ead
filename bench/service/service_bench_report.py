#!/usr/bin/python3
"""The Python half of bench/service/run-service-bench. Standard library only, Python 3.6+.

  service_bench_report.py row SERVER MODE PATH CONNS ROUND TICKS HZ < wrk-output
      one raw.tsv row from `wrk --latency` output; exits 1 with the reason on stderr when the output
      has no result (wrk could not connect, a Lua error, ...)
  service_bench_report.py summary RAW.tsv [PLAN.tsv] [FAILED.tsv]
      the table of medians and ours÷nginx, then every planned round that has no row, with the
      reason from FAILED.tsv where there is one. Without PLAN.tsv (an old run's raw.tsv alone) the
      plan is every server × mode × path × conns × round that occurs in RAW.tsv.

The summary prints whatever rows exist: a case with one server's rounds only, or fewer rounds on
one side, still gets its line (ratios pair rounds by number; "–" where there is nothing to pair).
"""
import csv
import itertools
import re
import statistics
import sys

CASE = ("mode", "conns", "path")


def row(argv, out):
    server, mode, path, conns, rnd, ticks, hz = argv
    requests = re.search(r"(\d+) requests in", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s|m)\b", out)
    if not (requests and rps and p99):
        reason = " ".join(out.split())[:200] or "no output"
        sys.exit("no wrk result: " + reason)
    req = int(requests.group(1))
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[p99.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errs = re.search(r"Socket errors: (.*)", out)
    # Negative when a server process ended during the round (its ticks are gone): no CPU figure then.
    cpu = "%.2f" % (int(ticks) * 1e6 / int(hz) / max(req, 1)) if int(ticks) >= 0 else ""
    print("\t".join([server, mode, path, conns, rnd, "%.0f" % float(rps.group(1)), "%.2f" % p99_ms, cpu,
                     bad.group(1) if bad else "0", errs.group(1).replace("\t", " ") if errs else ""]))


def read(path, fields=None):
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t", fieldnames=fields))


def values(rs, k):
    return [float(r[k]) for r in rs if r[k]]


def med(rs, k):
    v = values(rs, k)
    return statistics.median(v) if v else None


def spread(rs, k, fmt):
    v = values(rs, k)
    return (fmt % min(v)) + "–" + (fmt % max(v)) if v else "–"


def num(v, fmt):
    return "–" if v is None else fmt % v


def ratio(a, b, fmt="%.2f"):
    return "–" if a is None or not b else fmt % (a / b)


def summary(raw_path, plan_path=None, failed_path=None):
    rows = read(raw_path)
    if plan_path:
        plan = read(plan_path, ["server", "mode", "path", "conns", "round"])
    else:
        values = [sorted({r[k] for r in rows}) for k in ("server", "mode", "path", "conns", "round")]
        plan = [dict(zip(("server", "mode", "path", "conns", "round"), v)) for v in itertools.product(*values)]
    failed = {}
    if failed_path:
        for f in read(failed_path, ["server", "mode", "path", "conns", "round", "reason"]):
            failed[(f["server"], f["mode"], f["path"], f["conns"], f["round"])] = f["reason"]

    cases = {}
    for p in plan:
        cases.setdefault(tuple(p[k] for k in CASE), {"ours": [], "nginx": []})
    for r in rows:
        cases.setdefault(tuple(r[k] for k in CASE), {"ours": [], "nginx": []}).setdefault(r["server"], []).append(r)

    print("| mode | conns | path | ours req/s (spread) | nginx req/s (spread) | ratio req/s | ratio per round | "
          "ours p99 ms (spread) | nginx p99 ms (spread) | ours CPU µs/req | nginx CPU µs/req | CPU ratio |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    order = sorted(cases, key=lambda c: (c[0] != "proxy", c[0], int(c[1]), c[2]))
    for mode, conns, path in order:
        o, n = cases[(mode, conns, path)]["ours"], cases[(mode, conns, path)]["nginx"]
        by_round = {r["round"]: r for r in n}
        per = [float(a["req_s"]) / float(by_round[a["round"]]["req_s"]) for a in o
               if a["round"] in by_round and float(by_round[a["round"]]["req_s"])]
        print("| %s | %s | `%s` | %s (%s) | %s (%s) | **%s** | %s | %s (%s) | %s (%s) | %s | %s | %s |" % (
            mode, conns, path,
            num(med(o, "req_s"), "%.0f"), spread(o, "req_s", "%.0f"),
            num(med(n, "req_s"), "%.0f"), spread(n, "req_s", "%.0f"),
            ratio(med(o, "req_s"), med(n, "req_s")),
            ("%.2f–%.2f" % (min(per), max(per))) if per else "–",
            num(med(o, "p99_ms"), "%.2f"), spread(o, "p99_ms", "%.1f"),
            num(med(n, "p99_ms"), "%.2f"), spread(n, "p99_ms", "%.1f"),
            num(med(o, "cpu_us_req"), "%.1f"), num(med(n, "cpu_us_req"), "%.1f"),
            ratio(med(o, "cpu_us_req"), med(n, "cpu_us_req"))))

    for r in rows:
        if r["non2xx"] != "0" or r["socket_errors"]:
            print("warning: %s %s %s c%s round %s: non-2xx %s, socket errors %s" % (
                r["server"], r["mode"], r["path"], r["conns"], r["round"], r["non2xx"], r["socket_errors"]))
    have = {tuple(r[k] for k in ("server", "mode", "path", "conns", "round")) for r in rows}
    missing = [p for p in plan if tuple(p[k] for k in ("server", "mode", "path", "conns", "round")) not in have]
    for p in missing:
        key = tuple(p[k] for k in ("server", "mode", "path", "conns", "round"))
        print("missing: %s %s %s c%s round %s: %s" % (key + (failed.get(key, "not run (the run stopped before it)"),)))
    print("rounds: %d of %d planned%s" % (len(plan) - len(missing), len(plan), "" if missing else ", none missing"))


def main(argv):
    if len(argv) == 8 and argv[0] == "row":
        row(argv[1:], sys.stdin.read())
    elif 2 <= len(argv) <= 4 and argv[0] == "summary":
        summary(*argv[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
