#!/usr/bin/env -S /usr/bin/python3
"""The table of a bench/run.sh run: results.jsonl in, markdown out (stdout and docs/performance.md).

    report.py RESULTS.jsonl [--doc docs/performance.md] [--runs N --warmup N --spin 0|1 --seconds S]

Checks that the engines agree: against PyTorch's logits, max|diff| <= 1e-3 * max(1, max|ref|) and the
same top-1 in every row (a differing argmax passes only when the reference's two logits are within
the tolerance, a tie). Exit 1 when any check fails (the doc is written anyway, with the failure).
The doc keeps everything outside the <!-- bench:begin --> ... <!-- bench:end --> markers.
"""
import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys

import numpy as np

GMACS = {224: 4.09, 448: 16.35}  # BiT-M R50x1 per image
CONFIGS = [("224-b1", 224, 1), ("448-b1", 448, 1), ("224-b8", 224, 8)]
LABELS = 1000
REL_TOL = 1e-3
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def machine():
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    info = dict(re.findall(r"^([^:\n]+):\s*(.*)$", lscpu, re.M))
    flags = set(info.get("Flags", "").split())
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
        mem = "%.0f GiB" % (kb / 2 ** 20)
    except (OSError, AttributeError):
        pass
    isa = ", ".join(x for x in ("avx2", "fma", "avx512f") if x in flags)
    return {
        "cpu": "%s (family %s, model %s)" % (info.get("Model name", "?"), info.get("CPU family", "?"),
                                            info.get("Model", "?")),
        "cores": "%s CPUs, %s thread(s) per core" % (info.get("CPU(s)", "?"), info.get("Thread(s) per core", "?")),
        "isa": isa or "none of avx2/fma/avx512f",
        "memory": mem,
        "os": "%s %s" % (platform.system(), platform.release()),
        "hypervisor": info.get("Hypervisor vendor", ""),
    }


def git_commit():
    try:
        return subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
    except OSError:
        return "?"


def check(actual, expected, batch):
    """(ok, max_abs_diff, tolerance, detail)."""
    a = np.fromfile(actual, dtype="<f4")
    e = np.fromfile(expected, dtype="<f4")
    if a.size != e.size or a.size != batch * LABELS:
        return False, float("nan"), 0.0, "%d floats, expected %d" % (a.size, batch * LABELS)
    a, e = a.reshape(batch, LABELS), e.reshape(batch, LABELS)
    if not np.all(np.isfinite(a)):
        return False, float("nan"), 0.0, "non-finite logits"
    tol = REL_TOL * max(1.0, float(np.abs(e).max()))
    diff = float(np.abs(a - e).max())
    bad_top1 = []
    for i in range(batch):
        ia, ie = int(a[i].argmax()), int(e[i].argmax())
        if ia != ie and abs(float(e[i, ia]) - float(e[i, ie])) > tol:
            bad_top1.append(i)
    ok = diff <= tol and not bad_top1
    detail = "" if not bad_top1 else "top-1 differs in rows %s" % bad_top1
    return ok, diff, tol, detail


