"""Prints what a script run through test/reference/zygote.py sees, then exits
with the status of a subprocess that exits with argv[1]."""
import os
import subprocess
import sys

print("argv", sys.argv[1:])
print("cwd", os.path.basename(os.getcwd()))
print("env", os.environ.get("ZYGOTE_PROBE"))
print("stdin", sys.stdin.read().strip())
print("torch preloaded", "torch" in sys.modules)
print("to stderr", file=sys.stderr)
sys.stdout.flush()
sys.exit(subprocess.call([sys.executable, "-c", "import sys; sys.exit(int(sys.argv[1]))",
                          sys.argv[1]]))
