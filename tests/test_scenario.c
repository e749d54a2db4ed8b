/* tests/test_scenario.c — the scenario loader: values, defaults, references, ordering and problems.
 *
 * Small scenarios are written inline with single quotes (turned into double quotes by load()) so
 * they stay readable. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/rules.h"
#include "sim/scenario/scenario.h"

#define S DRS_NS_PER_S
#define MIN (60 * S)
#define HOUR (60 * MIN)

/* Two sites with a VMM server, a cloud, a host, a network and a classification each, and a link. */
#define SITES                                                                                      \
    "'sites': ["                                                                                   \
    " {'name': 'sea', 'vmm': {'name': 'vmm-sea'}, 'clouds': ['c-sea'],"                            \
    "  'hosts': [{'name': 'h-sea', 'cloud': 'c-sea', 'storage': 'st-sea'}],"                       \
    "  'networks': [{'name': 'n-sea'}], 'storage': [{'classification': 'st-sea', 'capacity': "     \
    "'1TiB'}]},"                                                                                   \
    " {'name': 'dub', 'vmm': {'name': 'vmm-dub'}, 'clouds': ['c-dub'],"                            \
    "  'hosts': [{'name': 'h-dub', 'cloud': 'c-dub'}],"                                            \
    "  'networks': [{'name': 'n-dub'}], 'storage': [{'classification': 'st-dub', 'capacity': "     \
    "'1TiB'}]}],"                                                                                  \
    "'links': [{'name': 'wan', 'between': ['sea', 'dub'], 'bandwidth': '100Mbps'}],"               \
    "'workloads': [{'name': 'w', 'kind': 'steady', 'write_rate': '1MB/s'}],"                       \
    "'vms': [{'name': 'vm1', 'host': 'h-sea', 'networks': ['n-sea'],"                              \
    "         'disks': [{'name': 'd', 'size': '10GiB', 'workload': 'w'}]}]"

static drs_scenario *load(const char *single_quoted, drs_diags *d)
{
    char *text = strdup(single_quoted);
    for (char *p = text; *p; p++)
        if (*p == '\'')
            *p = '"';
    drs_scenario *sc = sim_scenario_load_string(text, "inline.json", "", d);
    free(text);
    return sc;
}

/* True when some problem has exactly this path and a message containing frag. */
static bool has_problem(const drs_diags *d, const char *path, const char *frag)
{
    for (size_t i = 0; i < d->count; i++)
        if (!strcmp(d->items[i].err.path, path) && strstr(d->items[i].err.message, frag))
            return true;
    return false;
}

static void print_all(const drs_diags *d)
{
    sim_diags_print(stdout, d);
}

static void expect_problem(const char *text, const char *path, const char *frag)
{
    drs_diags d = {0};
    drs_scenario *sc = load(text, &d);
    if (!has_problem(&d, path, frag)) {
        print_all(&d);
        fail_msg("no problem at '%s' containing '%s'", path, frag);
    }
    assert_null(sc);
    drs_diags_clear(&d);
}

