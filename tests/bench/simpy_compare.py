#!/usr/bin/env python3
"""tests/bench/simpy_compare.py - drsim beside its replication model in SimPy 3, on one scenario.

Runs `drsim run` on the scenario twice (once with no results database, timed; once into a temporary
database, whose recovery points give the RPO breakpoints) and tests/bench/replication_simpy.py on the
same file (timed), then prints RPO p95 and mean per VM (the worst relative difference) and for the
fleet (every VM's RPO pooled by VM-time), both computed by the same exact code, and the speed ratio.
Exits 1 when a difference exceeds the tolerance (default 2 %), 77 when SimPy is missing.

usage: simpy_compare.py [SCENARIO] [--drsim PATH] [--vms N] [--duration D] [--fidelity F]
                        [--tolerance T] [--keep DIR]
  SCENARIO      default tests/bench/simpy-fleet.json (80 VMs, 3 days)
  --drsim       the drsim binary (default build/drsim under the repository)
  --vms N       keep the first N protected VMs and scale the link's bandwidth by N / all, so the
                link stays as loaded (a smaller run for tests)
  --duration D  simulate D instead (a drsim duration such as "1d")
  --fidelity F  run drsim at "extent" or "fluid" fidelity (the scenario's own by default)
  --tolerance T the largest relative difference allowed (default 0.02)
  --keep DIR    keep the derived scenario, drsim's database and the SimPy results in DIR
"""
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SKIP = 77

try:
    import simpy  # noqa: F401  (replication_simpy needs it; say so plainly when it is missing)
except ImportError:
    print("simpy_compare: SimPy 3 is not installed for %s (apt-get install python3-simpy3); skipped"
          % sys.executable, file=sys.stderr)
    sys.exit(SKIP)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)
import replication_simpy as model  # noqa: E402


def derive(path, vms, duration, fidelity, out_dir):
    """The scenario cut to its first `vms` protected VMs, another duration or fidelity, written to
    out_dir; path itself when nothing changes."""
    if vms is None and duration is None and fidelity is None:
        return path
    with open(path) as fh:
        sc = json.load(fh)
    if fidelity is not None:
        sc["fidelity"] = fidelity
    if duration is not None:
        sc["duration"] = duration
    if vms is not None:
        rec = sc["recovery"]
        keep = [p["vm"] for p in rec["protect"]][:vms]
        total = len(rec["protect"])
        sc["vms"] = [v for v in sc["vms"] if v["name"] in keep]
        rec["protect"] = [p for p in rec["protect"] if p["vm"] in keep]
        for ln in sc["links"]:
            bps = model.rate_Bps(ln["bandwidth"], "links[].bandwidth") * 8 * len(keep) / total
            ln["bandwidth"] = "%dbps" % round(bps)
        sc["name"] = "%s-%dvms" % (sc.get("name", "scenario"), len(keep))
    sc["expect"] = []  # expectations may name VMs that are gone; the comparison needs none
    out = os.path.join(out_dir, "scenario.json")
    with open(out, "w") as fh:
        json.dump(sc, fh, indent=1)
    return out


def timed(cmd):
    """Runs cmd; returns (wall seconds, CPU seconds of the child, completed process)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, p


def unpack_pairs(blob, count, b_from_a):
    """Decodes a packed blob of the results database (README, "Results database"): a format byte
    (1), then a zlib stream of 2 x count zigzag varints. Returns [(b, a)]: for rpo_history (at_ns,
    captured_ns), for series_chunks (value, t_ns)."""
    if blob[0] != 1:
        raise ValueError("unknown packed format %d" % blob[0])
    raw = zlib.decompress(blob[1:])
    vals, v, shift = [], 0, 0
    for c in raw:
        v |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            vals.append((v >> 1) ^ -(v & 1))
            v, shift = 0, 0
    out, a, da, b = [], 0, 0, 0
    for k in range(count):
        da += vals[2 * k]
        a += da
        b += vals[2 * k + 1]
        out.append((b + a if b_from_a else b, a))
    return out


def drsim_points(db_path):
    """Per VM, the RPO breakpoints (applied_ns, captured_ns) of the run, from its packed RPO history;
    and drsim's own rpo.p95 / rpo.mean to check that the breakpoints were read right."""
    db = sqlite3.connect(db_path)
    run = db.execute("SELECT max(id) FROM runs").fetchone()[0]
    points = {}
    for vm, count, blob in db.execute(
            "SELECT v.name, h.count, h.points FROM rpo_history h JOIN vms v ON v.run = h.run AND "
            "v.idx = h.vm WHERE h.run = ? ORDER BY h.vm, h.seq", (run,)):
        for at, captured in unpack_pairs(blob, count, True):
            if captured >= 0:
                points.setdefault(vm, []).append((at, captured))
    own = {}
    for vm, name, value in db.execute(
            "SELECT subject, name, value FROM metrics WHERE run = ? AND scope = 'vm' AND name IN "
            "('rpo.p95', 'rpo.mean')", (run,)):
        own.setdefault(vm, {})[name[4:]] = value / model.NS
    end_ns = db.execute("SELECT duration_ns FROM runs WHERE id = ?", (run,)).fetchone()[0]
    db.close()
    return points, own, end_ns