def fmt(x, digits=1):
    return "-" if x is None else ("%.*f" % (digits, x))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("--doc")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--spin", type=int, default=0)
    ap.add_argument("--seconds", type=int)
    ap.add_argument("--bitc", help="which bitc was measured (default: this checkout's commit)")
    args = ap.parse_args(argv)
    with open(args.results) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    peaks = [r for r in rows if r["kind"] == "peak" and r["isa"] == "avx2"]
    peaks512 = [r for r in rows if r["kind"] == "peak" and r["isa"] == "avx512"]
    runs = []
    for r in (r for r in rows if r["kind"] == "run"):
        runs.append(r)
        # bitc_bench times both APIs in one process: a second row for the caller-owned workspace.
        if r["engine"] == "bitc" and "ws_median_ms" in r:
            runs.append(dict(r, engine="bitc-ws", median_ms=r["ws_median_ms"], min_ms=r["ws_min_ms"],
                             cpu_ms=r["ws_cpu_ms"], faults=r["ws_faults"], logits=r["ws_logits"]))
    if not peaks or not runs:
        print("report: no results in %s" % args.results, file=sys.stderr)
        return 1
    # The machine's peak: 2 threads x the FMA loop's GFLOP per CPU-second (what two cores give while
    # the loop runs on them), median over the measurements of this run. Wall-clock GFLOP/s of the same
    # loop says how much of the machine the benchmark got at the time (shown per configuration).
    peak = statistics.median(r["gflops_unloaded"] for r in peaks)
    per_core = statistics.median(r["gflops_per_cpu_s"] for r in peaks)
    peak512 = statistics.median(r["gflops_unloaded"] for r in peaks512) if peaks512 else None
    wall_peak = {r["when"]: r["gflops"] for r in peaks}

    names = {"bitc": "bitc `_forward`", "bitc-ws": "bitc `_forward_with_workspace`",
             "onnxruntime": "ONNX Runtime", "pytorch": "PyTorch eager"}
    table = []
    failures = []
    summary = {}
    for config, size, batch in CONFIGS:
        here = [r for r in runs if r["config"] == config]
        if not here:
            continue
        ort = next((r for r in here if r["engine"] == "onnxruntime"), None)
        torch = next((r for r in here if r["engine"] == "pytorch"), None)
        flop = 2 * GMACS[size] * 1e9 * batch
        for r in here:
            name = names[r["engine"]]
            if r["engine"] in ("bitc", "bitc-ws") and batch > 1:
                name += " (compiled batch %s)" % ("8" if r["object"].endswith("b8") else "1")
            ms, cpu = r["median_ms"], r["cpu_ms"]
            gflops = flop / (ms * 1e-3) * 1e-9
            ok, diff, tol, detail = (True, 0.0, 0.0, "reference") if r is torch else \
                check(r["logits"], torch["logits"], batch) if torch else (False, float("nan"), 0, "no PyTorch")
            if not ok:
                failures.append("%s %s: max|diff| %.3g > %.3g %s" % (config, name, diff, tol, detail))
            if r["engine"] == "bitc" and r.get("apis_differ"):
                # The same kernels on the same input: anything but identical bits is a bug.
                failures.append("%s %s: `_forward` and `_forward_with_workspace` logits are not identical"
                                % (config, r["object"]))
            table.append({
                "config": "%d, batch %d" % (size, batch), "engine": name, "ms": ms, "min_ms": r["min_ms"],
                "gflops": gflops, "pct": 100 * gflops / peak, "cpu_ms": cpu,
                "gflops_cpu": flop / (cpu * 1e-3) * 1e-9 if cpu > 0 else None,
                "vs_ort": ort["median_ms"] / ms if ort else None,
                "vs_torch": torch["median_ms"] / ms if torch else None,
                "vs_ort_cpu": ort["cpu_ms"] / cpu if ort and cpu > 0 else None,
                "agree": "reference" if r is torch else ("ok (%.1e)" % diff if ok else "FAIL (%.1e) %s" % (diff, detail)),
                "load": r.get("load", "?"), "wall_peak": wall_peak.get(config),
                "faults": r.get("faults"),
            })
            if r["engine"] in ("bitc", "bitc-ws"):
                best = summary.get((config, r["engine"]))
                if best is None or table[-1]["ms"] < best["ms"]:
                    summary[(config, r["engine"])] = table[-1]

    head = ("| input, batch | engine | median ms | min ms | GFLOP/s | % of peak | CPU ms | GFLOP/CPU-s "
            "| page faults/call | vs ORT | vs PyTorch | vs ORT (CPU time) | logits vs PyTorch | load avg |")
    sep = "|" + "---|" * 14
    lines = [head, sep]
    for t in table:
        lines.append("| %s | %s | %.1f | %.1f | %.1f | %.0f%% | %.1f | %s | %s | %s | %s | %s | %s | %s |" % (
            t["config"], t["engine"], t["ms"], t["min_ms"], t["gflops"], t["pct"], t["cpu_ms"],
            fmt(t["gflops_cpu"]), fmt(t["faults"], 0), fmt(t["vs_ort"], 2) + "x" if t["vs_ort"] else "-",
            fmt(t["vs_torch"], 2) + "x" if t["vs_torch"] else "-",
            fmt(t["vs_ort_cpu"], 2) + "x" if t["vs_ort_cpu"] else "-", t["agree"], t["load"]))
    m = machine()
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    ort_version = next((r.get("version") for r in runs if r["engine"] == "onnxruntime"), "?")
    torch_version = next((r.get("version") for r in runs if r["engine"] == "pytorch"), "?")
    loaded = ", ".join("%s %s GFLOP/s" % (k, fmt(v)) for k, v in wall_peak.items())
    out = []
    out.append("Run of %s (bitc %s), %d warm-up + %d timed runs per engine, medians; %d threads each; %s."
               % (now, args.bitc or git_commit(), args.warmup, args.runs, 2, "peers spinning (BENCH_SPIN=1)" if args.spin
                  else "ORT intra-op spinning off, PyTorch OMP_WAIT_POLICY=PASSIVE"))
    out.append("")
    out.append("Machine: %s; %s; %s; %s%s; %s." % (m["cpu"], m["cores"], m["isa"], m["memory"],
                                                (", " + m["hypervisor"] + " guest") if m["hypervisor"] else "",
                                                m["os"]))
    out.append("Peers: ONNX Runtime %s (npm onnxruntime-node, CPU EP, graph optimizations all), PyTorch %s "
               "(Debian, eager, no_grad)." % (ort_version, torch_version))
    out.append("FMA peak (AVX2, 12 chains x 2 threads): **%.0f GFLOP/s** = 2 x %.1f GFLOP per CPU-second%s. "
               "The same loop's wall-clock GFLOP/s at each point of the run (how much of the machine the "
               "benchmark got): %s." % (peak, per_core, "" if peak512 is None else
                                        " (AVX-512 loop: %.0f GFLOP/s)" % peak512, loaded))
    out.append("")
    out.extend(lines)
    out.append("")
    for engine in ("bitc", "bitc-ws"):
        best = [(c, s) for (c, e), s in summary.items() if e == engine]
        if best:
            out.append("%s vs ONNX Runtime, wall-clock medians: " % names[engine] + "; ".join(
                "%s %.2fx (%.1f ms)" % (c, s["vs_ort"] or 0, s["ms"]) for c, s in best) + ".")
    out.append("Agreement: %s." % ("every engine within %.0e relative of PyTorch, same top-1" % REL_TOL
                                   if not failures else "**FAILED**: " + "; ".join(failures)))
    if args.seconds:
        out.append("Harness time: %d s." % args.seconds)
    text = "\n".join(out) + "\n"
    print(text)

    if args.doc and args.doc != "-":
        write_doc(args.doc, text)
    return 1 if failures else 0


def write_doc(path, section):
    block = BEGIN + "\n" + section + END
    if os.path.exists(path):
        with open(path) as f:
            doc = f.read()
        if BEGIN in doc and END in doc:
            doc = doc[:doc.index(BEGIN)] + block + doc[doc.index(END) + len(END):]
        else:
            doc = doc.rstrip("\n") + "\n\n## Latest harness run\n" + block + "\n"
    else:
        doc = "# Performance\n\n## Latest harness run\n" + block + "\n"
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(doc)
    os.replace(tmp, path)


if __name__ == "__main__":
    sys.exit(main())
