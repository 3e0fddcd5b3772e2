"""python3 -m bitc ARGS...: runs the bitc tool (bitc.compiler.bitc_executable)."""

import sys

from .compiler import run

if __name__ == "__main__":
    try:
        sys.exit(run(sys.argv[1:]))
    except FileNotFoundError as err:
        print("bitc: error: %s" % err, file=sys.stderr)
        sys.exit(1)
