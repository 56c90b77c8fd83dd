#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A known Python call chain for gilprof's Python frames: main -> worker -> hot_loop.

Usage: python3 pyframes.py [THREADS] [COUNT]

First runs a child python (this script with "child") that does the same with threads
named "child-worker-N" and exits; then THREADS threads named "pyworker-N" and the main thread
each call worker(COUNT), contending for the GIL. Prints one JSON line (flushed) once the child
has exited: the source lines of the chain, taken from the code itself with inspect, and the
child's pid and exit status.
"""
import inspect
import json
import subprocess
import sys
import threading


def hot_loop(n):
    while n > 0:
        n -= 1


def worker(n):
    hot_loop(n)


def line_of(func, statement):
    """The line of func's source that is statement."""
    lines, first = inspect.getsourcelines(func)
    for i, line in enumerate(lines):
        if line.strip() == statement:
            return first + i
    raise LookupError(statement)


def main():
    nthreads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
    is_child = len(sys.argv) > 3 and sys.argv[3] == "child"
    if not is_child:
        child = subprocess.Popen([sys.executable, __file__, str(nthreads), str(count),
                                  "child"])
        lines, first = inspect.getsourcelines(hot_loop)
        print(json.dumps({
            "file": __file__.rsplit("/", 1)[-1],
            "hot_loop": list(range(first + 1, first + len(lines))),
            "worker": line_of(worker, "hot_loop(n)"),
            "main": line_of(main, "worker(count)"),
            "child_pid": child.pid,
            "child_exit": child.wait(),
        }), flush=True)
    prefix = "child-worker" if is_child else "pyworker"
    threads = [threading.Thread(target=worker, args=(count,), name=f"{prefix}-{i}")
               for i in range(nthreads)]
    for t in threads:
        t.start()
    worker(count)
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
