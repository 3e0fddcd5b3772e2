# -*- Python -*-
import os
import shutil

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "bitc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py",
                   "reference", "unit"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.bitc_obj_root, "test")

llvm_config.use_default_substitutions()
# Sanitizer settings of an instrumented build (ctest -L sanitize). lit 19's
# own list misses ASAN_OPTIONS (a missing comma joins it to the previous
# name).
llvm_config.with_system_environment(
    ["ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS"])
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# An instrumented bitc (ctest -L sanitize): tests whose instrumented part is
# already covered at a smaller size say `UNSUPPORTED: sanitizer`.
if config.bitc_sanitize:
    config.available_features.add("sanitizer")

# Objects that use AVX512-BF16 (--precision bf16) run only where the CPU has
# it; tests that run them say `REQUIRES: cpu-avx512-bf16`.
try:
    with open("/proc/cpuinfo") as cpuinfo:
        cpu_flags = set(next((l.split(":", 1)[1].split() for l in cpuinfo
                              if l.startswith("flags")), []))
except OSError:
    cpu_flags = set()
if {"avx512f", "avx512_bf16"} <= cpu_flags:
    config.available_features.add("cpu-avx512-bf16")
# Output channels per int8 vector of a --target host object (as
# codegen/kernels/Int8Conv.cpp's int8ConvLanes: 16 with AVX-512, else 8):
# simulate_int8.py's --lanes for it.
config.substitutions.append(
    ("%int8_host_lanes", "16" if {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"} <= cpu_flags
     else "8"))

reference = os.path.join(config.bitc_src_root, "test", "reference")
# Ahead of lit's own %python (the interpreter running lit, which may lack
# torch and numpy).
config.substitutions.insert(0, ("%python", config.python_with_torch))
# The reference tools run through zygote.py, which imports torch and numpy
# once per suite run instead of once per call (test/reference/zygote.py).
zygote = config.python_with_torch + " " + os.path.join(reference, "zygote.py")
config.substitutions.append(("%zygote", zygote))
config.zygote = zygote  # for lit.local.cfg files
for name, script in [("%make_checkpoint", "checkpoint_cache.py"),
                     ("%make_input", "make_input.py"),
                     ("%run_reference", "run_reference.py"),
                     ("%simulate_bf16", "simulate_bf16.py"),
                     ("%simulate_int8", "simulate_int8.py"),
                     ("%compare", "compare.py")]:
    config.substitutions.append((name, zygote + " " + os.path.join(reference, script)))
config.substitutions.append(("%srcroot", config.bitc_src_root))
config.substitutions.append(("%cc", config.c_compiler))
config.substitutions.append(("%cxx", config.cxx_compiler))
# The clang that builds the runtime bitcode, which has the sanitizer
# runtimes (libclang-rt-19-dev): drivers linked against `--target host-tsan`
# objects.
config.substitutions.append(("%tsan_cc", config.clang + " -fsanitize=thread"))

llvm_config.add_tool_substitutions(
    [ToolSubst("bitc", unresolved="fatal"),
     ToolSubst("bitc-opt", unresolved="fatal")],
    [config.bitc_tools_dir])

# Tests that compile whole networks take a while on 2 cores.
config.environment["OMP_NUM_THREADS"] = "2"

# Shared work between tests (docs/testing.md): every test that generates the
# same checkpoint (same %make_checkpoint arguments) or compiles the same
# kernels and Halide runtime (same shapes, options, --name and --target)
# reuses the first one's result. Checkpoints: test/reference/checkpoint_cache.py.
# Objects: codegen/ObjectCache.h, keyed by the bitc executable too; a rebuilt
# bitc starts a new directory and the old one is deleted here.
# BITC_TEST_NO_CACHE=1 turns both off.
shared_root = os.path.join(config.test_exec_root, ".shared")
if os.environ.get("BITC_TEST_NO_CACHE", "0") in ("", "0"):
    # Checkpoints do not depend on the bitc build: scripts/test.sh points the
    # sanitizer build's suite at the normal build's.
    config.environment["BITC_CHECKPOINT_CACHE"] = os.environ.get(
        "BITC_CHECKPOINT_CACHE") or os.path.join(shared_root, "checkpoints")
    bitc_stat = os.stat(os.path.join(config.bitc_tools_dir, "bitc"))
    objects = "objects-%d-%d" % (bitc_stat.st_mtime_ns, bitc_stat.st_size)
    config.environment["BITC_OBJECT_CACHE"] = os.path.join(shared_root, objects)
    if os.path.isdir(shared_root):
        for old in os.listdir(shared_root):
            if old.startswith("objects-") and old != objects:
                shutil.rmtree(os.path.join(shared_root, old), ignore_errors=True)
