#!/usr/bin/env python3
"""Classify every image under a folder (or a list of paths) with a bitc model
on a Dask cluster, and write one CSV row per image: path, top-k labels and
scores (softmax probabilities), or the error that image raised.

    dask_classify.py MODEL.so IMAGES... [-o results.csv] [--top-k 5]
                     [--workers N | --scheduler tcp://HOST:8786 | --workers 0]

IMAGES are folders (searched recursively for image files), image files, or
@LIST files holding one path per line (relative paths are relative to the
current directory here, whatever the workers' is). MODEL.so comes from
`bitc compile MODEL_DIR -o MODEL.so --emit=shared`. Every worker loads it once
(a worker plugin); each task classifies a batch of files. Paths must name the
same files on every worker (a shared filesystem), and so must MODEL.so.
--workers N (default 2) starts a LocalCluster of N single-threaded worker
processes; --scheduler joins an existing cluster; --workers 0 runs in this
process without Dask (the reference the test compares against)."""

import argparse
import csv
import os
import sys
import time

import numpy as np

try:
    import bitc
except ImportError:  # run from a source tree: python/ is two levels up
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "python"))
    import bitc

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".ppm", ".pgm", ".bmp", ".gif", ".tif", ".tiff", ".webp")
PLUGIN_NAME = "bitc-model"


def image_paths(arguments):
    """The files named by folders, files and @LIST arguments, in order."""
    paths = []
    for argument in arguments:
        if argument.startswith("@"):
            with open(argument[1:]) as f:
                paths.extend(line.strip() for line in f if line.strip())
        elif os.path.isdir(argument):
            for root, dirs, files in os.walk(argument):
                dirs.sort()
                paths.extend(os.path.join(root, f) for f in sorted(files) if f.lower().endswith(IMAGE_SUFFIXES))
        else:
            paths.append(argument)
    return paths


def classify_files(model, paths, top_k):
    """One row per path: [path, label_1, score_1, ..., error]. A file that
    cannot be read or decoded gets its error and empty predictions."""
    from PIL import Image

    pixels, rows = [], []
    for path in paths:
        try:
            with Image.open(path) as image:
                pixels.append(model.preprocess(image))
            rows.append([path])
        except Exception as err:  # one bad file must not fail its batch
            rows.append([path] + [""] * (2 * top_k) + ["%s: %s" % (type(err).__name__, err)])
    logits = model.forward(np.stack(pixels)) if pixels else []
    good = iter(logits)
    for row in rows:
        if len(row) == 1:
            scores = next(good).astype(np.float64)
            probabilities = np.exp(scores - scores.max())
            probabilities /= probabilities.sum()
            best = np.argsort(-scores, kind="stable")[:top_k]
            for k in best:
                row += [model.labels[k] if k < len(model.labels) else str(k), "%.6f" % probabilities[k]]
            row += [""] * (2 * (top_k - len(best)) + 1)
    return rows


class ModelPlugin:
    """A Dask worker plugin: each worker process loads the model once."""

    name = PLUGIN_NAME

    def __init__(self, library, threads):
        self.library, self.threads, self.model = library, threads, None

    def setup(self, worker):
        self.model = bitc.Model(self.library)
        self.model.set_num_threads(self.threads)


def classify_on_worker(paths, top_k):
    from distributed import get_worker

    return classify_files(get_worker().plugins[PLUGIN_NAME].model, paths, top_k)


def batches(items, size):
    return [items[i:i + size] for i in range(0, len(items), size)]


def run(args, paths):
    """(rows, workers, seconds classifying). Rows name the paths as given;
    workers get them absolute (they may run in another directory)."""
    rows, workers, seconds = classify_paths(args, [os.path.abspath(p) for p in paths])
    for row, path in zip(rows, paths):
        row[0] = path
    return rows, workers, seconds


def classify_paths(args, paths):
    if args.workers == 0 and not args.scheduler:
        model = bitc.Model(args.model)
        model.set_num_threads(args.model_threads)
        start = time.perf_counter()
        rows = [r for b in batches(paths, args.batch_files) for r in classify_files(model, b, args.top_k)]
        return rows, 0, time.perf_counter() - start

    from distributed import Client, LocalCluster

    # Worker processes import bitc as this process did.
    package = os.path.dirname(os.path.dirname(os.path.abspath(bitc.__file__)))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [package, os.environ.get("PYTHONPATH")]))
    cluster = None
    if args.scheduler:
        client = Client(args.scheduler)
        client.wait_for_workers(1)
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        client.register_worker_plugin(ModelPlugin(os.path.abspath(args.model), args.model_threads))
        workers = len(client.scheduler_info()["workers"])
        start = time.perf_counter()
        futures = client.map(classify_on_worker, batches(paths, args.batch_files), top_k=args.top_k,
                             pure=False)
        rows = [r for batch in client.gather(futures) for r in batch]
        return rows, workers, time.perf_counter() - start
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="a shared library from bitc compile --emit=shared")
    parser.add_argument("images", nargs="+", help="folders, image files, or @LIST files")
    parser.add_argument("-o", "--output", default="-", help="CSV file (default: stdout)")
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--batch-files", type=int, default=16, help="images per task")
    parser.add_argument("--workers", type=int, default=2,
                        help="LocalCluster worker processes (0: no Dask, this process)")
    parser.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://host:8786")
    parser.add_argument("--model-threads", type=int, default=1, help="bitc threads per worker")
    args = parser.parse_args(argv)
    if args.top_k < 1 or args.batch_files < 1 or args.workers < 0:
        parser.error("--top-k and --batch-files must be positive, --workers not negative")
    paths = image_paths(args.images)
    if not paths:
        parser.error("no image files in %s" % " ".join(args.images))
    rows, workers, seconds = run(args, paths)
    header = ["path"] + [f % (i + 1) for i in range(args.top_k) for f in ("label_%d", "score_%d")] + ["error"]
    out = sys.stdout if args.output == "-" else open(args.output, "w", newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    if out is not sys.stdout:
        out.close()
    failed = sum(1 for r in rows if r[-1])
    print("dask-classify: %d images (%d failed) in %.2f s, %.1f images/s, %s" % (
        len(rows), failed, seconds, len(rows) / seconds if seconds > 0 else 0.0,
        "%d Dask workers" % workers if workers else "one process, no Dask"), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
