#!/usr/bin/env -S /usr/bin/python3
"""Per-layer table of a `bitc compile --profile` run: each kernel's time, MACs and % of peak.

    layer_table.py [LABEL=]PROFILE.txt... --peak-per-core GFLOPS --threads N [--doc FILE]

PROFILE.txt is what a profiled object printed to stderr (the last table is used). The MACs of a
kernel come from its kind as the profile names it: "conv KHxKW/S IN->OUT @OHxOW" does
OH*OW*OUT*IN*KH*KW multiply-adds per call; "winograd Fm conv 3x3/1 ..." does (m+2)^2 products per
m x m output tile and channel pair, the output rounded up to whole tiles (what
kernels::winogradMacs counts); "linear IN->OUT" IN*OUT; the other kernels (norms, pools, adds) do
no multiply-adds worth counting. % of peak = 2 x MACs done / time / (per-core peak x threads).
Profiles of 2 or more threads add a column: the kernel's idle thread time at the ends of its
parallel loops (the profile's "waiting by kernel" section).
Prints one markdown table per profile (headed by its LABEL); --doc also writes them into FILE
between <!-- layers:begin --> and <!-- layers:end --> (bench/profile.sh does).
"""
import argparse
import datetime
import os
import re
import sys

CONV = re.compile(r"^(?:winograd F(\d) )?conv (\d+)x(\d+)/(\d+) (\d+)->(\d+) @(\d+)x(\d+)$")
LINEAR = re.compile(r"^linear (\d+)->(\d+)$")
ROW = re.compile(r"^\s+([\d.]+)\s+([\d.]+)%\s+(\d+)\s+(.*)$")
WAIT_ROW = re.compile(r"^\s+([\d.]+)\s+([\d.]+)%\s+(\D.*)$")


def macs(kind):
    """(direct MACs, MACs done) of one call of a kernel kind."""
    m = CONV.match(kind)
    if m:
        tile = int(m.group(1) or 0)
        kh, kw, _, cin, cout, oh, ow = map(int, m.groups()[1:])
        direct = oh * ow * cout * cin * kh * kw
        if not tile:
            return direct, direct
        tiles = -(-oh // tile) * -(-ow // tile)
        return direct, tiles * (tile + 2) ** 2 * cin * cout
    m = LINEAR.match(kind)
    if m:
        n = int(m.group(1)) * int(m.group(2))
        return n, n
    return 0, 0


def parse(text):
    """[(kind, calls, ms per forward)] of the last profile's 'by kernel' section, and its header."""
    table = "bitc profile:" + text.split("bitc profile:")[-1]
    lines = table.split("\n")
    rows, section = [], None
    for line in lines[1:]:
        if line.startswith("  by "):
            section = line.split()[1].rstrip(":")
            continue
        m = ROW.match(line)
        if m and section == "kernel":
            rows.append((m.group(4), int(m.group(3)), float(m.group(1))))
    return lines[0], rows


def parse_waits(text):
    """{kind: thread-ms idle per forward} of the last profile's waiting section, or None (1 thread)."""
    table = text.split("bitc profile:")[-1]
    if "  waiting by kernel" not in table:
        return None
    waits = {}
    for line in table.split("  waiting by kernel")[1].split("\n")[2:]:
        m = WAIT_ROW.match(line)
        if m:
            waits[m.group(3)] = float(m.group(1))
    return waits


def table(header, rows, peak, waits=None):
    total_ms = sum(ms for _, _, ms in rows)
    wait_head = " idle thread-ms at loop ends |" if waits is not None else ""
    out = ["`%s`" % header.strip(), "",
           "| kernel | calls | ms per forward | % of time | GMAC (direct) | GMAC done | % of peak on the work done |" +
           wait_head, "|---|---|---|---|---|---|---|" + ("---|" if waits is not None else "")]
    sums = [0.0, 0.0]
    for kind, calls, ms in rows:
        direct, done = macs(kind)
        sums[0] += direct * calls
        sums[1] += done * calls
        pct = "%.0f%%" % (100 * 2 * done * calls / (ms * 1e-3) / (peak * 1e9)) if done and ms > 0 else "-"
        wait = " %.3f |" % waits.get(kind, 0.0) if waits is not None else ""
        out.append("| %s | %d | %.3f | %.1f%% | %s | %s | %s |%s" % (
            kind, calls, ms, 100 * ms / total_ms, "%.3f" % (direct * calls / 1e9) if direct else "-",
            "%.3f" % (done * calls / 1e9) if done else "-", pct, wait))
    wait = " %.3f |" % sum(waits.values()) if waits is not None else ""
    out.append("| all kernels | | %.3f | 100%% | %.3f | %.3f | %.0f%% |%s" % (
        total_ms, sums[0] / 1e9, sums[1] / 1e9, 100 * 2 * sums[1] / (total_ms * 1e-3) / (peak * 1e9), wait))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("profiles", nargs="+", metavar="[LABEL=]PROFILE")
    ap.add_argument("--peak-per-core", type=float, required=True, help="GFLOP/s of one core (FMA loop)")
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--doc")
    args = ap.parse_args(argv)
    peak = args.peak_per_core * args.threads
    out = ["Per-layer table of %s: each kernel's time per forward call (from `bitc compile --profile`, the "
           "clock it was run with), its multiply-adds (direct and done), %% of the peak of %d thread(s) x %.1f "
           "GFLOP/s per core (`bench/layer_table.py`)." % (
               datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"), args.threads,
               args.peak_per_core), ""]
    for spec in args.profiles:
        label, _, path = spec.rpartition("=")
        with open(path) as f:
            text = f.read()
        header, rows = parse(text)
        if not rows:
            print("layer_table: no profile in %s" % path, file=sys.stderr)
            return 1
        if label:
            out += ["**%s**" % label, ""]
        out += table(header, rows, peak, parse_waits(text)) + [""]
    text = "\n".join(out)
    print(text)
    if args.doc and args.doc != "-":
        begin, end = "<!-- layers:begin -->", "<!-- layers:end -->"
        block = begin + "\n" + text + end
        doc = open(args.doc).read() if os.path.exists(args.doc) else "# Performance\n"
        if begin in doc and end in doc:
            doc = doc[:doc.index(begin)] + block + doc[doc.index(end) + len(end):]
        else:
            doc = doc.rstrip("\n") + "\n\n## Per-layer table\n" + block + "\n"
        with open(args.doc + ".tmp", "w") as f:
            f.write(doc)
        os.replace(args.doc + ".tmp", args.doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
