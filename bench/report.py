"""The table of a bench/run.sh run: results.jsonl in, markdown out (stdout and docs/performance.md).

    report.py RESULTS.jsonl [--doc docs/performance.md] [--runs N --warmup N --threads N --seconds S]

Checks that the engines agree: against PyTorch's logits, max|diff| <= 1e-3 * max(1, max|ref|) and the
same top-1 in every row (a differing argmax passes only when the reference's two logits are within
the tolerance, a tie). Exit 1 when any check fails (the doc is written anyway, with the failure).
Each peer ran twice per configuration (ONNX Runtime with its default intra-op spinning and with it
off; PyTorch with libgomp's default OMP_WAIT_POLICY and PASSIVE): both rows are shown, and bitc is
compared with the better (lower median) of the two.
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

GMACS = {224: 4.09, 448: 16.35}  # BiT-M R50x1 per image, direct convolutions (bit-model.md, bitc inspect)
CONFIGS = [("224-b1", 224, 1, None), ("224-b1-t1", 224, 1, 1), ("448-b1", 448, 1, None), ("224-b8", 224, 8, None),
           ("224-int8", 224, 1, None), ("448-int8", 448, 1, None)]
# Reduced-precision rows against the fp32 logits, as a fraction of the largest logit, and the same
# top-1 up to a tie within it. These are random weights: their logits are small and nearly flat, and
# the rounding of 50 layers adds up far more than on a trained model, where the accuracy of each
# precision is measured (docs/precision.md, bit-fashion). Measured here: bitc int8 7.5-8.9%, PyTorch
# FX int8 ~21%, bitc bf16 2.6%. The checks catch a broken kernel (garbage is >100%), not accuracy.
QUANT_REL_TOL = {"int8": 0.25, "bf16": 0.05}
LABELS = 1000
REL_TOL = 1e-3
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETTINGS = {"spin1": "default spinning", "spin0": "spinning off",
            "omp-default": "default OMP_WAIT_POLICY", "omp-PASSIVE": "OMP_WAIT_POLICY=PASSIVE"}
NAMES = {"bitc": "bitc `_forward`", "bitc-ws": "bitc `_forward_with_workspace`",
         "onnxruntime": "ONNX Runtime", "pytorch": "PyTorch eager",
         "pytorch-int8": "PyTorch int8 (FX post-training, oneDNN)"}


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


def check(actual, expected, batch, rel_tol=REL_TOL):
    """(ok, max_abs_diff, tolerance, detail)."""
    a = np.fromfile(actual, dtype="<f4")
    e = np.fromfile(expected, dtype="<f4")
    if a.size != e.size or a.size != batch * LABELS:
        return False, float("nan"), 0.0, "%d floats, expected %d" % (a.size, batch * LABELS)
    a, e = a.reshape(batch, LABELS), e.reshape(batch, LABELS)
    if not np.all(np.isfinite(a)):
        return False, float("nan"), 0.0, "non-finite logits"
    tol = rel_tol * max(1.0, float(np.abs(e).max()))
    diff = float(np.abs(a - e).max())
    bad_top1 = []
    for i in range(batch):
        ia, ie = int(a[i].argmax()), int(e[i].argmax())
        if ia != ie and abs(float(e[i, ia]) - float(e[i, ie])) > tol:
            bad_top1.append(i)
    ok = diff <= tol and not bad_top1
    detail = "" if not bad_top1 else "top-1 differs in rows %s" % bad_top1
    return ok, diff, tol, detail


def object_precision(run):
    """fp32, int8 or bf16: PyTorch's int8 engine, or bench/run.sh's object names (r224i8, r224bf)."""
    if run["engine"] == "pytorch-int8":
        return "int8"
    obj = run.get("object", "")
    return "int8" if obj.endswith("i8") else "bf16" if obj.endswith("bf") else "fp32"


def work_fraction(summary_path):
    """MACs the object's kernels do / the direct convolutions' MACs, from the `bitc: wrote ...` line
    bench/run.sh kept ("4.09 GMAC per forward (2.96 GMAC done with Winograd)"); 1 without Winograd."""
    try:
        with open(summary_path) as f:
            line = f.read()
    except (OSError, TypeError):
        return None
    m = re.search(r"([\d.]+) ([GM])MAC per forward(?: \(([\d.]+) ([GM])MAC done)?", line)
    if not m:
        return None
    scale = {"G": 1e9, "M": 1e6}
    total = float(m.group(1)) * scale[m.group(2)]
    return 1.0 if not m.group(3) else float(m.group(3)) * scale[m.group(4)] / total


def merge_rounds(rows):
    """One row per configuration, engine, object and setting from bench/run.sh's rounds (each round
    runs every engine once, so load that comes and goes lands on all of them): the median of the
    rounds' medians (and CPU time, page faults), the smallest minimum, the runs added up, the
    highest load. A round that timed out is left out unless every round did."""
    merged, order = {}, []
    for r in rows:
        if r["kind"] != "run":
            continue
        key = (r.get("config"), r["engine"], r.get("object"), r.get("setting"))
        if key not in merged:
            order.append(key)
        merged.setdefault(key, []).append(r)
    out = [r for r in rows if r["kind"] != "run"]
    for key in order:
        rounds = merged[key]
        done = [r for r in rounds if not r.get("timed_out")]
        if not done:
            out.append(rounds[-1])
            continue
        row = dict(done[-1], rounds=len(done))
        for field in ("median_ms", "cpu_ms", "faults", "ws_median_ms", "ws_cpu_ms", "ws_faults"):
            if all(field in r for r in done):
                row[field] = statistics.median(float(r[field]) for r in done)
        for field in ("min_ms", "ws_min_ms"):
            if all(field in r for r in done):
                row[field] = min(float(r[field]) for r in done)
        if all("runs" in r for r in done):
            row["runs"] = sum(int(r["runs"]) for r in done)
        if all("load" in r for r in done):
            row["load"] = "%.2f" % max(float(r["load"]) for r in done)
        row["apis_differ"] = any(r.get("apis_differ") for r in done)
        out.append(row)
    return out


def fmt(x, digits=1, suffix=""):
    return "-" if x is None else ("%.*f" % (digits, x)) + suffix


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("--doc")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=int)
    ap.add_argument("--bitc", help="which bitc was measured (default: this checkout's commit)")
    args = ap.parse_args(argv)
    with open(args.results) as f:
        rows = merge_rounds([json.loads(line) for line in f if line.strip()])
    peak_rows = [r for r in rows if r["kind"] == "peak"]
    widest = "avx512" if any(r["isa"] == "avx512" for r in peak_rows) else "avx2"
    wide = [r for r in peak_rows if r["isa"] == widest]
    avx2 = [r for r in peak_rows if r["isa"] == "avx2"]
    runs = []
    for r in (r for r in rows if r["kind"] == "run"):
        runs.append(r)
        # bitc_bench times both APIs in one process: a second row for the caller-owned workspace.
        if r["engine"] == "bitc" and "ws_median_ms" in r:
            runs.append(dict(r, engine="bitc-ws", median_ms=r["ws_median_ms"], min_ms=r["ws_min_ms"],
                             cpu_ms=r["ws_cpu_ms"], faults=r["ws_faults"], logits=r["ws_logits"]))
    if not wide or not runs:
        print("report: no results in %s" % args.results, file=sys.stderr)
        return 1
    # The machine's peak per core: the widest FMA loop's GFLOP per CPU-second (what a core gives while
    # the loop runs on it), median over this run's measurements; T threads' peak is T times that.
    # The same loop's wall-clock GFLOP/s says how much of the machine the benchmark got at the time.
    per_core = statistics.median(r["gflops_per_cpu_s"] for r in wide)
    per_core_avx2 = statistics.median(r["gflops_per_cpu_s"] for r in avx2) if avx2 else None
    wall_peak = {r["when"]: r["gflops"] for r in wide}

    table, failures, summary = [], [], {}
    for config, size, batch, threads in CONFIGS:
        threads = threads or args.threads
        here = [r for r in runs if r["config"] == config]
        if not here:
            continue
        done = [r for r in here if not r.get("timed_out")]

        def best(engine):
            c = [r for r in done if r["engine"] == engine]
            return min(c, key=lambda r: r["median_ms"]) if c else None

        int8 = config.endswith("int8")
        ort, torch = best("onnxruntime"), best("pytorch-int8" if int8 else "pytorch")
        # PyTorch fp32 (either setting; PASSIVE first) is the reference for the logits; the int8
        # configurations have no PyTorch fp32 row, and ONNX Runtime (within 1e-3 of it in the others)
        # stands in.
        refs = sorted((r for r in done if r["engine"] == "pytorch"), key=lambda r: r.get("setting") != "omp-PASSIVE")
        if int8:
            refs = sorted((r for r in done if r["engine"] == "onnxruntime"), key=lambda r: r.get("setting"))
        ref = refs[0] if refs else None
        flop = 2 * GMACS[size] * 1e9 * batch
        peak = per_core * threads
        for r in here:
            name = NAMES[r["engine"]]
            if r["engine"] in ("bitc", "bitc-ws") and batch > 1:
                name += " (compiled batch %s)" % ("8" if r["object"].endswith("b8") else "1")
            precision = object_precision(r)
            if r["engine"] in ("bitc", "bitc-ws") and int8:
                name += " " + precision
            if r.get("setting"):
                name += ", " + SETTINGS.get(r["setting"], r["setting"])
                if r is ort or r is torch:
                    name += " (better)"
            row = {"config": "%d, batch %d, %d thread%s" % (size, batch, threads, "s" if threads > 1 else ""),
                   "engine": name, "load": r.get("load", "?")}
            if r.get("timed_out"):
                row["timed_out"] = True
                table.append(row)
                continue
            ms, cpu = r["median_ms"], r["cpu_ms"]
            gflops = flop / (ms * 1e-3) * 1e-9
            # Work actually done: bitc's Winograd layers do fewer multiply-adds (the compiled plan's count);
            # the peers run direct convolutions (ORT's MLAS and PyTorch's oneDNN have no fp32 Winograd
            # on by default), so their work is the direct MACs.
            fraction = work_fraction(r.get("summary")) if r["engine"] in ("bitc", "bitc-ws") else 1.0
            if r is ref:
                ok, diff, tol, detail = True, 0.0, 0.0, "reference"
            elif ref:
                ok, diff, tol, detail = check(r["logits"], ref["logits"], batch,
                                              QUANT_REL_TOL.get(precision, REL_TOL))
            else:
                ok, diff, tol, detail = False, float("nan"), 0, "no PyTorch"
            if not ok:
                failures.append("%s %s: max|diff| %.3g > %.3g %s" % (config, name, diff, tol, detail))
            if r["engine"] == "bitc" and r.get("apis_differ"):
                # The same kernels on the same input: anything but identical bits is a bug.
                failures.append("%s %s: `_forward` and `_forward_with_workspace` logits are not identical"
                                % (config, r["object"]))
            row.update({
                "ms": ms, "min_ms": r["min_ms"], "runs": r.get("runs"),
                "gflops": gflops, "pct": 100 * gflops / peak,
                "pct_done": 100 * gflops * fraction / peak if fraction else None, "cpu_ms": cpu,
                "gflops_cpu": flop / (cpu * 1e-3) * 1e-9 if cpu > 0 else None,
                "vs_ort": ort["median_ms"] / ms if ort else None,
                "vs_torch": torch["median_ms"] / ms if torch else None,
                "vs_ort_cpu": ort["cpu_ms"] / cpu if ort and cpu > 0 else None,
                "agree": "reference" if r is ref else ("ok (%.1e)" % diff if ok else "FAIL (%.1e) %s" % (diff, detail)),
                "faults": r.get("faults"),
            })
            table.append(row)
            if r["engine"] in ("bitc", "bitc-ws") and int8:
                summary[(config, r["engine"], precision)] = row
            elif r["engine"] in ("bitc", "bitc-ws"):
                b = summary.get((config, r["engine"]))
                if b is None or row["ms"] < b["ms"]:
                    summary[(config, r["engine"])] = row

    head = ("| input, batch, threads | engine | median ms | min ms | runs | GFLOP/s (direct) | % of peak "
            "| % of peak on the work done | CPU ms | GFLOP/CPU-s | page faults/call | vs ORT (better) "
            "| vs PyTorch (better) | vs ORT (CPU time) | logits vs PyTorch | load avg |")
    lines = [head, "|" + "---|" * 16]
    for t in table:
        if t.get("timed_out"):
            lines.append("| %s | %s | timed out |" % (t["config"], t["engine"]) + " - |" * 12 + " %s |" % t["load"])
            continue
        lines.append("| %s | %s | %.1f | %.1f | %s | %.1f | %.0f%% | %s | %.1f | %s | %s | %s | %s | %s | %s | %s |" % (
            t["config"], t["engine"], t["ms"], t["min_ms"], fmt(t["runs"], 0), t["gflops"], t["pct"],
            fmt(t["pct_done"], 0, "%"), t["cpu_ms"], fmt(t["gflops_cpu"]), fmt(t["faults"], 0),
            fmt(t["vs_ort"], 2, "x"), fmt(t["vs_torch"], 2, "x"), fmt(t["vs_ort_cpu"], 2, "x"), t["agree"],
            t["load"]))
    m = machine()
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    ort_version = next((r.get("version") for r in runs if r["engine"] == "onnxruntime" and "version" in r), "?")
    torch_version = next((r.get("version") for r in runs if r["engine"] == "pytorch" and "version" in r), "?")
    loaded = ", ".join("%s %s" % (k, fmt(v)) for k, v in wall_peak.items())
    out = []
    rounds = ("in %d rounds (each runs every engine and setting once, a process each with %d warm-up calls; "
              "the engines interleaved), the median of the rounds' medians" % (args.rounds, args.warmup)
              if args.rounds > 1 else "%d warm-up calls, medians" % args.warmup)
    out.append("Run of %s (bitc %s), up to %d timed runs per engine and setting %s; %d threads "
               "unless said; each peer with its default thread-pool spinning and with it off (ORT "
               "`session.intra_op.allow_spinning=0`, PyTorch `OMP_WAIT_POLICY=PASSIVE`), bitc compared with the "
               "better of the two." % (now, args.bitc or git_commit(), args.runs, rounds, args.threads))
    out.append("")
    out.append("Machine: %s; %s; %s; %s%s; %s." % (m["cpu"], m["cores"], m["isa"], m["memory"],
                                                (", " + m["hypervisor"] + " guest") if m["hypervisor"] else "",
                                                m["os"]))
    out.append("Peers: ONNX Runtime %s (npm onnxruntime-node, CPU EP, graph optimizations all), PyTorch %s "
               "(Debian, eager, no_grad)." % (ort_version, torch_version))
    out.append("FMA peak (%s loop, 12 chains): **%.1f GFLOP/s per core**, %.0f on %d threads%s. \"%% of peak\" "
               "counts a direct convolution's 2 x MACs (%.2f / %.2f GMAC per image at 224 / 448); \"on the work "
               "done\" counts the multiply-adds the kernels do (bitc's Winograd layers: the compiled plan's "
               "figure, `bitc compile`'s summary line). The loop's wall-clock GFLOP/s at each point of the run "
               "(how much of the machine the benchmark got): %s."
               % (widest.upper().replace("AVX512", "AVX-512"), per_core, per_core * args.threads, args.threads,
                  "" if per_core_avx2 is None or widest == "avx2" else
                  " (AVX2 loop: %.1f per core)" % per_core_avx2, GMACS[224], GMACS[448], loaded))
    out.append("")
    out.extend(lines)
    out.append("")
    for engine in ("bitc", "bitc-ws"):
        best = [(k[0], s) for k, s in summary.items() if k[1:] == (engine,)]
        if best:
            out.append("%s vs ONNX Runtime's better setting, wall-clock medians: " % NAMES[engine] + "; ".join(
                "%s %s (%.1f ms)" % (c, fmt(s["vs_ort"], 2, "x"), s["ms"]) for c, s in best) + ".")
    one, two = summary.get(("224-b1-t1", "bitc")), summary.get(("224-b1", "bitc"))
    if one and two:
        out.append("bitc `_forward` at 224, %d threads vs 1: %.2fx." % (args.threads, one["ms"] / two["ms"]))
    for config in ("224-int8", "448-int8"):
        f32 = summary.get((config, "bitc", "fp32"))
        for precision in ("int8", "bf16"):
            low = summary.get((config, "bitc", precision))
            if low and f32:
                out.append("%s: bitc %s `_forward` %.1f ms: %s ONNX Runtime fp32's better setting, %.2fx bitc "
                           "fp32, %s PyTorch int8's better setting." % (
                               config, precision, low["ms"], fmt(low["vs_ort"], 2, "x"), f32["ms"] / low["ms"],
                               fmt(low["vs_torch"], 2, "x")))
    out.append("Agreement: %s." % ("every engine within %.0e relative of PyTorch, same top-1 (of the fp32 logits: "
                                   "int8 rows %.0f%%, bf16 rows %.0f%%; random weights, see bench/report.py)"
                                   % (REL_TOL, 100 * QUANT_REL_TOL["int8"], 100 * QUANT_REL_TOL["bf16"])
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