static void test_example_loads_with_resolved_values(void **state)
{
    (void)state;
    drs_diags d = {0};
    drs_scenario *sc =
        sim_scenario_load(DRSIM_SOURCE_DIR "/scenarios/examples/two-site-basic.json", &d);
    if (!sc || d.count)
        print_all(&d);
    assert_non_null(sc);
    assert_int_equal(d.count, 0);
    assert_string_equal(sc->name, "two-site-basic");
    assert_int_equal(sc->seed, 42);
    assert_int_equal(sc->duration_ns, 48 * HOUR);
    assert_int_equal(sc->site_count, 2);
    assert_int_equal(sc->sites[1].host_count, 2);
    assert_int_equal(sc->sites[0].hosts[0].cloud, 0);
    assert_int_equal(sc->sites[0].hosts[0].storage, 0);
    assert_int_equal(sc->sites[0].hosts[0].ports_in_use[0], 443);
    /* 200 Mbps = 200e6 / 8 = 25e6 bytes/s */
    assert_true(sc->links[0].bandwidth_Bps == 25e6);
    assert_int_equal(sc->links[0].latency_ns, 40 * 1000000);
    assert_int_equal(sc->links[0].site_a, 0);
    assert_int_equal(sc->links[0].site_b, 1);
    assert_int_equal(sc->workload_count, 4);
    assert_true(sc->workloads[0].write_rate_Bps == 1.5e6);
    assert_int_equal(sc->workloads[1].kind, DRS_WL_DIURNAL);
    assert_int_equal(sc->workloads[1].peak_start_ns, 9 * HOUR);
    assert_int_equal(sc->workloads[2].burst_length_ns, 10 * MIN);
    assert_int_equal(sc->workloads[3].kind, DRS_WL_POISSON);
    /* sql-01: host hv-sea-1 = sites[0].hosts[0]; data disk 500 GiB, 120 GiB used, workload oltp (0)
     */
    const drs_vm *sql = &sc->vms[0];
    assert_string_equal(sql->name, "sql-01");
    assert_int_equal(sql->site, 0);
    assert_int_equal(sql->host, 0);
    assert_int_equal(sql->networks[0], 0);
    assert_int_equal(sql->disks[0].workload, -1);
    assert_int_equal(sql->disks[1].size_bytes, UINT64_C(500) << 30);
    assert_int_equal(sql->disks[1].used_bytes, UINT64_C(120) << 30);
    assert_int_equal(sql->disks[1].workload, 0);
    assert_string_equal(sql->disks[1].storage, "sea-fast");
    assert_int_equal(sql->vmm_recovery_points, 4);
    assert_int_equal(sc->vms[1].vmm_recovery_points, -1);
    assert_int_equal(sc->vms[1].host, 1);
    /* recovery */
    const drs_recovery *r = &sc->recovery;
    assert_string_equal(r->vault_name, "contoso-dr");
    assert_int_equal(r->registrations[1].site, 1);
    assert_int_equal(r->registrations[1].at_ns, 12 * MIN);
    assert_int_equal(r->cloud_pairs[0].primary_site, 0);
    assert_int_equal(r->cloud_pairs[0].target_site, 1);
    assert_int_equal(r->cloud_pairs[0].target_cloud, 0);
    assert_int_equal(r->cloud_pairs[0].settings.copy_frequency_ns, 5 * MIN);
    assert_int_equal(r->cloud_pairs[0].settings.additional_recovery_points, 4);
    assert_int_equal(r->cloud_pairs[0].settings.app_consistent_frequency_ns, 2 * HOUR);
    assert_true(r->cloud_pairs[0].settings.compression);
    assert_int_equal(r->cloud_pairs[0].settings.port, 8084);
    assert_int_equal(r->network_mappings[0].target_site, 1);
    assert_int_equal(r->storage_mappings[0].source, 0);
    assert_int_equal(r->protect_count, 4);
    assert_int_equal(r->protect[3].vm, 3);
    assert_int_equal(r->plans[0].group_count, 2);
    assert_int_equal(r->plans[0].groups[1].vms[1], 2); /* app-01 */
    assert_int_equal(r->plans[0].groups[0].after[0].kind, DRS_ACTION_SCRIPT);
    assert_int_equal(r->plans[0].groups[0].after[0].duration_ns, 2 * MIN);
    /* timeline */
    assert_int_equal(sc->timeline_count, 4);
    assert_int_equal(sc->timeline[0].what, DRS_DO_LINK_DOWN);
    assert_int_equal(sc->timeline[0].for_ns, 20 * MIN);
    assert_int_equal(sc->timeline[2].what, DRS_DO_UNPLANNED_FAILOVER);
    assert_int_equal(sc->timeline[2].plan, 0);
    assert_int_equal(sc->timeline[2].rp, DRS_RP_LATEST);
    /* expectations */
    assert_int_equal(sc->expect[0].kind, DRS_EXPECT_METRIC);
    assert_int_equal(sc->expect[0].unit, DRS_UNIT_DURATION);
    assert_string_equal(sc->expect[0].target, "*");
    assert_true(sc->expect[0].has_max && sc->expect[0].max == (double)(12 * HOUR));
    assert_int_equal(sc->expect[4].kind, DRS_EXPECT_JOB);
    assert_string_equal(sc->expect[4].state, "succeeded");
    assert_int_equal(sc->expect[4].by_ns, 12 * HOUR);
    assert_true(sc->expect[5].never);
    assert_true(sc->expect[8].has_equals && sc->expect[8].equals == 1);
    drs_scenario_free(sc);
    drs_diags_clear(&d);
}

