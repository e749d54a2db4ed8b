#!/usr/bin/env python3
"""Writes a capacity-planning scenario of N VMs for the scale benchmark (tests/bench/scale.sh).

Two sites joined by one link; every VM has one disk driven by one of a dozen workloads that mix the
four generating kinds (steady, poisson, diurnal, bursts) and average about 0.3 MB/s per VM. Bursts and
daily peaks are staggered so that not every VM bursts at once. The copy frequency is 5 minutes and
the link carries 3 Mbit/s per VM, about twice the compressed churn, so the VMs keep up with it.

    scale_scenario.py VMS DAYS FIDELITY OUT.json [--seed N] [--sample-interval 15m]
"""
import argparse
import json

HOSTS_PER_SITE_VMS = 50  # VMs per Hyper-V host
# Every VM of a host may send at once (max_active_transfers), as before the limit existed: the
# benchmark's fingerprints stay comparable across versions. Hyper-V's default would be 6.
MAX_ACTIVE_TRANSFERS = HOSTS_PER_SITE_VMS

# name, definition; the mean rates (MB/s) are in the comments, the mix averages about 0.31 MB/s.
WORKLOADS = [
    # steady: 0.40 and 0.25
    {"name": "oltp-a", "kind": "steady", "write_rate": "400KB/s", "write_size": "64KiB",
     "hot_set": 0.05, "hot_share": 0.9, "compressibility": 0.6},
    {"name": "oltp-b", "kind": "steady", "write_rate": "250KB/s", "write_size": "16KiB",
     "hot_set": 0.1, "hot_share": 0.8, "compressibility": 0.5},
    # poisson: 0.30 and 0.35
    {"name": "events-a", "kind": "poisson", "write_rate": "300KB/s", "write_size": "8KiB",
     "hot_set": 0.2, "hot_share": 0.8, "compressibility": 0.5},
    {"name": "events-b", "kind": "poisson", "write_rate": "350KB/s", "write_size": "64KiB",
     "compressibility": 0.3},
    # diurnal: 0.1 + 0.7 x 8/24 = 0.33, 0.15 + 0.45 x 10/24 = 0.34, 0.1 + 0.6 x 8/24 = 0.30
    {"name": "office-a", "kind": "diurnal", "base_rate": "100KB/s", "peak_rate": "800KB/s",
     "peak_start": "9h", "peak_end": "17h", "write_size": "64KiB", "compressibility": 0.7},
    {"name": "office-b", "kind": "diurnal", "base_rate": "150KB/s", "peak_rate": "600KB/s",
     "peak_start": "7h", "peak_end": "17h", "write_size": "32KiB", "compressibility": 0.7},
    {"name": "backup-night", "kind": "diurnal", "base_rate": "100KB/s", "peak_rate": "700KB/s",
     "peak_start": "22h", "peak_end": "6h", "write_size": "1MiB", "compressibility": 0.3},
    # bursts: 0.15 + 3.85 x 10m/6h = 0.26, 0.2 + 2.8 x 15m/7h = 0.30, 0.2 + 5.8 x 5m/5h = 0.30
    {"name": "bursty-a", "kind": "bursts", "write_rate": "150KB/s", "burst_rate": "4MB/s",
     "burst_every": "6h", "burst_length": "10m", "write_size": "64KiB", "compressibility": 0.3},
    {"name": "bursty-b", "kind": "bursts", "write_rate": "200KB/s", "burst_rate": "3MB/s",
     "burst_every": "7h", "burst_length": "15m", "write_size": "256KiB", "compressibility": 0.5},
    {"name": "bursty-c", "kind": "bursts", "write_rate": "200KB/s", "burst_rate": "6MB/s",
     "burst_every": "5h", "burst_length": "5m", "write_size": "64KiB", "compressibility": 0.5},
]


def site(name, short, hosts):
    return {
        "name": name,
        "vmm": {"name": f"vmm-{short}",
                "nodes": [{"name": f"vmm-{short}-1", "provider_version": "3.5.741"}],
                "internet": True},
        "kerberos": False,
        "clouds": [f"gold-{short}"],
        "hosts": [{"name": f"hv-{short}-{i}", "os": "2012R2", "cloud": f"gold-{short}",
                   "storage": f"{short}-fast", "max_active_transfers": MAX_ACTIVE_TRANSFERS}
                  for i in range(hosts)],
        "networks": [{"name": f"corp-{short}", "subnets": ["10.1.0.0/16" if short == "sea"
                                                          else "10.2.0.0/16"]}],
        "storage": [{"classification": f"{short}-fast", "capacity": "10PiB",
                     "read_rate": "4GB/s", "write_rate": "4GB/s"}],
        "file_servers": [f"fs-{short}"],
    }


def scenario(vms, days, fidelity, seed, sample_interval):
    hosts = max(1, (vms + HOSTS_PER_SITE_VMS - 1) // HOSTS_PER_SITE_VMS)
    names = [f"vm-{i:05d}" for i in range(vms)]
    return {
        "drsim": 1,
        "name": f"scale-{vms}vm-{days}d-{fidelity}",
        "description": f"{vms} VMs with mixed workloads (about 0.3 MB/s each) replicating every "
                       f"5 minutes from Seattle to Dublin for {days} days.",
        "seed": seed,
        "duration": f"{days}d",
        "sample_interval": sample_interval,
        "fidelity": fidelity,
        "sites": [site("seattle", "sea", hosts), site("dublin", "dub", hosts)],
        "links": [{"name": "wan", "between": ["seattle", "dublin"],
                   "bandwidth": f"{3 * vms}Mbps", "latency": "40ms"}],
        "workloads": WORKLOADS,
        "vms": [{"name": n, "host": f"hv-sea-{i // HOSTS_PER_SITE_VMS}", "networks": ["corp-sea"],
                 "disks": [{"name": "os", "size": "100GiB", "used": "2GiB",
                            "workload": WORKLOADS[i % len(WORKLOADS)]["name"]}]}
                for i, n in enumerate(names)],
        "recovery": {
            "vault": {"name": "scale-dr", "region": "westeurope", "created": "0"},
            "registrations": [
                {"vmm": "vmm-sea", "key_generated": "0", "at": "1m", "sync_all_clouds": True},
                {"vmm": "vmm-dub", "key_generated": "0", "at": "1m", "sync_all_clouds": True}],
            "cloud_pairs": [{"primary": "gold-sea", "target": "gold-dub", "at": "2m", "settings": {
                "copy_frequency": "5m",
                "additional_recovery_points": 4,
                "app_consistent_frequency": "2h",
                "compression": True,
                "authentication": "https",
                "port": 8084,
                "initial_replication": {"method": "network", "start": "now"},
                "change_tracking": "log"}}],
            "network_mappings": [{"source": "corp-sea", "target": "corp-dub", "at": "3m"}],
            "storage_mappings": [{"source": "sea-fast", "target": "dub-fast", "at": "3m"}],
            "protect": [{"vm": n, "at": "5m"} for n in names],
        },
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("vms", type=int)
    ap.add_argument("days", type=int)
    ap.add_argument("fidelity", choices=["extent", "fluid"])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sample-interval", default="15m")
    a = ap.parse_args()
    with open(a.out, "w") as f:
        json.dump(scenario(a.vms, a.days, a.fidelity, a.seed, a.sample_interval), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
