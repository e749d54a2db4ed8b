#!/usr/bin/env python3
"""tests/bench/replication_simpy.py - drsim's replication model written again in SimPy 3.

Reads a drsim scenario (the subset below), simulates delta replication over the shared link and
prints each VM's RPO statistics and the fleet's, computed exactly from the RPO breakpoints as drsim
does. tests/bench/simpy_compare.py runs it beside drsim on the same file.

What it models, after drsim's engine/ and model/ code:
  - protection at each `protect` time: initial replication over the network (now, or at a time of
    day) sends every disk's used bytes, compressed, as one transfer; writes made meanwhile are the
    first delta, sent as soon as the base copy has arrived;
  - then every copy interval (5 minutes on 2012 hosts) the VM's log (all its disks) is closed and sent
    as one transfer; at most one payload per VM is in motion: a cycle due while one is still being sent
    or applied is missed, and the grown log goes out as soon as the payload in motion is applied;
  - the payload is applied at the replica at the target storage's write rate; its capture time then
    becomes the newest applied point, and RPO(t) = t - that capture time;
  - workloads steady, diurnal and bursts write floor(integral of the rate / write size) whole writes
    (deterministic, as in drsim); poisson draws the number of writes per batch (its own generator,
    so the draws differ from drsim's); log-based change tracking sends every logged byte;
  - compression: wire bytes = ceil(raw / ratio) per disk, the ratio learnt as drsim learns it (zlib
    level 1 on the same generated 1 MiB sample per compressibility, interpolated on a 1/100 grid);
  - the link: each transfer waits one latency, then shares the bandwidth max-min fairly with the other
    transfers (every flow capped by the link's replication_cap and the Mathis TCP rate), completions
    rounded up to the nanosecond; rates are recomputed whenever a flow starts or ends.

Left out (refused with exit 2 when a scenario needs them): timeline actions and faults, trace
workloads, coalesced change tracking, offline initial replication. Not modelled because they do not
change RPO in a healthy run: hourly and app-consistent points, replica storage accounting, health,
resynchronization, jobs, failover.

usage: replication_simpy.py SCENARIO.json [--seed N] [--json FILE]
"""
import json
import math
import random
import re
import sys
import time
import zlib
from fractions import Fraction

import simpy

NS = 1_000_000_000
DAY_NS = 86400 * NS
INF = float("inf")
MSS_BYTES = 1460  # model/link.h: MODEL_LINK_MSS_BYTES


class InputError(Exception):
    """A scenario this model cannot run; the message names the JSON path."""


# ---- units (sim/scenario/units.c) ------------------------------------------------------------------------

_DUR_UNITS = [("d", DAY_NS), ("h", 3600 * NS), ("m", 60 * NS), ("s", NS), ("ms", 10**6),
              ("us", 10**3), ("ns", 1)]
_SIZE_UNITS = {"B": 1, "kB": 10**3, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
               "PB": 10**15, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40, "PiB": 2**50}
_BIT_RATES = {"bps": 1, "kbps": 10**3, "Kbps": 10**3, "Mbps": 10**6, "Gbps": 10**9,
              "Tbps": 10**12}
_NUM = re.compile(r"(\d+)(?:\.(\d+))?")


def duration_ns(v, path):
    if v == 0 or v == "0":
        return 0
    if not isinstance(v, str):
        raise InputError("%s: expected a duration such as \"5m\"" % path)
    total, pos, last = Fraction(0), 0, -1
    while pos < len(v):
        m = re.match(r"(\d+(?:\.\d+)?)(ms|us|ns|d|h|m|s)", v[pos:])
        if not m:
            raise InputError("%s: expected a duration such as \"5m\", got \"%s\"" % (path, v))
        rank = [u for u, _ in _DUR_UNITS].index(m.group(2))
        if rank <= last:
            raise InputError("%s: units out of order in \"%s\"" % (path, v))
        last = rank
        total += Fraction(m.group(1)) * dict(_DUR_UNITS)[m.group(2)]
        pos += m.end()
    if total.denominator != 1:
        raise InputError("%s: \"%s\" is not a whole number of nanoseconds" % (path, v))
    return int(total)


