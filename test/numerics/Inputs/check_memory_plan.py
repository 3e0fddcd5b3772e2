"""Checks the arena plan of bit-plan-memory on a module in generic form.

    check_memory_plan.py FILE.mlir     (bitc-opt --mlir-print-op-generic output)

The interpreter ignores bit.offsets, so a wrong plan would pass every numerics
test and only corrupt results in generated code. This re-derives the plan's
invariants independently (standard library only):
  - every result of every non-weight op has an offset, aligned to 64 bytes,
    except returned [N][C] results, written into the caller's buffer (-1);
  - every tensor fits in bit.workspace_bytes;
  - two tensors whose live ranges [defining op, last use] intersect never
    share a byte (the result of an op is live together with its operands;
    returning a value does not keep it alive: it is copied out when made);
  - bit.naive_bytes is at least the sum of all tensor sizes, and the
    workspace is at least the largest tensor and at most the naive size.
Prints one summary line; exits 1 with the first violation.
"""
import re
import sys

OP = re.compile(r'^\s*(?:(%[\w.$-]+)(?::(\d+))? = )?"([\w.]+)"\((.*?)\)')
OFFSETS = re.compile(r'bit\.offsets = array<i64(?:: ([-0-9, ]+))?>')
TENSOR = re.compile(r'tensor<([0-9x]+)x(f32|f16|bf16|i64|i32)>')
ATTR = re.compile(r'bit\.(workspace|naive)_bytes = (\d+) : i64')


def fail(msg):
    print("check_memory_plan: FAIL: " + msg)
    sys.exit(1)


def nbytes(shape, dtype):
    n = 1
    for d in shape.split("x"):
        n *= int(d)
    return n * {"f32": 4, "f16": 2, "bf16": 2, "i64": 8, "i32": 4}[dtype]


def main(path):
    text = open(path).read()
    attrs = dict(ATTR.findall(text))
    if "workspace" not in attrs or "naive" not in attrs:
        fail("no bit.workspace_bytes / bit.naive_bytes on the function")
    workspace, naive = int(attrs["workspace"]), int(attrs["naive"])

    tensors = {}   # (name, index) -> [offset, size, def, last_use]
    in_caller = set()  # [N][C] results written straight into the caller's buffer
    index = 0
    for line in text.splitlines():
        m = OP.match(line)
        if not m:
            continue
        name, count, op, operands = m.group(1), m.group(2), m.group(3), m.group(4)
        index += 1
        if op == "func.return":
            # Results are copied out (feature maps) or written into the caller's buffer ([N][C]) as
            # they are computed: returning them does not keep them alive.
            returned = set()
            for ref in re.findall(r'%[\w.$-]+(?:#\d+)?', operands):
                base, _, k = ref.partition("#")
                returned.add((base, int(k or 0)))
            for key in in_caller:
                if key not in returned:
                    fail("%s#%d has no workspace (offset -1) but is not returned" % key)
            continue
        for ref in re.findall(r'%[\w.$-]+(?:#\d+)?', operands):
            base, _, k = ref.partition("#")
            key = (base, int(k or 0))
            if key in tensors:
                tensors[key][3] = index
        if not name or op == "bit.weight" or not op.startswith("bit."):
            continue
        o = OFFSETS.search(line)
        if not o:
            fail("%s (%s) has no bit.offsets" % (name, op))
        offsets = [int(v) for v in (o.group(1) or "").replace(" ", "").split(",") if v]
        results = line.rsplit(") -> ", 1)[1]
        types = TENSOR.findall(results)
        if len(offsets) != len(types) or len(types) != int(count or 1):
            fail("%s (%s): %d offsets for %d results" % (name, op, len(offsets), len(types)))
        for k, (off, (shape, dtype)) in enumerate(zip(offsets, types)):
            size = nbytes(shape, dtype)
            if off == -1 and shape.count("x") == 1:  # NxCxf32: the caller's buffer
                in_caller.add((name, k))
                continue
            if off % 64:
                fail("%s#%d offset %d is not 64-byte aligned" % (name, k, off))
            if off < 0 or off + size > workspace:
                fail("%s#%d [%d, %d) is outside the %d-byte workspace" % (name, k, off, off + size, workspace))
            tensors[(name, k)] = [off, size, index, index]

    items = sorted(tensors.items(), key=lambda kv: kv[1][2])
    for i, (ka, (oa, sa, da, la)) in enumerate(items):
        for kb, (ob, sb, db, lb) in items[i + 1:]:
            if db > la:
                continue  # b is defined after a's last use (items sorted by def)
            if oa < ob + sb and ob < oa + sa:
                fail("%s#%d [%d, +%d) live ops %d..%d overlaps %s#%d [%d, +%d) live ops %d..%d" % (
                    ka[0], ka[1], oa, sa, da, la, kb[0], kb[1], ob, sb, db, lb))
    total = sum(v[1] for v in tensors.values())
    largest = max(v[1] for v in tensors.values())
    if naive < total:
        fail("bit.naive_bytes %d < sum of tensor sizes %d" % (naive, total))
    if not largest <= workspace <= naive:
        fail("workspace %d not within [largest tensor %d, naive %d]" % (workspace, largest, naive))
    print("check_memory_plan: ok: %d tensors, workspace %d, naive %d, sum %d, largest %d" % (
        len(tensors), workspace, naive, total, largest))


if __name__ == "__main__":
    main(sys.argv[1])
