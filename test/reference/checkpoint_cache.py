"""make_checkpoint.py with its results kept between runs: lit's %make_checkpoint.

Tests generate the same checkpoints again and again (tiny-preact dozens of
times; default-r50x1 with its float64 expected outputs takes minutes on a
loaded 2-core machine). With BITC_CHECKPOINT_CACHE=DIR in the environment
(lit.cfg.py sets it), each distinct command line (less --out) runs
make_checkpoint.py once per version of test/reference/*.py: the directory it
wrote and its stdout are kept in DIR, and every run copies them to --out (a
copy, so a test may damage its checkpoint freely). Without the variable, a
command line without --out or with --no-preprocessor (which deletes a file
that may already be in --out), this is make_checkpoint.py itself.
"""
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
MAKE_CHECKPOINT = os.path.join(HERE, "make_checkpoint.py")
ZYGOTE = os.path.join(HERE, "zygote.py")


def split_out(argv):
    """(--out's value, the other arguments), or (None, argv)."""
    for i, arg in enumerate(argv):
        if arg == "--out" and i + 1 < len(argv):
            return argv[i + 1], argv[:i] + argv[i + 2:]
        if arg.startswith("--out="):
            return arg[len("--out="):], argv[:i] + argv[i + 1:]
    return None, argv


def cache_key(args):
    h = hashlib.sha256()
    h.update(json.dumps([sys.executable] + args).encode())
    for name in sorted(os.listdir(HERE)):
        if name.endswith(".py"):
            with open(os.path.join(HERE, name), "rb") as f:
                h.update(name.encode() + b"\0" + f.read())
    return h.hexdigest()


def fill(cache, entry, args):
    """Runs make_checkpoint.py into a private directory, renamed to `entry`;
    returns its exit status (a failure is not kept)."""
    os.makedirs(cache, exist_ok=True)
    staging = tempfile.mkdtemp(prefix="tmp-", dir=cache)
    out = os.path.join(staging, "out")
    # Through zygote.py: torch is imported once per suite, not per checkpoint.
    run = subprocess.run([sys.executable, ZYGOTE, MAKE_CHECKPOINT] + args + ["--out", out],
                         stdout=subprocess.PIPE)
    if run.returncode != 0:
        sys.stdout.buffer.write(run.stdout)
        shutil.rmtree(staging, ignore_errors=True)
        return run.returncode
    with open(os.path.join(staging, "stdout"), "wb") as f:
        f.write(run.stdout.replace(out.encode(), b"@OUT@"))
    try:
        os.rename(staging, entry)
    except OSError:  # another test filled it meanwhile
        shutil.rmtree(staging, ignore_errors=True)
    return 0


def main(argv):
    cache = os.environ.get("BITC_CHECKPOINT_CACHE")
    out, args = split_out(argv)
    if not cache or out is None or "--no-preprocessor" in args:
        # Not exec: under zygote.py the caller waits for this process's status.
        return subprocess.call([sys.executable, ZYGOTE, MAKE_CHECKPOINT] + argv)
    entry = os.path.join(cache, cache_key(args))
    if not os.path.isdir(entry):
        # Tests that run at once and want the same checkpoint (both halves
        # of default-r50x1) wait for the one that makes it.
        locks = os.path.join(cache, ".locks")  # hidden: the cache lists entries only
        os.makedirs(locks, exist_ok=True)
        with open(os.path.join(locks, os.path.basename(entry)), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not os.path.isdir(entry):
                status = fill(cache, entry, args)
                if status != 0:
                    return status
    shutil.copytree(os.path.join(entry, "out"), out, dirs_exist_ok=True)
    with open(os.path.join(entry, "stdout"), "rb") as f:
        sys.stdout.buffer.write(f.read().replace(b"@OUT@", out.encode()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