def size_bytes(v, path):
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([A-Za-z]*)", v) if isinstance(v, str) else None
    if not m or (m.group(2) and m.group(2) not in _SIZE_UNITS):
        raise InputError("%s: expected a size such as \"100GiB\", got %r" % (path, v))
    b = Fraction(m.group(1)) * _SIZE_UNITS.get(m.group(2), 1)
    if b.denominator != 1:
        raise InputError("%s: \"%s\" is not a whole number of bytes" % (path, v))
    return int(b)


def rate_Bps(v, path):
    """As units_parse_rate: the decimal as a double, times the unit (bits / 8)."""
    if v == "0":
        return 0.0
    m = _NUM.match(v) if isinstance(v, str) else None
    if not m:
        raise InputError("%s: expected a rate such as \"100Mbps\", got %r" % (path, v))
    num = float(int(m.group(1)))
    if m.group(2):
        num += float(int(m.group(2))) / float(10 ** len(m.group(2)))
    unit = v[m.end():]
    if unit in _BIT_RATES:
        return num * float(_BIT_RATES[unit]) / 8.0
    if unit.endswith("/s") and unit[:-2] in _SIZE_UNITS:
        return num * float(_SIZE_UNITS[unit[:-2]])
    raise InputError("%s: unknown rate unit in \"%s\"" % (path, v))


# ---- compression (engine/compression.c) ---------------------------------------------------------

_RECORD = b"2014-06-03 12:00:00 INFO order=000000 status=SHIPPED qty=1 "
_M64 = (1 << 64) - 1
_ratio_grid = {}


def _llround(x):
    f = math.floor(x)
    return int(f) + (1 if x - f >= 0.5 else 0)