def rel(a, b):
    return (b - a) / a if a else (0.0 if b == a else float("inf"))


def main(argv):
    args = argv[1:]
    opts = {"--drsim": os.path.join(ROOT, "build", "drsim"), "--vms": None, "--duration": None,
            "--fidelity": None, "--tolerance": "0.02", "--keep": None}
    scenario = os.path.join(HERE, "simpy-fleet.json")
    while args:
        a = args.pop(0)
        if a in opts and args:
            opts[a] = args.pop(0)
        elif not a.startswith("-"):
            scenario = a
        else:
            print(__doc__.split("\n\n")[2], file=sys.stderr)
            return 2
    tol = float(opts["--tolerance"])
    drsim = opts["--drsim"]
    if not os.access(drsim, os.X_OK):
        print("simpy_compare: %s is not built" % drsim, file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="simpy_compare.") as tmp:
        work = opts["--keep"] or tmp
        os.makedirs(work, exist_ok=True)
        sc = derive(scenario, int(opts["--vms"]) if opts["--vms"] else None, opts["--duration"],
                    opts["--fidelity"], work)

        # drsim, timed without a database (the SimPy model writes none either).
        d_wall, d_cpu, p = timed([drsim, "run", sc, "--db", "-", "--quiet"])
        if p.returncode not in (0, 1):
            print("simpy_compare: drsim run failed (%d):\n%s" % (p.returncode, p.stderr),
                  file=sys.stderr)
            return 2
        db_path = os.path.join(work, "drsim.db")
        if os.path.exists(db_path):
            os.remove(db_path)
        p = subprocess.run([drsim, "run", sc, "--db", db_path, "--quiet"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode not in (0, 1):
            print("simpy_compare: drsim run failed (%d):\n%s" % (p.returncode, p.stderr),
                  file=sys.stderr)
            return 2
        d_points, d_own, end_ns = drsim_points(db_path)

        # The SimPy model, timed from its own process start.
        s_json = os.path.join(work, "simpy.json")
        s_wall, s_cpu, p = timed([sys.executable, os.path.join(HERE, "replication_simpy.py"), sc,
                                  "--json", s_json])
        if p.returncode != 0:
            print("simpy_compare: the SimPy model failed (%d):\n%s" % (p.returncode, p.stderr),
                  file=sys.stderr)
            return 2
        with open(s_json) as fh:
            s = json.load(fh)

    # The breakpoints read from the database must give drsim's own figures, or the comparison
    # would compare something else.
    d_vms = {vm: model.rpo_stats(model.rpo_pieces(pts, end_ns)) for vm, pts in d_points.items()}
    for vm, own in d_own.items():
        for k in ("p95", "mean"):
            if abs(rel(own[k], d_vms[vm][k])) > 1e-6:
                print("simpy_compare: %s rpo.%s from the recovery points is %.6f s, drsim says "
                      "%.6f s" % (vm, k, d_vms[vm][k], own[k]), file=sys.stderr)
                return 2
    d_fleet = model.fleet_stats(d_points, end_ns)
    s_vms = {vm: st for vm, st in s["vms"].items() if st}
    if set(d_vms) != set(s_vms) or not d_vms:
        print("simpy_compare: the tools replicated different VMs (drsim %d, SimPy %d)"
              % (len(d_vms), len(s_vms)), file=sys.stderr)
        return 2

    print("scenario %s: %d VMs, %.1f days" % (os.path.basename(scenario), len(d_vms),
                                              end_ns / model.DAY_NS))
    print("%-34s %12s %12s %9s" % ("RPO", "drsim", "SimPy", "diff"))
    failed = False
    rows = []
    for k in ("p95", "mean"):
        worst = max(d_vms, key=lambda vm: abs(rel(d_vms[vm][k], s_vms[vm][k])))
        rows.append(("worst VM %s (%s)" % (k, worst), d_vms[worst][k], s_vms[worst][k]))
    for k in ("p50", "p95", "mean", "max"):
        rows.append(("fleet %s" % k, d_fleet[k], s["fleet"][k]))
    for name, a, b in rows:
        r = rel(a, b)
        checked = "max" not in name and "p50" not in name
        bad = checked and abs(r) > tol
        failed = failed or bad
        print("%-34s %11.2fs %11.2fs %+8.3f%%%s" % (name, a, b, 100 * r,
                                                   "  > %.1f %%" % (100 * tol) if bad else ""))
    print("%-34s %11.2fs %11.2fs %8.1fx" % ("wall time", d_wall, s_wall, s_wall / d_wall))
    print("%-34s %11.2fs %11.2fs %8.1fx" % ("CPU time", d_cpu, s_cpu,
                                             s_cpu / d_cpu if d_cpu > 0 else float("inf")))
    print("SimPy: %.2f s simulating, %.2f s loading and calibrating compression"
          % (s["seconds"]["simulate"], s["seconds"]["load_and_calibrate"]))
    if failed:
        print("simpy_compare: RPO differs by more than %.1f %%" % (100 * tol), file=sys.stderr)
        return 1
    print("RPO p95 and mean agree within %.1f %% per VM and for the fleet" % (100 * tol))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
