"""The installed bitc Python package, found through pkg-config's pythondir,
compiling with the installed bitc (found next to the package) and loading the
result. Usage: installed_python.py MODEL_DIR OUT_DIR"""
import os
import subprocess
import sys

pythondir = os.path.normpath(subprocess.check_output(["pkg-config", "--variable=pythondir", "bitc"], text=True).strip())
sys.path.insert(0, pythondir)
import bitc  # noqa: E402

library = bitc.compile(sys.argv[1], sys.argv[2] + "/libd.so", name="d", quiet=True)
print(bitc.Model(library), bitc.__file__)
print("bitc:", bitc.compiler.bitc_executable())
