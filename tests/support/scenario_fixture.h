/* tests/support/scenario_fixture.h — a small, valid scenario built in memory, for tests that need a
 * drs_scenario without going through JSON.
 *
 * What scenario_fixture_new builds (indices in brackets; every name unique):
 *   sites[0] "seattle": VMM "vmm-sea" (one node "vmm-sea-1", provider "3.5.741", internet), no
 *       Kerberos, cloud "gold-sea", host "hv-sea-1" (2012R2, cloud 0, default storage 0, port 443
 *       in use), network "corp-sea" (10.1.0.0/16), classification "sea-fast" (20 TiB), file
 *       server "fs-sea".
 *   sites[1] "dublin": the same with "-dub" names ("vmm-dub", "gold-dub", "hv-dub-1", "corp-dub",
 *       "dub-fast", "fs-dub"), network 10.2.0.0/16.
 *   links[0] "wan" between them: 200 Mbps, 40 ms one way, lossless, uncapped.
 *   workloads[0] "oltp": steady 2 MB/s, 64 KiB writes, uniform, compressibility 0.5.
 *   vms[0] "sql-01", vms[1] "web-01": on hv-sea-1, network corp-sea, boot 90 s, 4 VMM-console
 *       recovery points, one 127 GiB disk "os" (40 GiB used, workload oltp, host default storage).
 *   recovery: vault "contoso-dr" (westeurope, created at 0); registrations of vmm-sea at 10m and
 *       vmm-dub at 12m, keys generated at 0, both synchronising all clouds; cloud pair gold-sea ->
 *       gold-dub at 20m (5m copy frequency, 4 additional points, app-consistent every 2h,
 *       compression, HTTPS on 8084, network initial replication at once, log tracking, delete
 *       replica on disable); network mapping corp-sea -> corp-dub and storage mapping sea-fast ->
 *       dub-fast at 25m; both VMs protected at 30m; recovery plan "erp" with one group per VM.
 *   duration 1d, sample interval 1m, seed 42, extent fidelity with 1 MiB extents; no timeline, no
 *       expectations.
 * Every string and array is on the heap, so a test may replace or grow any of them (strdup/realloc)
 * and scenario_fixture_free still frees the lot. */
#ifndef TESTS_SCENARIO_FIXTURE_H
#define TESTS_SCENARIO_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/shared/desc.h"

#define FIXTURE_MIN (60 * DRS_NS_PER_S)
#define FIXTURE_HOUR (60 * FIXTURE_MIN)
#define FIXTURE_DAY (24 * FIXTURE_HOUR)

/* A new fixture scenario, owned by the caller (free with scenario_fixture_free). Aborts when out of
 * memory: a test cannot go on without it. */
drs_scenario *scenario_fixture_new(void);

/* The fixture with one replicating VM: only sql-01 is protected, its disk holding used_bytes;
 * web-01 stays unprotected and idle (64 MiB used, no workload); the workload writes 256 KiB at a
 * time. Owned by the caller like scenario_fixture_new's. */
drs_scenario *scenario_fixture_one_vm(uint64_t used_bytes);

/* Frees every string and array of sc, then sc. Works for any drs_scenario whose parts are all on
 * the heap, not only fixtures. NULL is fine. */
void scenario_fixture_free(drs_scenario *sc);

/* Appends a timeline entry at at_ns doing `what`, with every optional field "absent" (-1 / 0) and
 * its path set to "timeline[i]". Keeps the timeline sorted by time (stable). Returns the entry,
 * which stays valid until the next append. */
drs_action *scenario_fixture_add_action(drs_scenario *sc, int64_t at_ns, drs_action_do what);

/* Appends a host to a site (os, cloud index, default storage index, no ports in use) and returns
 * its index within the site. */
int scenario_fixture_add_host(drs_scenario *sc, int site, const char *name, drs_host_os os,
                              int cloud);

/* Appends a VM like sql-01 (one 127 GiB disk, 40 GiB used, workload oltp) on host `host` of
 * seattle, protected at protect_at_ns (not protected when negative); returns its index. */
int scenario_fixture_add_vm(drs_scenario *sc, const char *name, int host, int64_t protect_at_ns);

/* Appends a port to a host's ports_in_use. */
void scenario_fixture_add_port(drs_scenario *sc, int site, int host, int port);

/* Appends a cloud (no hosts) to a site and returns its index within the site. */
int scenario_fixture_add_cloud(drs_scenario *sc, int site, const char *name);

/* Appends a copy of cloud pair `from` with the given ends and time; returns its index. */
size_t scenario_fixture_add_pair(drs_scenario *sc, size_t from, int primary_site, int primary_cloud,
                                 int target_site, int target_cloud, int64_t at_ns);

/* A heap copy of s (NULL stays NULL); aborts when out of memory. */
char *scenario_fixture_strdup(const char *s);

#endif
