"""dask_classify.py on the bundled digit samples plus a corrupt file: two
local worker processes give exactly the rows of a single-process run, the
corrupt file's row reports its error, every other row is predicted."""

import csv
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(ROOT, "python"))
import bitc  # noqa: E402


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    out = tmp_path_factory.mktemp("dask")
    library = bitc.compile(os.path.join(ROOT, "models", "bit-digits"), out / "libdigits.so", name="digits",
                           quiet=True)
    images = out / "images"
    shutil.copytree(os.path.join(ROOT, "models", "bit-digits", "samples"), images)
    (images / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0garbage" * 40)
    return out, library, images


def classify(out, library, inputs, workers, name):
    csv_path = out / name
    subprocess.run([sys.executable, os.path.join(HERE, "dask_classify.py"), str(library)] + inputs +
                   ["-o", str(csv_path), "--workers", str(workers), "--top-k", "3", "--batch-files", "4"],
                   check=True, timeout=600)
    with open(csv_path) as f:
        return list(csv.reader(f))


def test_two_workers_match_one_process(setup):
    out, library, images = setup
    single = classify(out, library, [str(images)], 0, "single.csv")
    dask = classify(out, library, [str(images)], 2, "dask.csv")
    assert dask == single
    header, rows = single[0], single[1:]
    assert header == ["path", "label_1", "score_1", "label_2", "score_2", "label_3", "score_3", "error"]
    assert len(rows) == len([f for f in os.listdir(images) if f.endswith(".png")])
    for row in rows:
        name = os.path.basename(row[0])
        if name == "corrupt.png":
            assert row[1:7] == [""] * 6 and row[7].split(":")[0].endswith("Error"), row
        else:
            assert row[1] == name.split("-")[1] and row[7] == "", row  # digit-<label>-...
            assert 0 < float(row[2]) <= 1


def test_list_file(setup):
    out, library, images = setup
    listed = sorted(str(images / f) for f in os.listdir(images) if f.endswith(".png"))[:3] + [str(images / "missing.png")]
    (out / "list.txt").write_text("\n".join(listed) + "\n")
    rows = classify(out, library, ["@" + str(out / "list.txt")], 0, "list.csv")[1:]
    assert [r[0] for r in rows] == listed
    assert rows[-1][7].startswith("FileNotFoundError")


def test_scheduler_address(setup, tmp_path):
    """A cluster started by hand (`dask scheduler`, `dask worker` with another
    working directory) given by its address: the same rows, relative paths
    included."""
    out, library, images = setup
    scheduler_file = tmp_path / "scheduler.json"
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    logs = open(tmp_path / "cluster.log", "w")
    scheduler = subprocess.Popen(["dask", "scheduler", "--scheduler-file", str(scheduler_file), "--port", "0",
                                  "--no-dashboard"], stdout=logs, stderr=logs)
    worker = None
    try:
        for _ in range(600):
            if scheduler_file.exists() and scheduler_file.stat().st_size > 0:
                break
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        worker = subprocess.Popen(["dask", "worker", address, "--nworkers", "1", "--nthreads", "1",
                                   "--no-dashboard"], stdout=logs, stderr=logs, env=env, cwd=str(tmp_path))
        relative = os.path.relpath(str(images))
        single = classify(out, library, [relative], 0, "relative-single.csv")
        subprocess.run([sys.executable, os.path.join(HERE, "dask_classify.py"), str(library), relative,
                                 "-o", str(tmp_path / "remote.csv"), "--scheduler", address, "--top-k", "3",
                                 "--batch-files", "4"], check=True, timeout=600)
        with open(tmp_path / "remote.csv") as f:
            assert list(csv.reader(f)) == single
    finally:
        for process in (worker, scheduler):
            if process is not None:
                process.terminate()
                process.wait(timeout=60)
        logs.close()