static void test_defaults_fill_in(void **state)
{
    (void)state;
    drs_diags d = {0};
    drs_scenario *sc = load("{'drsim': 1, 'duration': '1d', " SITES ","
                            "'recovery': {'vault': {'name': 'v'},"
                            "  'cloud_pairs': [{'primary': 'c-sea', 'target': 'c-dub'},"
                            "                  {'primary': 'c-dub', 'target': 'c-sea',"
                            "                   'settings': {'authentication': 'kerberos'}}]}}",
                            &d);
    if (!sc)
        print_all(&d);
    assert_non_null(sc);
    assert_string_equal(sc->name, "inline"); /* from the file name */
    assert_int_equal(sc->seed, 1);
    assert_int_equal(sc->sample_interval_ns, MIN);
    assert_int_equal(sc->fidelity, DRS_FIDELITY_EXTENT);
    assert_int_equal(sc->extent_bytes, 1 << 20);
    assert_true(sc->sites[0].vmm.internet);
    assert_false(sc->sites[0].kerberos);
    assert_int_equal(sc->sites[1].hosts[0].os, DRS_OS_2012R2);
    assert_int_equal(sc->sites[1].hosts[0].storage, -1);
    const drs_workload *w = &sc->workloads[0];
    assert_int_equal(w->write_size_bytes, 64 * 1024);
    assert_true(w->hot_set == 1 && w->hot_share == 1 && w->compressibility == 0.5);
    assert_int_equal(sc->links[0].latency_ns, 0);
    assert_true(sc->links[0].loss == 0 && sc->links[0].replication_cap_Bps == 0);
    const drs_vm *vm = &sc->vms[0];
    assert_int_equal(vm->boot_time_ns, 60 * S);
    assert_int_equal(vm->disks[0].used_bytes, vm->disks[0].size_bytes);
    assert_null(vm->disks[0].storage);
    assert_false(vm->existing_replica.present);
    const drs_pair_settings *ps = &sc->recovery.cloud_pairs[0].settings;
    assert_int_equal(ps->copy_frequency_ns, 5 * MIN);
    assert_int_equal(ps->additional_recovery_points, 0);
    assert_int_equal(ps->app_consistent_frequency_ns, 0);
    assert_true(ps->compression); /* Site Recovery compresses unless told not to */
    assert_int_equal(ps->health_window_ns, 12 * HOUR); /* Replication Health's default window */
    assert_int_equal(sc->sites[0].hosts[0].max_active_transfers, 0); /* 0: the OS's default */
    assert_int_equal(ps->authentication, DRS_AUTH_HTTPS);
    assert_int_equal(ps->port, 8084);
    assert_int_equal(ps->change_tracking, DRS_TRACK_LOG);
    assert_int_equal(ps->initial_replication.method, DRS_IR_NETWORK);
    assert_true(ps->initial_replication.start_now);
    assert_false(ps->delete_replica_on_disable);
    assert_int_equal(sc->recovery.cloud_pairs[1].settings.port, 8083); /* kerberos */
    assert_int_equal(sc->timeline_count, 0);
    assert_int_equal(sc->expect_count, 0);
    drs_scenario_free(sc);
    drs_diags_clear(&d);
}

/* The ends of the health_window range are accepted; a host's max_active_transfers is read as given;
 * compression: false is kept (the default is true). */
static void test_window_ends_and_host_transfers_read(void **state)
{
    (void)state;
    drs_diags d = {0};
    drs_scenario *sc = load(
        "{'drsim': 1, 'duration': '1d', 'sites': ["
        " {'name': 'sea', 'vmm': {'name': 'vmm-sea'}, 'clouds': ['c-sea'],"
        "  'hosts': [{'name': 'h-sea', 'os': '2012', 'cloud': 'c-sea', 'max_active_transfers': 2}]},"
        " {'name': 'dub', 'vmm': {'name': 'vmm-dub'}, 'clouds': ['c-dub', 'c-dub2'],"
        "  'hosts': [{'name': 'h-dub', 'cloud': 'c-dub'}]}],"
        "'recovery': {'vault': {'name': 'v'}, 'cloud_pairs': ["
        " {'primary': 'c-sea', 'target': 'c-dub',"
        "  'settings': {'health_window': '1h', 'compression': false}},"
        " {'primary': 'c-dub2', 'target': 'c-sea', 'settings': {'health_window': '7d'}}]}}",
        &d);
    if (!sc)
        print_all(&d);
    assert_non_null(sc);
    assert_int_equal(sc->sites[0].hosts[0].max_active_transfers, 2);
    assert_int_equal(sc->sites[1].hosts[0].max_active_transfers, 0);
    assert_int_equal(sc->recovery.cloud_pairs[0].settings.health_window_ns, HOUR);
    assert_false(sc->recovery.cloud_pairs[0].settings.compression);
    assert_int_equal(sc->recovery.cloud_pairs[1].settings.health_window_ns, 7 * 24 * HOUR);
    assert_true(sc->recovery.cloud_pairs[1].settings.compression);
    drs_scenario_free(sc);
    drs_diags_clear(&d);
}

static void test_timeline_sorted_by_time_then_appearance(void **state)
{
    (void)state;
    drs_diags d = {0};
    drs_scenario *sc =
        load("{'drsim': 1, 'duration': '1d', " SITES ", 'timeline': ["
             " {'at': '2h', 'do': 'link.up', 'link': 'wan'},"
             " {'at': '1h', 'do': 'link.down', 'link': 'wan'},"
             " {'at': '2h', 'do': 'host.down', 'host': 'h-dub'},"
             " {'at': '30m', 'do': 'link.set', 'link': 'wan', 'bandwidth': '10Mbps'},"
             " {'at': '2h', 'do': 'site.down', 'site': 'sea'}]}",
             &d);
    assert_non_null(sc);
    /* by time: 30m (entry 3), 1h (1), then the three at 2h in file order: 0, 2, 4 */
    const char *want[] = {"timeline[3]", "timeline[1]", "timeline[0]", "timeline[2]",
                          "timeline[4]"};
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(sc->timeline[i].path, want[i]);
    assert_int_equal(sc->timeline[0].what, DRS_DO_LINK_SET);
    assert_true(sc->timeline[0].bandwidth_Bps == 1.25e6);
    assert_true(sc->timeline[0].loss < 0 && sc->timeline[0].latency_ns < 0); /* unchanged */
    assert_int_equal(sc->timeline[3].host_site, 1);
    assert_int_equal(sc->timeline[3].host, 0);
    assert_int_equal(sc->timeline[4].site, 0);
    drs_scenario_free(sc);
    drs_diags_clear(&d);
}

