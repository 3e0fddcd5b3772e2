"""Interrupts `bitc compile -v` at chosen moments and checks what is left.

    interrupt.py BITC MODEL_DIR WORK_DIR

For each aim, a compile of MODEL_DIR runs with its own output directory
(holding an earlier m.o/m.h pair) and its own TMPDIR, and gets SIGINT or
SIGTERM: at once, after a `-v` phase line (import done: passes; plan done:
kernels; kernels done: Halide runtime; runtime done: entry point and link), or
while `ld` runs (a stand-in first on PATH that writes its output, says so, and
sleeps). bitc must end by that signal, leave the earlier pair byte for byte
and no other file, leave TMPDIR empty, and leave no `ld` running. Prints one
line per aim; exits 1 on the first failure.
"""
import os
import signal
import subprocess
import sys
import time

bitc, model, work = sys.argv[1:4]

FAKE_LD = """#!/bin/sh
# Writes the -o file, says it is running, waits to be killed.
while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done
echo partial > "$out"
echo $$ > "{marker}"
sleep 60
"""

AIMS = [  # name, signal, phase line to wait for (or None), extra delay
    ("start", signal.SIGTERM, None, 0.05),
    ("passes", signal.SIGINT, "bitc: import", 0.0),
    ("kernels", signal.SIGTERM, "bitc: plan", 0.5),
    ("runtime", signal.SIGINT, "bitc: kernels", 0.0),
    ("emit", signal.SIGTERM, "bitc: runtime", 0.0),
    ("ld", signal.SIGTERM, "ld", 0.0),
]


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


for name, sig, wait_for, delay in AIMS:
    out = os.path.join(work, "out-" + name)
    tmp = os.path.join(work, "tmp-" + name)
    os.makedirs(out)
    os.makedirs(tmp)
    with open(os.path.join(out, "m.o"), "w") as f:
        f.write("old object\n")
    with open(os.path.join(out, "m.h"), "w") as f:
        f.write("old header\n")
    env = dict(os.environ, TMPDIR=tmp)
    marker = os.path.join(work, "ld-pid-" + name)
    if wait_for == "ld":
        bin_dir = os.path.join(work, "bin-" + name)
        os.makedirs(bin_dir)
        with open(os.path.join(bin_dir, "ld"), "w") as f:
            f.write(FAKE_LD.format(marker=marker))
        os.chmod(os.path.join(bin_dir, "ld"), 0o755)
        env["PATH"] = bin_dir + os.pathsep + env["PATH"]
    proc = subprocess.Popen(
        [bitc, "compile", model, "-o", os.path.join(out, "m.o"), "--name",
         "m", "-v"], env=env, stderr=subprocess.PIPE, text=True)
    if wait_for == "ld":
        while not os.path.exists(marker) and proc.poll() is None:
            time.sleep(0.02)
        time.sleep(0.1)  # the pid is written before `sleep` starts
    elif wait_for:
        for line in proc.stderr:
            if line.startswith(wait_for):
                break
    time.sleep(delay)
    if proc.poll() is not None:
        fail("%s: bitc ended before the signal (%d)" % (name, proc.returncode))
    proc.send_signal(sig)
    proc.stderr.read()
    rc = proc.wait(timeout=60)
    if rc != -sig:
        fail("%s: exit status %d, expected death by %s" % (name, rc, sig.name))
    if sorted(os.listdir(out)) != ["m.h", "m.o"]:
        fail("%s: output directory holds %s" % (name, sorted(os.listdir(out))))
    for file, text in (("m.o", "old object\n"), ("m.h", "old header\n")):
        with open(os.path.join(out, file)) as f:
            if f.read() != text:
                fail("%s: %s changed" % (name, file))
    if os.listdir(tmp):
        fail("%s: TMPDIR holds %s" % (name, os.listdir(tmp)))
    if wait_for == "ld":
        with open(marker) as f:
            pid = int(f.read())
        try:
            os.kill(pid, 0)
            fail("%s: ld (pid %d) still runs" % (name, pid))
        except ProcessLookupError:
            pass
    print("%s: ended by %s, nothing left" % (name, sig.name))
