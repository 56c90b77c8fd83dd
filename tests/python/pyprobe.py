#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A python for tests/symbolize/test_pyprocs.c to read from outside.

Starts two threads named probe-0 and probe-1, then prints, one fact a line, what the test must
find in its memory, and waits until its stdin closes:
  code ADDRESS QUALNAME     a code object (id() is its address)
  line OFFSET LINE          each instruction's byte offset in it and its line (-1: none)
  thread NATIVE_ID NAME     each thread's name
  end
"""
import sys
import threading


class Probe:
    def method(self, n):
        total = 0
        for i in range(n):
            if i % 3:
                total += i
        return total


def main():
    stop = threading.Event()
    threads = [threading.Thread(target=stop.wait, name=f"probe-{i}") for i in range(2)]
    for t in threads:
        t.start()
    code = Probe.method.__code__
    print(f"code {id(code)} {code.co_qualname}")
    for i, pos in enumerate(code.co_positions()):
        print(f"line {2 * i} {-1 if pos[0] is None else pos[0]}")
    for t in threads + [threading.main_thread()]:
        print(f"thread {t.native_id} {t.name}")
    print("end", flush=True)
    sys.stdin.read()
    stop.set()


if __name__ == "__main__":
    main()
