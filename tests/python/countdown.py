#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""CPU-bound countdown split over threads, to make CPython's GIL contended.

Usage: python3 countdown.py [THREADS] [COUNT] [processes]

Each of THREADS threads (with "processes": processes, each with its own GIL) counts down
COUNT // THREADS. "ready" is printed (and flushed) once every
thread has started, so that a test can look at the process while the GIL is contended; the
elapsed wall time follows at the end.
"""
import multiprocessing
import sys
import threading
import time


def countdown(n, started):
    started.release()
    while n > 0:
        n -= 1


def main():
    nthreads = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 60_000_000
    procs = len(sys.argv) > 3 and sys.argv[3] == "processes"
    if nthreads < 1 or count < 0:
        sys.exit("usage: countdown.py [THREADS >= 1] [COUNT >= 0] [processes]")
    if procs:
        ctx = multiprocessing.get_context("fork")
        started = ctx.Semaphore(0)
        threads = [ctx.Process(target=countdown, args=(count // nthreads, started),
                               name=f"countdown-{i}") for i in range(nthreads)]
    else:
        started = threading.Semaphore(0)
        threads = [threading.Thread(target=countdown, args=(count // nthreads, started),
                                    name=f"countdown-{i}") for i in range(nthreads)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for _ in threads:
        started.acquire()
    print("ready", flush=True)
    for t in threads:
        t.join()
    what = "processes" if procs else "threads"
    print(f"{nthreads} {what} counted down {count} in {time.monotonic() - t0:.3f} s", flush=True)


if __name__ == "__main__":
    main()
