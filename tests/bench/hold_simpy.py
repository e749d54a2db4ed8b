#!/usr/bin/env python3
"""tests/bench/hold_simpy.py - the hold model of bench_queue.c in SimPy 3, for comparison.

N events pending; each firing schedules one new event at now + a uniform increment in [0, 2 mean),
so the queue stays at N. Each event is a bare Timeout whose callback schedules the next one: the
cheapest way to run an event in SimPy (no process generator), so the comparison flatters SimPy.

usage: hold_simpy.py N EVENTS
Prints "hold N=<n> dist=uniform events=<e> seconds=<s> events_per_s=<r>" like bench_queue.
"""
import random
import sys
import time

import simpy

MEAN = 1000000.0  # 1 ms in ns, as in bench_queue.c


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    events = int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
    env = simpy.Environment()
    rng = random.Random(42)
    span = 2 * MEAN

    def hold(_event):
        env.timeout(rng.random() * span).callbacks.append(hold)

    for _ in range(n):
        env.timeout(rng.random() * span).callbacks.append(hold)
    step = env.step
    for _ in range(min(n, 100000)):  # warm-up, untimed
        step()
    t0 = time.perf_counter()
    for _ in range(events):
        step()
    dt = time.perf_counter() - t0
    print("hold N=%d dist=uniform events=%d seconds=%.3f events_per_s=%.0f"
          % (n, events, dt, events / dt))


if __name__ == "__main__":
    main()
