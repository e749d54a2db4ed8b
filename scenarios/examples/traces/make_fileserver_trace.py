#!/usr/bin/env python3
"""scenarios/examples/traces/make_fileserver_trace.py — writes fileserver-1h.csv, the block trace
that capacity-plan-trace.json replays.

One hour of a file server's data disk in the SNIA MSR Cambridge layout
(Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime; timestamps in 100 ns ticks): a quiet
background of small writes and reads, and a ten-minute copy job from minute 30 that writes large
sequential blocks. A fixed seed and integer arithmetic make the file identical on every run, so the
committed copy can be regenerated and compared:

    python3 make_fileserver_trace.py > fileserver-1h.csv
"""
import random
import sys

TICKS_PER_S = 10_000_000
START = 128166372000000000  # 2007-02-22 00:00 UTC as a Windows filetime, like the MSR traces
HOUR_S = 3600
GiB = 1 << 30


def records(rng):
    # background: about one record a second, two writes for each read, 4 KiB to 64 KiB, spread
    # over the first 40 GiB of the disk
    t = 0
    while t < HOUR_S * TICKS_PER_S:
        t += rng.randint(2, 18) * TICKS_PER_S // 10
        kind = "Read" if rng.random() < 1 / 3 else "Write"
        size = 4096 * rng.choice([1, 2, 4, 8, 16])
        offset = rng.randrange(0, 40 * GiB // 4096) * 4096
        yield t, kind, offset, size
    # copy job: minute 30 to 40, a 1 MiB sequential write every 0.25 s (4 MiB/s) into a 2.4 GiB
    # region
    t = 30 * 60 * TICKS_PER_S
    offset = 50 * GiB
    while t < 40 * 60 * TICKS_PER_S:
        yield t, "Write", offset, 1 << 20
        offset += 1 << 20
        t += TICKS_PER_S // 4


def main():
    rng = random.Random(20070222)
    rows = sorted(records(rng), key=lambda r: r[0])
    out = sys.stdout
    for t, kind, offset, size in rows:
        response = rng.randint(200, 9000)
        out.write(f"{START + t},fs1,1,{kind},{offset},{size},{response}\n")


if __name__ == "__main__":
    main()