static void test_unknown_keys_suggest_the_closest(void **state)
{
    (void)state;
    expect_problem("{'drsim': 1, 'duration': '1d', 'sampel_interval': '1m', " SITES "}",
                   "sampel_interval", "did you mean 'sample_interval'?");
    /* Nothing close: the allowed keys are listed instead. */
    expect_problem("{'drsim': 1, 'duration': '1d', " SITES ", 'zzzzzzzz': 1}", "zzzzzzzz",
                   "expected one of: drsim,");
    expect_problem("{'drsim': 1, 'duration': '1d', " SITES
                   ", 'timeline': [{'at': '1h', 'do': 'link.down', "
                   "'link': 'wan', 'fro': '1h'}]}",
                   "timeline[0].fro", "did you mean 'for'?");
}

static void test_references_must_resolve(void **state)
{
    (void)state;
    expect_problem("{'drsim': 1, 'duration': '1d', " SITES ", 'recovery': {'vault': {'name': 'v'},"
                   " 'protect': [{'vm': 'vm2'}]}}",
                   "recovery.protect[0].vm", "no VM named 'vm2' (did you mean 'vm1'?)");
    expect_problem("{'drsim': 1, 'duration': '1d', " SITES ", 'recovery': {'vault': {'name': 'v'},"
                   " 'cloud_pairs': [{'primary': 'c-sea', 'target': 'gold'}]}}",
                   "recovery.cloud_pairs[0].target", "no cloud named 'gold'");
    expect_problem("{'drsim': 1, 'duration': '1d', " SITES ", 'recovery': {'vault': {'name': 'v'},"
                   " 'registrations': [{'vmm': 'vmm-par'}]}}",
                   "recovery.registrations[0].vmm", "no VMM server named 'vmm-par'");
    /* A VM's network must be at the VM's own site. */
    expect_problem("{'drsim': 1, 'duration': '1d', 'sites': ["
                   " {'name': 'a', 'vmm': {'name': 'va'}, 'hosts': [{'name': 'ha'}], 'networks': "
                   "[{'name': 'na'}]},"
                   " {'name': 'b', 'vmm': {'name': 'vb'}, 'networks': [{'name': 'nb'}]}],"
                   " 'vms': [{'name': 'x', 'host': 'ha', 'networks': ['nb'], 'disks': [{'name': "
                   "'d', 'size': '1GiB'}]}]}",
                   "vms[0].networks[0]", "network 'nb' is at site 'b', not at this VM's site 'a'");
    expect_problem("{'drsim': 1, 'duration': '1d', " SITES ", 'recovery': {'vault': {'name': 'v'},"
                   " 'recovery_plans': [{'name': 'p', 'groups': [{'vms': ['vm1', 'vm1']}]}]}}",
                   "recovery.recovery_plans[0].groups[0].vms[1]", "appears twice");
    expect_problem("{'drsim': 1, 'duration': '1d', " SITES
                   ", 'timeline': [{'at': '1h', 'do': 'workload.set',"
                   " 'vm': 'vm1', 'disk': 'e', 'workload': 'w'}]}",
                   "timeline[0].disk", "VM 'vm1' has no disk named 'e'");
    expect_problem("{'drsim': 1, 'duration': '1d', " SITES
                   ", 'expect': [{'metric': 'rpo.max', 'vm': 'vm7', "
                   "'max': '5m'}]}",
                   "expect[0].vm", "no VM named 'vm7'");
}

