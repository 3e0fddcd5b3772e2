"""`bitc.compile(...)` and `python3 -m bitc ...`: the bitc command-line tool."""

import os
import shutil
import subprocess


def bitc_executable():
    """$BITC, else the bitc installed with this package (<prefix>/bin, this
    file being in <prefix>/lib/pythonX.Y/dist-packages/bitc), else the
    repository's build/bin/bitc, else bitc on PATH."""
    if os.environ.get("BITC"):
        return os.environ["BITC"]
    here = os.path.dirname(os.path.abspath(__file__))
    for candidate in (os.path.join(here, "..", "..", "..", "..", "bin", "bitc"),
                      os.path.join(here, "..", "..", "build", "bin", "bitc")):
        if os.access(candidate, os.X_OK):
            return os.path.normpath(candidate)
    found = shutil.which("bitc")
    if not found:
        raise FileNotFoundError("cannot find the bitc executable: set BITC=/path/to/bitc or put it on PATH")
    return found


def run(args, **kwargs):
    """Runs `bitc ARGS...` and returns its exit code."""
    return subprocess.call([bitc_executable()] + list(args), **kwargs)


def compile(model_dir, out, emit="shared", **options):
    """`bitc compile MODEL_DIR -o OUT --emit=EMIT --OPTION=VALUE...`.

    Options are the command's long options with '_' for '-': name="digits",
    image_size=448, batch=8, winograd="off", quiet=True (True is a bare
    switch; False and None leave an option out). Returns `out`; raises
    bitc.Error with bitc's own message when it fails."""
    from .model import Error

    args = ["compile", os.fspath(model_dir), "-o", os.fspath(out), "--emit=" + emit]
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            args.append(flag)
        elif value is not False and value is not None:
            args.append("%s=%s" % (flag, value))
    result = subprocess.run([bitc_executable()] + args, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        lines = [l for l in result.stderr.splitlines() if l.strip()]
        raise Error(lines[-1] if lines else "bitc compile failed with exit code %d" % result.returncode,
                    result.returncode)
    return out
