#!/usr/bin/env python3
"""How much a Python thread pool gains over one thread calling a bitc model:
ctypes releases the GIL during every C call, so T threads run T forwards at
once. Each call uses one bitc thread (set_num_threads(1)), so the gain comes
from the Python threads alone.

    PYTHONPATH=python python3 python/thread_speedup.py libmodel.so [--calls 64] [--batch 4] [--threads 2]

Prints the images/s of 1 thread and of T threads, interleaved over 3 rounds
(the median of each)."""

import argparse
import concurrent.futures
import statistics
import time

import numpy as np

import bitc


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--calls", type=int, default=64)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    model = bitc.Model(args.model)
    model.set_num_threads(1)
    pixels = np.random.default_rng(0).uniform(-1, 1, (args.batch,) + model.input_shape).astype(np.float32)
    model.forward(pixels)  # warm up
    images = args.calls * args.batch

    def sequential():
        for _ in range(args.calls):
            model.forward(pixels)

    def pooled(pool):
        list(pool.map(lambda _: model.forward(pixels), range(args.calls)))

    one, many = [], []
    with concurrent.futures.ThreadPoolExecutor(args.threads) as pool:
        pooled(pool)  # start the threads
        for _ in range(args.rounds):
            start = time.perf_counter()
            sequential()
            one.append(images / (time.perf_counter() - start))
            start = time.perf_counter()
            pooled(pool)
            many.append(images / (time.perf_counter() - start))
    a, b = statistics.median(one), statistics.median(many)
    print("1 thread: %.1f images/s; %d threads: %.1f images/s; speedup %.2fx" % (a, args.threads, b, b / a))


if __name__ == "__main__":
    main()