static void test_duplicate_names_within_a_kind(void **state)
{
    (void)state;
    drs_diags d = {0};
    /* Hosts are unique across sites; so are VMM servers, clouds, workloads and every other kind. */
    assert_null(
        load("{'drsim': 1, 'duration': '1d', 'sites': ["
             " {'name': 'a', 'vmm': {'name': 'v'}, 'hosts': [{'name': 'h'}, {'name': 'h'}]},"
             " {'name': 'b', 'vmm': {'name': 'v'}, 'clouds': ['c', 'c']}],"
             " 'workloads': [{'name': 'w', 'kind': 'steady', 'write_rate': '1MB/s'},"
             "               {'name': 'w', 'kind': 'poisson', 'write_rate': '1MB/s'}]}",
             &d));
    assert_true(has_problem(&d, "sites[0].hosts[1].name",
                            "duplicate host name 'h' (first defined at sites[0].hosts[0].name)"));
    assert_true(has_problem(&d, "sites[1].vmm.name", "duplicate VMM server name 'v'"));
    assert_true(has_problem(&d, "sites[1].clouds[1]", "duplicate cloud name 'c'"));
    assert_true(has_problem(&d, "workloads[1].name", "duplicate workload name 'w'"));
    assert_int_equal(drs_diags_errors(&d), 4);
    drs_diags_clear(&d);
}

static void test_malformed_json_reports_line_and_column(void **state)
{
    (void)state;
    drs_diags d = {0};
    /* The stray second comma is on line 3, column 14 (columns count characters from 1). */
    assert_null(
        sim_scenario_load_string("{\n  \"drsim\": 1,\n  \"x\": [1, 2,, 3]\n}\n", "m.json", "", &d));
    assert_int_equal(d.count, 1);
    assert_non_null(strstr(d.items[0].err.message, "m.json:3:14: malformed JSON"));
    drs_diags_clear(&d);
    /* A key given twice is refused by the parser, with its position. */
    assert_null(sim_scenario_load_string("{\"drsim\": 1,\n \"drsim\": 1}", "k.json", "", &d));
    assert_non_null(strstr(d.items[0].err.message, "k.json:2:"));
    assert_non_null(strstr(d.items[0].err.message, "duplicate object key"));
    drs_diags_clear(&d);
}

static void test_wrong_types_and_ranges(void **state)
{
    (void)state;
    expect_problem("{'drsim': 1, 'duration': 86400, " SITES "}", "duration",
                   "durations are strings with a unit");
    expect_problem("{'drsim': 2, 'duration': '1d', " SITES "}", "drsim", "from 1 to 1, got 2");
    expect_problem("{'drsim': 1.0, 'duration': '1d', " SITES "}", "drsim",
                   "expected a whole number, got the number 1.0");
    expect_problem("{'drsim': 1, 'duration': '1d', 'seed': -3, " SITES "}", "seed", "got -3");
    expect_problem("{'drsim': 1, 'duration': '1d', 'fidelity': 'exact', " SITES "}", "fidelity",
                   "expected one of \"extent\", \"fluid\"");
    expect_problem("{'drsim': 1, 'duration': '1d', 'extent_size': '1000B', " SITES "}",
                   "extent_size", "multiple of 4KiB");
    expect_problem("{'drsim': 1, 'duration': '1d', 'sites': {}}", "sites",
                   "expected an array, got an object");
    expect_problem(
        "{'drsim': 1, 'duration': '1d', " SITES ", 'recovery': {'vault': {'name': 'v'},"
        " 'cloud_pairs': [{'primary': 'c-sea', 'target': 'c-dub', 'settings': {'port': 70000}}]}}",
        "recovery.cloud_pairs[0].settings.port", "from 1 to 65535");
    expect_problem(
        "{'drsim': 1, 'duration': '1d', " SITES ", 'recovery': {'vault': {'name': 'v'},"
        " 'cloud_pairs': [{'primary': 'c-sea', 'target': 'c-dub',"
        "                  'settings': {'health_window': '30m'}}]}}",
        "recovery.cloud_pairs[0].settings.health_window", "from 1h to 7d, got \"30m\"");
    expect_problem(
        "{'drsim': 1, 'duration': '1d', " SITES ", 'recovery': {'vault': {'name': 'v'},"
        " 'cloud_pairs': [{'primary': 'c-sea', 'target': 'c-dub',"
        "                  'settings': {'health_window': '7d1s'}}]}}",
        "recovery.cloud_pairs[0].settings.health_window", "from 1h to 7d, got \"7d1s\"");
    expect_problem("{'drsim': 1, 'duration': '1d', 'sites': [{'name': 'a', 'vmm': {'name': 'v'}, "
                   "'hosts': [{'name': 'h', 'max_active_transfers': 0}]}]}",
                   "sites[0].hosts[0].max_active_transfers", "got 0");
    expect_problem("{'drsim': 1, 'duration': '1d', 'sites': [{'name': 'a', 'vmm': {'name': 'v'}, "
                   "'storage': [{'classification': 's', 'capacity': '1TiB', 'read_rate': 5}]}]}",
                   "sites[0].storage[0].read_rate", "rates are strings with a unit");
    expect_problem("{'drsim': 1, 'duration': '1d', 'sites': [{'name': 'a', 'vmm': {'name': 'v'}, "
                   "'networks': [{'name': 'n', 'subnets': ['10.1.0.0/33']}]}]}",
                   "sites[0].networks[0].subnets[0]", "IPv4 subnet");
}