def _sample(n, compressibility):
    """The engine's calibration sample: per 4 KiB block, a share of record text, the rest from
    splitmix64."""
    s = (0x64727369 ^ _llround(compressibility * 1e6)) & _M64
    rep = _llround(compressibility * 4096)
    rl = len(_RECORD)
    # The record part of a block depends only on the block counter modulo 10.
    heads = []
    for c in range(10):
        h = bytearray(min(rep, 4096))
        for i in range(len(h)):
            k = i % rl
            h[i] = (ord("0") + (c + i // rl) % 10) if 26 <= k < 32 else _RECORD[k]
        heads.append(bytes(h))
    out = bytearray()
    pos, counter = 0, 0
    while pos < n:
        blk = min(n - pos, 4096)
        r = min(rep, blk)
        out += heads[counter % 10][:r]
        counter += 1
        words = []
        for _ in range(r, blk, 8):
            s = (s + 0x9E3779B97F4A7C15) & _M64
            z = s
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
            words.append((z ^ (z >> 31)).to_bytes(8, "little"))
        out += b"".join(words)[: blk - r]
        pos += blk
    return bytes(out)


def _grid_ratio(i):
    if i not in _ratio_grid:
        data = _sample(1 << 20, i / 100)
        _ratio_grid[i] = max(1.0, len(data) / len(zlib.compress(data, 1)))
    return _ratio_grid[i]


def compression_ratio(c):
    c = min(max(c, 0.0), 1.0) if c > 0.0 else 0.0
    x = c * 100
    lo = math.floor(x)
    if lo >= 100:
        return _grid_ratio(100)
    f = x - lo
    r = _grid_ratio(lo)
    if f > 1e-9:
        r += f * (_grid_ratio(lo + 1) - r)
    return r


# ---- workloads (model/workload.c) ---------------------------------------------------------------

class Workload:
    def __init__(self, w, path):
        self.kind = w.get("kind")
        if self.kind not in ("steady", "poisson", "diurnal", "bursts"):
            raise InputError("%s.kind: \"%s\" workloads are not in this model" % (path, self.kind))
        self.write_size = size_bytes(w.get("write_size", "64KiB"), path + ".write_size")
        self.compressibility = float(w.get("compressibility", 0.5))
        self.period, self.win_start, self.win_len = DAY_NS, 0, 0
        if self.kind in ("steady", "poisson"):
            self.low = self.high = rate_Bps(w["write_rate"], path + ".write_rate")
        elif self.kind == "diurnal":
            self.low = rate_Bps(w["base_rate"], path + ".base_rate")
            self.high = rate_Bps(w["peak_rate"], path + ".peak_rate")
            a = duration_ns(w["peak_start"], path + ".peak_start")
            b = duration_ns(w["peak_end"], path + ".peak_end")
            self.win_start = a % DAY_NS
            self.win_len = (b - a) % DAY_NS
        else:
            self.low = rate_Bps(w["write_rate"], path + ".write_rate")
            self.high = self.low + rate_Bps(w["burst_rate"], path + ".burst_rate")
            self.period = duration_ns(w["burst_every"], path + ".burst_every")
            self.win_len = min(duration_ns(w["burst_length"], path + ".burst_length"),
                               self.period)

    def _high_ns(self, t):
        if self.win_len <= 0:
            return 0
        q, r = divmod(t, self.period)
        a, end = self.win_start, self.win_start + self.win_len
        inside = 0
        hi1 = min(end, self.period)
        if r > a:
            inside += min(r, hi1) - a
        if end > self.period:
            inside += min(r, end - self.period)
        return q * self.win_len + inside

    def _writes_by(self, t):
        if t <= 0:
            return 0
        b = (self.low * float(t) + (self.high - self.low) * float(self._high_ns(t))) / 1e9
        return math.floor(b / float(self.write_size))

    def bytes_between(self, t0, t1, rng):
        """Bytes written in [t0, t1): whole writes, as drsim generates them."""
        if t1 <= t0:
            return 0
        if self.kind == "poisson":
            mean = self.low * float(t1 - t0) / 1e9 / float(self.write_size)
            return poisson(rng, mean) * self.write_size
        return (self._writes_by(t1) - self._writes_by(t0)) * self.write_size


def poisson(rng, mu):
    """A Poisson draw: multiplication for small means, PTRS (Hormann 1993) for large ones."""
    if mu <= 0:
        return 0
    if mu < 10:
        limit, k, p = math.exp(-mu), 0, rng.random()
        while p > limit:
            k += 1
            p *= rng.random()
        return k
    smu = math.sqrt(mu)
    b = 0.931 + 2.53 * smu
    a = -0.059 + 0.02483 * b
    inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2)
    lmu = math.log(mu)
    while True:
        u = rng.random() - 0.5
        v = rng.random()
        us = 0.5 - abs(u)
        k = math.floor((2 * a / us + b) * u + mu + 0.43)
        if us >= 0.07 and v <= vr:
            return k
        if k < 0 or (us < 0.013 and v > us):
            continue
        if (math.log(v) + math.log(inv_alpha) - math.log(a / (us * us) + b)
                <= -mu + k * lmu - math.lgamma(k + 1)):
            return k


# ---- the link (model/link.c) --------------------------------------------------------------------

class Flow:
    __slots__ = ("size", "remaining", "noise", "rate", "done_ns", "wait_until", "seq", "event")


def _finish_ns(now, remaining, noise, rate):
    """model/link.c link_finish_ns: the completion instant rounded up, float noise shaved off."""
    if remaining <= 0.0:
        return now + 1
    d = remaining / rate * 1e9
    noise_ns = noise / rate * 1e9
    d -= d * 4e-15 + min(noise_ns, 1e-4)
    c = math.ceil(d)
    return now + max(c, 1)


class Link:
    """One WAN link: flows wait one latency, then share the bandwidth max-min fairly. Every flow has
    the same cap here (replication_cap and the Mathis rate), so the fair share is min(cap, B / n).
    One SimPy timeout is pending at a time, at the next latency expiry or completion; a newer one
    makes the older stale (SimPy timeouts cannot be cancelled)."""

    def __init__(self, env, bandwidth_Bps, latency_ns, loss, rep_cap_Bps):
        self.env = env
        self.bw = bandwidth_Bps
        self.latency = latency_ns
        cap = rep_cap_Bps if rep_cap_Bps > 0 else INF
        if loss > 0 and latency_ns > 0:
            rtt = 2.0 * latency_ns / 1e9
            cap = min(cap, 1.22 * MSS_BYTES / (rtt * math.sqrt(loss)))
        self.cap = cap
        self.now = 0
        self.next_ns = INF
        self.moving, self.waiting, self.finished = [], [], []
        self.seq = 0
        self.wake_ns, self.wake_gen = None, 0

    def transfer(self, nbytes):
        """Starts a transfer of nbytes now; returns the event that succeeds when it has arrived."""
        now = self.env.now
        self._advance(now)
        f = Flow()
        f.size = nbytes
        f.remaining = float(nbytes)
        f.noise = nbytes * 2e-15
        f.rate, f.done_ns = 0.0, INF
        f.wait_until = now + self.latency
        f.seq = self.seq
        self.seq += 1
        f.event = self.env.event()
        self.waiting.append(f)
        self.next_ns = min(self.next_ns, f.wait_until)
        self._advance(now)
        self._resched()
        return f.event

    def _recompute(self, credit_s):
        n = len(self.moving)
        level = self.bw / n if n and self.bw > 0 else 0.0
        r = min(level, self.cap)
        nxt = INF
        now = self.now
        for f in self.moving:
            if r != f.rate or f.done_ns == INF:
                if credit_s > 0.0 and 0.0 < f.rate < r:
                    f.remaining -= (r - f.rate) * credit_s
                f.rate = r
                f.done_ns = _finish_ns(now, f.remaining, f.noise, r) if r > 0 else INF
            if f.done_ns < nxt:
                nxt = f.done_ns
        for f in self.waiting:
            if f.wait_until < nxt:
                nxt = f.wait_until
        self.next_ns = nxt

    def _move(self, t):
        dt = t - self.now
        if dt:
            for f in self.moving:
                f.remaining -= f.rate * dt / 1e9
            self.now = t

    def _step(self, t):
        self._move(t)
        still = []
        for f in self.waiting:
            if f.wait_until <= t:
                f.rate, f.done_ns = 0.0, INF
                self.moving.append(f)
            else:
                still.append(f)
        self.waiting = still
        over, freed, keep, done = 0.0, 0.0, [], []
        for f in self.moving:
            if f.done_ns <= t or f.remaining <= 0.0:
                if f.remaining < 0.0 and f.rate > 0.0:
                    over -= f.remaining
                    freed += f.rate
                done.append(f)
            else:
                keep.append(f)
        if done:
            self.moving = keep
            done.sort(key=lambda x: x.seq)  # ties between completions go in start order
            self.finished.extend(done)
        credit = over / freed if freed > 0.0 else 0.0
        self._recompute(min(credit, 1e-9))

    def _advance(self, t):
        while self.next_ns <= t:
            self._step(self.next_ns)
        self._move(t)

    def _resched(self):
        at = self.env.now if self.finished else self.next_ns
        if at == INF or at == self.wake_ns:
            return
        self.wake_gen += 1
        self.wake_ns = at
        gen = self.wake_gen
        self.env.timeout(at - self.env.now).callbacks.append(lambda _e: self._wake(gen))

    def _wake(self, gen):
        if gen != self.wake_gen:
            return  # superseded by a newer wake-up
        self.wake_ns = None
        self._advance(self.env.now)
        done, self.finished = self.finished, []
        for f in done:
            f.event.succeed()
        self._resched()


# ---- the scenario and the engine (engine/replication.c, engine/initial_replication.c) -----------

class Vm:
    def __init__(self):
        self.name = ""
        self.disks = []  # (workload or None, used bytes, target write rate B/s)
        self.protect_at = None
        self.interval = 0
        self.compress = False
        self.ir_at_tod = None
        self.points = []  # (applied_ns, captured_ns)
        self.cycles = self.missed = 0


def _find(items, key, value):
    for i, x in enumerate(items):
        if x.get(key) == value:
            return i, x
    return -1, None


def load(path, seed_override=None):
    with open(path) as fh:
        sc = json.load(fh)
    for key in ("timeline",):
        if sc.get(key):
            raise InputError("%s[0]: timeline actions are not in this model" % key)
    duration = duration_ns(sc["duration"], "duration")
    seed = seed_override if seed_override is not None else sc.get("seed", 1)
    sites = sc["sites"]
    hosts = {}
    for si, s in enumerate(sites):
        for h in s.get("hosts", []):
            hosts[h["name"]] = (si, h)
    links = sc.get("links", [])
    if len(links) != 1:
        raise InputError("links: this model has exactly one link")
    ln = links[0]
    link = (rate_Bps(ln["bandwidth"], "links[0].bandwidth"),
            duration_ns(ln.get("latency", "0"), "links[0].latency"), float(ln.get("loss", 0)),
            rate_Bps(ln.get("replication_cap", "0"), "links[0].replication_cap"))
    wls = {w["name"]: Workload(w, "workloads[%d]" % i)
           for i, w in enumerate(sc.get("workloads", []))}
    rec = sc.get("recovery", {})
    protect, order = {}, {}
    for i, p in enumerate(rec.get("protect", [])):
        protect.setdefault(p["vm"], duration_ns(p.get("at", "0"), "recovery.protect[%d].at" % i))
        order.setdefault(p["vm"], i)
    vms = []
    for vi, v in enumerate(sc.get("vms", [])):
        if v["name"] not in protect:
            continue
        m = Vm()
        m.name = v["name"]
        m.protect_at = protect[v["name"]]
        si, host = hosts[v["host"]]
        # The cloud pair of the VM's cloud in force at protection (the latest one configured).
        pair, pair_at = None, -1
        for pi, cp in enumerate(rec.get("cloud_pairs", [])):
            at = duration_ns(cp.get("at", "0"), "recovery.cloud_pairs[%d].at" % pi)
            if cp["primary"] == host.get("cloud") and pair_at <= at <= m.protect_at:
                pair, pair_at, pair_path = cp, at, "recovery.cloud_pairs[%d]" % pi
        if pair is None:
            raise InputError("vms[%d]: its cloud is not paired before protection" % vi)
        st = pair.get("settings", {})
        if st.get("change_tracking", "log") != "log":
            raise InputError("%s.settings.change_tracking: only \"log\" is in this model"
                             % pair_path)
        ir = st.get("initial_replication", {})
        if ir.get("method", "network") != "network":
            raise InputError("%s.settings.initial_replication.method: only \"network\" is in "
                             "this model" % pair_path)
        if ir.get("start", "now") == "at":
            m.ir_at_tod = duration_ns(ir["time"], pair_path + ".settings.initial_replication.time")
        m.interval = duration_ns(st.get("copy_frequency", "5m"), pair_path + ".settings.copy_frequency")
        if host.get("os", "2012R2") == "2012":
            m.interval = 300 * NS
        m.compress = bool(st.get("compression", False))
        # Replica placement: the first host of the target cloud; a disk's replica goes to the
        # classification its own is mapped to, else to that host's default storage.
        tsite = next(s for s in sites if pair["target"] in s.get("clouds", []))
        thost = next(h for h in tsite.get("hosts", []) if h.get("cloud") == pair["target"])
        for di, d in enumerate(v["disks"]):
            dpath = "vms[%d].disks[%d]" % (vi, di)
            src_class = d.get("storage", host.get("storage"))
            tgt_class = thost.get("storage")
            for mp in rec.get("storage_mappings", []):
                if mp["source"] == src_class and _find(tsite.get("storage", []), "classification",
                                                       mp["target"])[1]:
                    tgt_class = mp["target"]
            _, tst = _find(tsite.get("storage", []), "classification", tgt_class)
            if tst is None and tsite.get("storage"):
                tst = tsite["storage"][0]
            wr = rate_Bps(tst.get("write_rate", "0"), dpath) if tst else 0.0
            wl = wls[d["workload"]] if d.get("workload") else None
            used = size_bytes(d.get("used", d["size"]), dpath + ".used")
            m.disks.append((wl, used, wr, random.Random("%d/vm/%s/disk/%s"
                                                        % (seed, v["name"], d["name"]))))
        vms.append(m)
    # Protections at one instant start in the order they are listed, as drsim runs them; that
    # order numbers the transfers, which breaks ties between completions at one nanosecond.
    vms.sort(key=lambda m: (m.protect_at, order[m.name]))
    return duration, link, vms


def wire_bytes(vm, raw, compressibility):
    if not vm.compress or raw == 0:
        return raw
    return math.ceil(raw / compression_ratio(compressibility))


def write_ns(nbytes, rate):
    if nbytes == 0 or not rate > 0 or math.isinf(rate):
        return 0
    return math.ceil(nbytes / rate * 1e9)


def vm_process(env, link, vm):
    if vm.protect_at > env.now:
        yield env.timeout(vm.protect_at - env.now)
    if vm.ir_at_tod is not None:  # scheduled: the next moment with that time of day
        now = env.now
        at = now - now % DAY_NS + vm.ir_at_tod % DAY_NS
        if at < now:
            at += DAY_NS
        yield env.timeout(at - now)
    # Initial replication: the used bytes, compressed (an idle disk counts as compressibility 0.5).
    ir_wire = sum(wire_bytes(vm, used, wl.compressibility if wl else 0.5)
                  for wl, used, _, _ in vm.disks)
    logged_from = env.now  # the base copy is the disk as it stands now; later writes are logged
    yield link.transfer(ir_wire)
    next_tick = env.now + vm.interval
    while True:
        # Close the log: every disk's writes since the last one, compressed per disk.
        captured = env.now
        wire, apply_ns = 0, 0
        for wl, _, wr, rng in vm.disks:
            raw = wl.bytes_between(logged_from, captured, rng) if wl else 0
            wire += wire_bytes(vm, raw, wl.compressibility if wl else 0.5)
            apply_ns += write_ns(raw, wr)
        logged_from = captured
        yield link.transfer(wire)
        if apply_ns:
            yield env.timeout(apply_ns)
        vm.points.append((env.now, captured))
        vm.cycles += 1
        if next_tick <= env.now:  # cycles came due while this one was in motion: missed
            while next_tick <= env.now:
                next_tick += vm.interval
                vm.missed += 1
            continue  # the grown log goes out at once
        yield env.timeout(next_tick - env.now)
        next_tick += vm.interval


# ---- RPO statistics (reports/metrics.c) ---------------------------------------------------------

def rpo_pieces(points, end_ns, from_ns=0):
    """Linear pieces of RPO(t) in [from, end]: (value at the start, length), both in ns. points are
    (applied_ns, captured_ns) in time order."""
    out = []
    n = len(points)
    for i, (at, cap) in enumerate(points):
        if i + 1 < n and points[i + 1][0] == at:
            continue  # two points applied at one instant: the later one counts
        start = max(at, from_ns)
        stop = min(points[i + 1][0] if i + 1 < n else end_ns, end_ns)
        if stop > start:
            out.append((start - cap, stop - start))
    return out


def rpo_stats(pieces):
    """Exact time-weighted statistics of a piecewise-linear RPO: each piece spends equal time at
    every value in [a, a + len]. Returns seconds: mean, p50, p95, p99, max (None when empty)."""
    if not pieces:
        return None
    total = sum(p[1] for p in pieces)
    area2 = sum((2 * a + ln) * ln for a, ln in pieces)  # twice the integral, exact
    ends = []
    for a, ln in pieces:
        ends.append((a, 1))
        ends.append((a + ln, -1))
    ends.sort()  # at one value, closing ends before opening ones, as drsim sorts them
    qs = [0.50, 0.95, 0.99]
    res, qi, below, active, prev = [], 0, 0, 0, ends[0][0]
    for x, delta in ends:
        if qi == len(qs):
            break
        if active > 0 and x > prev:
            mass = active * (x - prev)
            while qi < len(qs) and below + mass >= qs[qi] * total:
                res.append(prev + (qs[qi] * total - below) / active)
                qi += 1
            below += mass
        active += delta
        prev = x
    while len(res) < len(qs):
        res.append(ends[-1][0])
    mx = max(a + ln for a, ln in pieces)
    return {"mean": area2 / 2 / total / NS, "p50": res[0] / NS, "p95": res[1] / NS,
            "p99": res[2] / NS, "max": mx / NS, "covered_s": total / NS}


def fleet_stats(points_by_vm, end_ns):
    """The fleet: every VM's RPO pooled, weighted by VM-time."""
    pieces = []
    for pts in points_by_vm.values():
        pieces.extend(rpo_pieces(pts, end_ns))
    return rpo_stats(pieces)


def run(path, seed=None):
    t0 = time.perf_counter()
    duration, (bw, lat, loss, cap), vms = load(path, seed)
    for vm in vms:  # learn every ratio the run needs before the clock starts, as drsim does
        for wl, _, _, _ in vm.disks:
            compression_ratio(wl.compressibility if wl else 0.5)
    t1 = time.perf_counter()
    env = simpy.Environment()
    link = Link(env, bw, lat, loss, cap)
    for vm in vms:
        env.process(vm_process(env, link, vm))
    env.run(until=duration)
    t2 = time.perf_counter()
    per_vm = {vm.name: rpo_stats(rpo_pieces(vm.points, duration)) for vm in vms}
    for vm in vms:
        if per_vm[vm.name]:
            per_vm[vm.name].update(cycles=vm.cycles, missed=vm.missed)
    out = {"duration_ns": duration, "vms": per_vm,
           "fleet": fleet_stats({vm.name: vm.points for vm in vms}, duration),
           "seconds": {"load_and_calibrate": t1 - t0, "simulate": t2 - t1,
                       "statistics": time.perf_counter() - t2}}
    return out


def main(argv):
    args = argv[1:]
    seed, out_path, path = None, None, None
    while args:
        a = args.pop(0)
        if a == "--seed" and args:
            seed = int(args.pop(0))
        elif a == "--json" and args:
            out_path = args.pop(0)
        elif not a.startswith("-") and path is None:
            path = a
        else:
            print(__doc__.strip().splitlines()[-1], file=sys.stderr)
            return 2
    if path is None:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    try:
        res = run(path, seed)
    except InputError as e:
        print("replication_simpy: %s: %s" % (path, e), file=sys.stderr)
        return 2
    except (OSError, ValueError, KeyError) as e:
        print("replication_simpy: %s: %s" % (path, e), file=sys.stderr)
        return 2
    if out_path:
        with open(out_path, "w") as fh:
            json.dump(res, fh, indent=1)
    f = res["fleet"]
    print("%-18s %9s %9s %9s %9s" % ("VM", "mean", "p50", "p95", "max"))
    for name, s in res["vms"].items():
        if s:
            print("%-18s %8.1fs %8.1fs %8.1fs %8.1fs" % (name, s["mean"], s["p50"], s["p95"],
                                                         s["max"]))
    if f:
        print("%-18s %8.1fs %8.1fs %8.1fs %8.1fs" % ("fleet", f["mean"], f["p50"], f["p95"],
                                                     f["max"]))
    print("simulated in %.2f s (load and calibration %.2f s)"
          % (res["seconds"]["simulate"], res["seconds"]["load_and_calibrate"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
