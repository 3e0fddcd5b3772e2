"""`bitc compile` under address-space limits too small for it.

    vm-limit.py BITC MODEL_DIR WORK_DIR

Finds the smallest RLIMIT_AS (`ulimit -v`, 8 MiB steps) under which
`bitc --version` starts at all (the shared libraries alone take hundreds of
MiB), then compiles MODEL_DIR under that limit plus 16, 48 and 80 MiB: each
compile must either succeed, or fail with exactly one line
`bitc: error: ...out of memory...`, exit status 1, and leave neither an
output nor a temporary behind. At least one limit must fail (else the limits
are not small enough to test anything).
"""
import os
import resource
import shutil
import subprocess
import sys

bitc, model, work = sys.argv[1:4]
MiB = 1 << 20


def run(limit, args, **kwargs):
    def restrict():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return subprocess.run([bitc] + args, preexec_fn=restrict,
                          capture_output=True, text=True, **kwargs)


base = next((limit for limit in range(128 * MiB, 2048 * MiB, 8 * MiB)
             if run(limit, ["--version"]).returncode == 0), None)
if base is None:
    print("FAIL: bitc --version does not start under 2 GiB")
    sys.exit(1)

failed = 0
for extra in (16, 48, 80):
    out = os.path.join(work, "out-%d" % extra)
    tmp = os.path.join(work, "tmp-%d" % extra)
    os.makedirs(out)
    os.makedirs(tmp)
    result = run(base + extra * MiB,
                 ["compile", model, "-o", os.path.join(out, "m.o"), "-q"],
                 env=dict(os.environ, TMPDIR=tmp))
    lines = result.stderr.splitlines()
    if result.returncode == 0:
        outcome = "compiled"
    elif (result.returncode == 1 and len(lines) == 1 and
          lines[0].startswith("bitc: error: ") and "out of memory" in lines[0]
          and not os.listdir(out) and not os.listdir(tmp)):
        outcome = "out of memory"
        failed += 1
    else:
        print("FAIL: +%d MiB: exit status %d, stderr %r, left %s %s" %
              (extra, result.returncode, result.stderr[-2000:],
               os.listdir(out), os.listdir(tmp)))
        sys.exit(1)
    print("+%d MiB: %s" % (extra, outcome))
    shutil.rmtree(out)
if not failed:
    print("FAIL: no limit was small enough")
    sys.exit(1)
print("every limit compiled or failed in one line")