/* Write a file, creating folders as needed. */
static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_trace_files_resolve_relative_to_the_scenario(void **state)
{
    (void)state;
    char dir[] = "/tmp/drsim-scenario-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[256], trace[256], scen[256];
    snprintf(sub, sizeof sub, "%s/traces", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    snprintf(trace, sizeof trace, "%s/traces/t.csv", dir);
    write_file(trace, "128166372003061629,src1,0,Write,0,4096,100\n");
    snprintf(scen, sizeof scen, "%s/s.json", dir);
    write_file(
        scen,
        "{\"drsim\": 1, \"duration\": \"1h\", \"sites\": [{\"name\": \"a\", \"vmm\": {\"name\": "
        "\"v\"}},"
        " {\"name\": \"b\", \"vmm\": {\"name\": \"w\"}}],"
        " \"workloads\": [{\"name\": \"t\", \"kind\": \"trace\", \"file\": \"traces/t.csv\"},"
        "                 {\"name\": \"u\", \"kind\": \"trace\", \"file\": \"traces/none.csv\"}]}");
    drs_diags d = {0};
    assert_null(sim_scenario_load(scen, &d));
    /* only the missing file is a problem */
    assert_int_equal(drs_diags_errors(&d), 1);
    assert_true(
        has_problem(&d, "workloads[1].file", "cannot read the trace file 'traces/none.csv'"));
    drs_diags_clear(&d);

    write_file(scen, "{\"drsim\": 1, \"duration\": \"1h\", \"sites\": [{\"name\": \"a\", \"vmm\": "
                     "{\"name\": \"v\"}},"
                     " {\"name\": \"b\", \"vmm\": {\"name\": \"w\"}}],"
                     " \"workloads\": [{\"name\": \"t\", \"kind\": \"trace\", \"file\": "
                     "\"traces/t.csv\", \"loop\": true}]}");
    drs_scenario *sc = sim_scenario_load(scen, &d);
    assert_non_null(sc);
    assert_string_equal(sc->workloads[0].resolved_file, trace);
    assert_string_equal(sc->workloads[0].file, "traces/t.csv");
    assert_string_equal(sc->workloads[0].format, "msr");
    assert_true(sc->workloads[0].loop);
    drs_scenario_free(sc);
    drs_diags_clear(&d);
    unlink(trace);
    unlink(scen);
    rmdir(sub);
    rmdir(dir);
}

static void test_many_mistakes_are_all_reported(void **state)
{
    (void)state;
    drs_diags d = {0};
    assert_null(load("{'drsim': 1, 'duration': '-1d', 'seeed': 4, " SITES ","
                     "'recovery': {'vault': {'name': 'v'}, 'protect': [{'vm': 'nope'}], "
                     "'registrations': [{'vmm': 'x'}]},"
                     "'timeline': [{'at': '1h', 'do': 'link.dwn', 'link': 'wan'}, {'at': '1x', "
                     "'do': 'link.up', 'link': 'lan'}],"
                     "'expect': [{'metric': 'rpo.p100', 'vm': '*', 'max': '5m'}, {'health': "
                     "'critical', 'vm': 'vm1', "
                     "'by': '1h', 'never': true}]}",
                     &d));
    struct {
        const char *path, *frag;
    } want[] = {
        {"duration", "negative"},
        {"seeed", "did you mean 'seed'?"},
        {"recovery.protect[0].vm", "no VM named 'nope'"},
        {"recovery.registrations[0].vmm", "no VMM server named 'x'"},
        {"timeline[0].do", "did you mean 'link.down'?"},
        {"timeline[1].at", "unknown unit \"x\""},
        {"timeline[1].link", "no link named 'lan'"},
        {"expect[0].metric", "unknown metric 'rpo.p100'"},
        {"expect[1]", "either 'by' or 'never'"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!has_problem(&d, want[i].path, want[i].frag)) {
            print_all(&d);
            fail_msg("missing %s: %s", want[i].path, want[i].frag);
        }
    }
    assert_int_equal(drs_diags_errors(&d), sizeof want / sizeof want[0]);
    drs_diags_clear(&d);
}

static void test_expectation_forms(void **state)
{
    (void)state;
    drs_diags d = {0};
    drs_scenario *sc =
        load("{'drsim': 1, 'duration': '1d', " SITES ", 'recovery': {'vault': {'name': 'v'},"
             " 'recovery_plans': [{'name': 'p', 'groups': [{'vms': ['vm1']}]}]}, 'expect': ["
             " {'metric': 'rpo.time_above', 'vm': 'vm1', 'threshold': '15m', 'max': '1h', 'after': "
             "'2h'},"
             " {'metric': 'bytes.wire', 'link': 'wan', 'max': '10GiB', 'min': 1024},"
             " {'metric': 'link.utilization.max', 'link': '*', 'max': 0.95},"
             " {'metric': 'replica_storage.peak', 'classification': 'st-dub', 'max': '1TiB'},"
             " {'metric': 'cycles.missed', 'vm': '*', 'equals': 0},"
             " {'job': 'finalize protection', 'vm': 'vm1', 'state': 'succeeded'},"
             " {'health': 'critical', 'vm': '*', 'never': true},"
             " {'event': 'missed_cycle', 'vm': 'vm1', 'by': '3h'},"
             " {'validation': 'warning', 'rule': 11},"
             " {'metric': 'failover.rto', 'plan': 'p', 'max': '30m'}]}",
             &d);
    if (!sc)
        print_all(&d);
    assert_non_null(sc);
    const drs_expect *e = sc->expect;
    assert_int_equal(e[0].threshold_ns, 15 * MIN);
    assert_int_equal(e[0].after_ns, 2 * HOUR);
    assert_int_equal(e[0].scope, DRS_SCOPE_VM);
    assert_int_equal(e[1].scope, DRS_SCOPE_LINK);
    assert_true(e[1].max == (double)(UINT64_C(10) << 30) && e[1].min == 1024);
    assert_int_equal(e[1].unit, DRS_UNIT_SIZE);
    assert_true(e[2].max == 0.95);
    assert_int_equal(e[3].scope, DRS_SCOPE_CLASSIFICATION);
    assert_int_equal(e[4].unit, DRS_UNIT_COUNT);
    assert_true(e[4].has_equals && e[4].equals == 0);
    assert_int_equal(e[5].kind, DRS_EXPECT_JOB);
    assert_string_equal(e[5].name, "Finalize Protection"); /* canonical spelling */
    assert_false(e[5].has_by);
    assert_int_equal(e[6].kind, DRS_EXPECT_HEALTH);
    assert_true(e[6].never);
    assert_int_equal(e[7].kind, DRS_EXPECT_EVENT);
    assert_int_equal(e[7].by_ns, 3 * HOUR);
    assert_int_equal(e[8].kind, DRS_EXPECT_VALIDATION);
    assert_int_equal(e[8].rule, 11);
    assert_true(e[8].validation_warning);
    assert_int_equal(e[9].scope, DRS_SCOPE_PLAN);
    drs_scenario_free(sc);
    drs_diags_clear(&d);

    expect_problem("{'drsim': 1, 'duration': '1d', " SITES
                   ", 'expect': [{'metric': 'link.utilization.p95', "
                   "'vm': 'vm1', 'max': 0.5}]}",
                   "expect[0].vm", "not about a vm");
    expect_problem("{'drsim': 1, 'duration': '1d', " SITES
                   ", 'expect': [{'metric': 'link.utilization.p95', "
                   "'link': 'wan', 'max': 1.5}]}",
                   "expect[0].max", "between 0 and 1");
    expect_problem("{'drsim': 1, 'duration': '1d', " SITES
                   ", 'expect': [{'metric': 'rpo.max', 'vm': 'vm1'}]}",
                   "expect[0]", "expected a bound");
    expect_problem("{'drsim': 1, 'duration': '1d', " SITES
                   ", 'expect': [{'metric': 'rpo.max', 'vm': 'vm1', "
                   "'min': '1h', 'max': '5m'}]}",
                   "expect[0].min", "above 'max'");
    expect_problem("{'drsim': 1, 'duration': '1d', " SITES
                   ", 'expect': [{'job': 'Reboot', 'state': 'failed'}]}",
                   "expect[0].job", "unknown job 'Reboot'");
    expect_problem("{'drsim': 1, 'duration': '1d', " SITES
                   ", 'expect': [{'event': 'resync_requried', 'vm': '*'}]}",
                   "expect[0].event", "did you mean 'resync_required'?");
    expect_problem("{'drsim': 1, 'duration': '1d', " SITES
                   ", 'expect': [{'validation': 'error', 'rule': 14}]}",
                   "expect[0].rule", "from 1 to 13");
}

static void test_recovery_point_forms(void **state)
{
    (void)state;
    drs_diags d = {0};
    drs_scenario *sc = load(
        "{'drsim': 1, 'duration': '1d', " SITES ", 'timeline': ["
        " {'at': '1h', 'do': 'test_failover', 'vm': 'vm1', 'recovery_point': 'latest_processed',"
        "  'network': 'n-dub', 'cleanup_after': '2h'},"
        " {'at': '2h', 'do': 'unplanned_failover', 'vm': 'vm1', 'recovery_point': '1h30m'}]}",
        &d);
    assert_non_null(sc);
    assert_int_equal(sc->timeline[0].rp, DRS_RP_LATEST_PROCESSED);
    assert_int_equal(sc->timeline[0].network_site, 1);
    assert_int_equal(sc->timeline[0].network, 0);
    assert_int_equal(sc->timeline[0].cleanup_after_ns, 2 * HOUR);
    assert_int_equal(sc->timeline[1].rp, DRS_RP_AT);
    assert_int_equal(sc->timeline[1].rp_at_ns, 90 * MIN);
    drs_scenario_free(sc);
    drs_diags_clear(&d);
    expect_problem("{'drsim': 1, 'duration': '1d', " SITES
                   ", 'timeline': [{'at': '1h', 'do': 'unplanned_failover',"
                   " 'vm': 'vm1', 'recovery_point': 'lastest'}]}",
                   "timeline[0].recovery_point", "did you mean \"latest\"?");
    expect_problem("{'drsim': 1, 'duration': '1d', " SITES
                   ", 'timeline': [{'at': '1h', 'do': 'planned_failover'}]}",
                   "timeline[0]", "exactly one of 'plan' (a recovery plan) or 'vm'");
}

static void test_diags_print_one_line_each(void **state)
{
    (void)state;
    drs_diags d = {0};
    drs_diags_add(&d, DRS_SEV_ERROR, 0, "vms[3].disks[0].size", "expected a size");
    drs_diags_add(&d, DRS_SEV_WARNING, 11, "vms[0].networks[0]", "not mapped");
    drs_diags_add(&d, DRS_SEV_ERROR, 0, "", "x.json:1:2: malformed JSON:\nbad");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    sim_diags_print(f, &d);
    fclose(f);
    assert_string_equal(buf, "error: vms[3].disks[0].size: expected a size\n"
                             "warning: vms[0].networks[0]: not mapped (rule 11)\n"
                             "error: x.json:1:2: malformed JSON:?bad\n");
    free(buf);
    drs_diags_clear(&d);
}

static void test_warnings_do_not_stop_loading(void **state)
{
    (void)state;
    drs_diags d = {0};
    drs_scenario *sc = load("{'drsim': 1, 'duration': '1d', " SITES ", 'timeline': ["
                            " {'at': '2d', 'do': 'link.up', 'link': 'wan'}],"
                            " 'recovery': {'vault': {'name': 'v'}, 'protect': [{'vm': 'vm1'}, "
                            "{'vm': 'vm1', 'at': '1h'}]}}",
                            &d);
    assert_non_null(sc);
    assert_int_equal(drs_diags_errors(&d), 0);
    assert_int_equal(d.count, 2);
    assert_true(has_problem(&d, "timeline[0].at", "after the end of the run"));
    assert_true(has_problem(&d, "recovery.protect[1]",
                            "VM 'vm1' is already protected by recovery.protect[0]"));
    drs_scenario_free(sc);
    drs_diags_clear(&d);
}

/* Every file of the broken suite fails to load with at least one error, or loads and breaks a
 * configuration rule or limit (engine_rules_check, as `drsim validate` runs it), in-process, so the
 * sanitizers and valgrind see every error path of the loader (tests/test_broken.c checks the
 * messages). */
static void test_broken_suite_fails_to_load_without_leaks(void **state)
{
    (void)state;
    DIR *dir = opendir(DRSIM_SOURCE_DIR "/tests/broken");
    assert_non_null(dir);
    struct dirent *e;
    size_t files = 0;
    while ((e = readdir(dir))) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 5, ".json"))
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/tests/broken/%s", DRSIM_SOURCE_DIR, e->d_name);
        drs_diags d = {0};
        drs_scenario *sc = sim_scenario_load(path, &d);
        if (sc) {
            engine_rules_check(sc, &d);
            drs_scenario_free(sc);
            if (!drs_diags_errors(&d))
                fail_msg("%s loaded and validated", e->d_name);
        }
        assert_true(drs_diags_errors(&d) >= 1);
        drs_diags_clear(&d);
        files++;
    }
    closedir(dir);
    assert_true(files >= 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_loads_with_resolved_values),
        cmocka_unit_test(test_defaults_fill_in),
        cmocka_unit_test(test_window_ends_and_host_transfers_read),
        cmocka_unit_test(test_timeline_sorted_by_time_then_appearance),
        cmocka_unit_test(test_unknown_keys_suggest_the_closest),
        cmocka_unit_test(test_references_must_resolve),
        cmocka_unit_test(test_duplicate_names_within_a_kind),
        cmocka_unit_test(test_malformed_json_reports_line_and_column),
        cmocka_unit_test(test_wrong_types_and_ranges),
        cmocka_unit_test(test_trace_files_resolve_relative_to_the_scenario),
        cmocka_unit_test(test_many_mistakes_are_all_reported),
        cmocka_unit_test(test_expectation_forms),
        cmocka_unit_test(test_recovery_point_forms),
        cmocka_unit_test(test_diags_print_one_line_each),
        cmocka_unit_test(test_warnings_do_not_stop_loading),
        cmocka_unit_test(test_broken_suite_fails_to_load_without_leaks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
