/* tests/test_rules.c — the thirteen configuration rules: the fixture scenario is clean, and
 * breaking each rule gives the expected problem (severity, rule number, exact JSON path, text). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/rules_state.h"
#include "sim/scenario/scenario.h"
#include "tests/support/scenario_fixture.h"

#define MIN FIXTURE_MIN
#define HOUR FIXTURE_HOUR
#define DAY FIXTURE_DAY

/* ---- helpers --------------------------------------------------------------------------------- */

static int setup(void **state)
{
    *state = scenario_fixture_new();
    return 0;
}

static int teardown(void **state)
{
    scenario_fixture_free(*state);
    return 0;
}

static drs_diags check(const drs_scenario *sc)
{
    drs_diags d = {0};
    engine_rules_check(sc, &d);
    return d;
}

static void dump(const drs_diags *d)
{
    for (size_t i = 0; i < d->count; i++)
        print_message("  %s rule %d %s: %s\n",
                      d->items[i].severity == DRS_SEV_ERROR ? "error" : "warning", d->items[i].rule,
                      d->items[i].err.path, d->items[i].err.message);
}

static size_t count_rule(const drs_diags *d, int rule)
{
    size_t n = 0;
    for (size_t i = 0; i < d->count; i++)
        n += d->items[i].rule == rule;
    return n;
}

/* Asserts a problem with this rule and path exists, with the given severity and a message
 * containing fragment (several problems may share a path: any one of them may match). */
static void expect_diag(const drs_diags *d, drs_severity sev, int rule, const char *path,
                        const char *fragment)
{
    for (size_t i = 0; i < d->count; i++) {
        const drs_diag *x = &d->items[i];
        if (x->rule != rule || strcmp(x->err.path, path) != 0 || x->severity != sev ||
            !strstr(x->err.message, fragment))
            continue;
        /* An error outside the 13 rules (rule 0, e.g. a recovery plan's size) is bad input. */
        assert_int_equal(x->err.code, sev != DRS_SEV_ERROR ? DRS_OK : rule ? DRS_ERULE : DRS_EINPUT);
        return;
    }
    print_message("no rule %d %s at %s containing \"%s\" among:\n", rule,
                  sev == DRS_SEV_ERROR ? "error" : "warning", path, fragment);
    dump(d);
    fail();
}

/* Asserts the check finds exactly one problem, as described. */
static void expect_only(const drs_scenario *sc, drs_severity sev, int rule, const char *path,
                        const char *fragment)
{
    drs_diags d = check(sc);
    if (d.count != 1)
        dump(&d);
    assert_int_equal(d.count, 1);
    expect_diag(&d, sev, rule, path, fragment);
    drs_diags_clear(&d);
}

static void expect_clean(const drs_scenario *sc)
{
    drs_diags d = check(sc);
    if (d.count)
        dump(&d);
    assert_int_equal(d.count, 0);
    drs_diags_clear(&d);
}

static drs_pair_settings *settings(drs_scenario *sc)
{
    return &sc->recovery.cloud_pairs[0].settings;
}

/* ---- the fixture ----------------------------------------------------------------------------- */

static void test_fixture_has_no_problems(void **state)
{
    expect_clean(*state);
}

/* ---- rule 1 ---------------------------------------------------------------------------------- */

static void test_key_predicate_boundaries(void **state)
{
    (void)state;
    /* Five days = 432000 s: the last valid instant is exactly five days after generation. */
    assert_true(rules_registration_key_valid(0, 0));
    assert_true(rules_registration_key_valid(0, 5 * DAY));
    assert_false(rules_registration_key_valid(0, 5 * DAY + 1));
    assert_true(rules_registration_key_valid(DAY, 6 * DAY));
    assert_false(rules_registration_key_valid(DAY, DAY - 1)); /* used before it existed */
}

/* Shifts the fixture so vmm-dub registers at at_ns with a key from 0; later steps move along. */
static void register_dublin_late(drs_scenario *sc, int64_t at_ns)
{
    sc->recovery.registrations[1].at_ns = at_ns;
    sc->recovery.cloud_pairs[0].at_ns = at_ns + MIN;
    sc->recovery.network_mappings[0].at_ns = at_ns + 2 * MIN;
    sc->recovery.storage_mappings[0].at_ns = at_ns + 2 * MIN;
    sc->recovery.protect[0].at_ns = sc->recovery.protect[1].at_ns = at_ns + 3 * MIN;
}

static void test_key_exactly_five_days_old_registers(void **state)
{
    drs_scenario *sc = *state;
    register_dublin_late(sc, 5 * DAY);
    expect_clean(sc);
}

static void test_key_older_than_five_days_is_refused(void **state)
{
    drs_scenario *sc = *state;
    register_dublin_late(sc, 5 * DAY + DRS_NS_PER_S);
    /* The refused registration is reported once; later steps take it as done (rules.h). */
    expect_only(sc, DRS_SEV_ERROR, 1, "recovery.registrations[1].at", "valid for 5d");
    drs_diags d = check(sc);
    assert_non_null(strstr(d.items[0].err.message, "5d1s earlier"));
    drs_diags_clear(&d);
}

static void test_key_used_before_generation_is_refused(void **state)
{
    drs_scenario *sc = *state;
    sc->recovery.registrations[0].key_generated_ns = 11 * MIN; /* registers at 10m */
    expect_only(sc, DRS_SEV_ERROR, 1, "recovery.registrations[0].at", "generated only at 11m");
}

/* ---- rule 2 ---------------------------------------------------------------------------------- */

static void add_node(drs_scenario *sc, int site, const char *name, const char *version)
{
    drs_vmm *v = &sc->sites[site].vmm;
    v->nodes = realloc(v->nodes, (v->node_count + 1) * sizeof *v->nodes);
    assert_non_null(v->nodes);
    v->nodes[v->node_count].name = scenario_fixture_strdup(name);
    v->nodes[v->node_count].provider_version = scenario_fixture_strdup(version);
    v->node_count++;
}

static void test_cluster_nodes_with_same_provider_are_fine(void **state)
{
    drs_scenario *sc = *state;
    add_node(sc, 0, "vmm-sea-2", "3.5.741");
    expect_clean(sc);
}

static void test_cluster_nodes_with_different_providers(void **state)
{
    drs_scenario *sc = *state;
    add_node(sc, 0, "vmm-sea-2", "3.5.741");
    add_node(sc, 0, "vmm-sea-3", "3.4.486");
    expect_only(sc, DRS_SEV_ERROR, 2, "sites[0].vmm.nodes[2].provider_version",
                "runs provider version \"3.4.486\", but node vmm-sea-1 runs \"3.5.741\"");
}

static void test_unregistered_cluster_still_checked(void **state)
{
    drs_scenario *sc = *state;
    add_node(sc, 1, "vmm-dub-2", "3.6.0");
    /* With no registration of vmm-dub the pair fails rule 13 too; rule 2 must still be there. */
    sc->recovery.registrations[1].site = 0;
    drs_diags d = check(sc);
    expect_diag(&d, DRS_SEV_ERROR, 2, "sites[1].vmm.nodes[1].provider_version", "same provider");
    assert_int_equal(count_rule(&d, 2), 1);
    drs_diags_clear(&d);
}

/* ---- rule 3 ---------------------------------------------------------------------------------- */

static void test_primary_cloud_in_two_pairs(void **state)
{
    drs_scenario *sc = *state;
    int other = scenario_fixture_add_cloud(sc, 1, "silver-dub");
    scenario_fixture_add_pair(sc, 0, 0, 0, 1, other, 21 * MIN);
    expect_only(sc, DRS_SEV_ERROR, 3, "recovery.cloud_pairs[1].primary",
                "cloud gold-sea is already in the cloud pair recovery.cloud_pairs[0]");
}

static void test_target_cloud_in_two_pairs(void **state)
{
    drs_scenario *sc = *state;
    int other = scenario_fixture_add_cloud(sc, 0, "silver-sea");
    scenario_fixture_add_pair(sc, 0, 0, other, 1, 0, 21 * MIN);
    expect_only(sc, DRS_SEV_ERROR, 3, "recovery.cloud_pairs[1].target",
                "cloud gold-dub is already in the cloud pair");
}

static void test_a_target_cannot_be_a_primary_elsewhere(void **state)
{
    drs_scenario *sc = *state;
    int other = scenario_fixture_add_cloud(sc, 0, "silver-sea");
    /* gold-dub -> silver-sea: gold-dub is already the target of pair 0. */
    scenario_fixture_add_pair(sc, 0, 1, 0, 0, other, 21 * MIN);
    drs_diags d = check(sc);
    expect_diag(&d, DRS_SEV_ERROR, 3, "recovery.cloud_pairs[1].primary", "at most one pair");
    assert_int_equal(count_rule(&d, 3), 1);
    drs_diags_clear(&d);
}

static void test_target_cloud_on_the_same_vmm(void **state)
{
    drs_scenario *sc = *state;
    int other = scenario_fixture_add_cloud(sc, 0, "silver-sea");
    sc->recovery.cloud_pairs[0].target_site = 0;
    sc->recovery.cloud_pairs[0].target_cloud = other;
    drs_diags d = check(sc);
    expect_diag(&d, DRS_SEV_ERROR, 3, "recovery.cloud_pairs[0].target",
                "target cloud silver-sea is managed by vmm-sea");
    assert_int_equal(count_rule(&d, 3), 1);
    drs_diags_clear(&d);
}

static void test_target_cloud_not_found(void **state)
{
    drs_scenario *sc = *state;
    sc->recovery.cloud_pairs[0].target_site = -1;
    sc->recovery.cloud_pairs[0].target_cloud = -1;
    drs_diags d = check(sc);
    expect_diag(&d, DRS_SEV_ERROR, 3, "recovery.cloud_pairs[0].target", "not a cloud of any site");
    drs_diags_clear(&d);
}

/* ---- rule 4 ---------------------------------------------------------------------------------- */

static void test_copy_frequency_values(void **state)
{
    (void)state;
    assert_true(rules_copy_frequency_allowed(30 * DRS_NS_PER_S));
    assert_true(rules_copy_frequency_allowed(5 * MIN));
    assert_true(rules_copy_frequency_allowed(15 * MIN));
    assert_false(rules_copy_frequency_allowed(10 * MIN));
    assert_false(rules_copy_frequency_allowed(0));
    /* 2012 replicates every 5 minutes whatever is asked; 2012 R2 follows the setting. */
    assert_int_equal(rules_copy_frequency_effective(30 * DRS_NS_PER_S, DRS_OS_2012), 5 * MIN);
    assert_int_equal(rules_copy_frequency_effective(15 * MIN, DRS_OS_2012), 5 * MIN);
    assert_int_equal(rules_copy_frequency_effective(30 * DRS_NS_PER_S, DRS_OS_2012R2),
                     30 * DRS_NS_PER_S);
    assert_int_equal(rules_copy_frequency_effective(15 * MIN, DRS_OS_2012R2), 15 * MIN);
}

static void test_copy_frequency_not_offered(void **state)
{
    drs_scenario *sc = *state;
    settings(sc)->copy_frequency_ns = 10 * MIN;
    expect_only(sc, DRS_SEV_ERROR, 4, "recovery.cloud_pairs[0].settings.copy_frequency",
                "copy frequency 10m is not offered: expected 30s, 5m or 15m");
}

static void test_copy_frequency_on_2012_host_warns_and_uses_5m(void **state)
{
    drs_scenario *sc = *state;
    sc->sites[0].hosts[0].os = DRS_OS_2012;
    settings(sc)->copy_frequency_ns = 30 * DRS_NS_PER_S;
    expect_only(sc, DRS_SEV_WARNING, 4, "recovery.cloud_pairs[0].settings.copy_frequency",
                "(hv-sea-1), which replicate every 5m instead");
    assert_int_equal(
        rules_copy_frequency_effective(settings(sc)->copy_frequency_ns, sc->sites[0].hosts[0].os),
        5 * MIN);
}

static void test_copy_frequency_5m_on_2012_is_silent(void **state)
{
    drs_scenario *sc = *state;
    sc->sites[0].hosts[0].os = DRS_OS_2012;
    expect_clean(sc);
}

static void test_copy_frequency_warns_for_a_mixed_cloud(void **state)
{
    drs_scenario *sc = *state;
    scenario_fixture_add_host(sc, 0, "hv-sea-old", DRS_OS_2012, 0);
    settings(sc)->copy_frequency_ns = 15 * MIN;
    expect_only(sc, DRS_SEV_WARNING, 4, "recovery.cloud_pairs[0].settings.copy_frequency",
                "1 Windows Server 2012 host(s) (hv-sea-old)");
}

/* Rule 4 at both ends: the setting applies only when the primary and the replica host run 2012 R2. */
static void test_copy_frequency_between_two_hosts(void **state)
{
    drs_scenario *sc = *state;
    int old_dub = scenario_fixture_add_host(sc, 1, "hv-dub-old", DRS_OS_2012, 0);
    int old_sea = scenario_fixture_add_host(sc, 0, "hv-sea-old", DRS_OS_2012, 0);
    const int64_t f = 30 * DRS_NS_PER_S;
    /* 2012 R2 to 2012 R2: the setting. */
    assert_int_equal(rules_copy_frequency_between(sc, f, 0, 0, 1, 0), f);
    /* A 2012 replica host limits a 2012 R2 primary to 5 minutes, and the other way round. */
    assert_int_equal(rules_copy_frequency_between(sc, f, 0, 0, 1, old_dub), 5 * MIN);
    assert_int_equal(rules_copy_frequency_between(sc, f, 0, old_sea, 1, 0), 5 * MIN);
    /* Reverse replication: the recovery-site host is the primary now; the same rule. */
    assert_int_equal(rules_copy_frequency_between(sc, f, 1, old_dub, 0, 0), 5 * MIN);
    assert_int_equal(rules_copy_frequency_between(sc, 15 * MIN, 1, 0, 0, 0), 15 * MIN);
    /* A replica host not yet known (-1) limits nothing. */
    assert_int_equal(rules_copy_frequency_between(sc, f, 0, 0, 1, -1), f);
}

static void test_copy_frequency_warns_for_a_2012_target_cloud(void **state)
{
    drs_scenario *sc = *state;
    sc->sites[1].hosts[0].os = DRS_OS_2012;
    settings(sc)->copy_frequency_ns = 30 * DRS_NS_PER_S;
    drs_diags d = check(sc);
    expect_diag(&d, DRS_SEV_WARNING, 4, "recovery.cloud_pairs[0].settings.copy_frequency",
                "target cloud gold-dub has 1 Windows Server 2012 host(s) (hv-dub-1): VMs whose "
                "replica is placed there replicate every 5m instead");
    /* The primary cloud runs 2012 R2 only: no warning about it. */
    for (size_t i = 0; i < d.count; i++)
        assert_null(strstr(d.items[i].err.message, "cloud gold-sea has"));
    assert_int_equal(count_rule(&d, 4), 1);
    drs_diags_clear(&d);
    /* 5 minutes, the 2012 interval, needs no warning. */
    settings(sc)->copy_frequency_ns = 5 * MIN;
    d = check(sc);
    assert_int_equal(count_rule(&d, 4), 0);
    drs_diags_clear(&d);
}

/* ---- rule 5 ---------------------------------------------------------------------------------- */

static void set_points(drs_scenario *sc, int points)
{
    settings(sc)->additional_recovery_points = points;
    sc->vms[0].vmm_recovery_points = sc->vms[1].vmm_recovery_points = points;
}

static void test_recovery_points_limit_2012r2_is_24(void **state)
{
    drs_scenario *sc = *state;
    assert_int_equal(rules_recovery_points_max(DRS_OS_2012R2), 24);
    set_points(sc, 24);
    expect_clean(sc);
    set_points(sc, 25);
    expect_only(sc, DRS_SEV_ERROR, 5, "recovery.cloud_pairs[0].settings.additional_recovery_points",
                "25 additional recovery points requested: expected 0 to 24");
}

static void test_recovery_points_limit_2012_is_15(void **state)
{
    drs_scenario *sc = *state;
    assert_int_equal(rules_recovery_points_max(DRS_OS_2012), 15);
    sc->sites[1].hosts[0].os = DRS_OS_2012; /* the replica host keeps the points */
    set_points(sc, 15);
    expect_clean(sc);
    set_points(sc, 16);
    expect_only(sc, DRS_SEV_ERROR, 5, "recovery.cloud_pairs[0].settings.additional_recovery_points",
                "expected 0 to 15");
}

static void test_negative_recovery_points(void **state)
{
    drs_scenario *sc = *state;
    settings(sc)->additional_recovery_points = -1;
    settings(sc)->app_consistent_frequency_ns = 0;
    expect_only(sc, DRS_SEV_ERROR, 5, "recovery.cloud_pairs[0].settings.additional_recovery_points",
                "expected 0 to 24");
}

static void test_vmm_console_points_below_cloud(void **state)
{
    drs_scenario *sc = *state;
    sc->vms[1].vmm_recovery_points = 3; /* the cloud keeps 4 */
    expect_only(sc, DRS_SEV_ERROR, 5, "vms[1].vmm_recovery_points",
                "VM web-01 has 3 recovery points in the VMM console, fewer than the 4");
    sc->vms[1].vmm_recovery_points = -1; /* not given: nothing to compare */
    expect_clean(sc);
}

/* ---- rule 6 ---------------------------------------------------------------------------------- */

static void test_app_consistent_not_less_than_points(void **state)
{
    drs_scenario *sc = *state;
    settings(sc)->app_consistent_frequency_ns = 3 * HOUR; /* 3 < 4 points */
    expect_clean(sc);
    settings(sc)->app_consistent_frequency_ns = 4 * HOUR; /* 4 is not less than 4 */
    expect_only(sc, DRS_SEV_ERROR, 6, "recovery.cloud_pairs[0].settings.app_consistent_frequency",
                "every 4h with 4 additional recovery points");
}

static void test_app_consistent_range(void **state)
{
    drs_scenario *sc = *state;
    set_points(sc, 24);
    settings(sc)->app_consistent_frequency_ns = 12 * HOUR;
    expect_clean(sc);
    settings(sc)->app_consistent_frequency_ns = 13 * HOUR;
    expect_only(sc, DRS_SEV_ERROR, 6, "recovery.cloud_pairs[0].settings.app_consistent_frequency",
                "frequency 13h: expected a whole number of hours from 1h to 12h");
    settings(sc)->app_consistent_frequency_ns = 90 * MIN;
    expect_only(sc, DRS_SEV_ERROR, 6, "recovery.cloud_pairs[0].settings.app_consistent_frequency",
                "frequency 1h30m");
}

static void test_app_consistent_off_needs_no_points(void **state)
{
    drs_scenario *sc = *state;
    set_points(sc, 0);
    settings(sc)->app_consistent_frequency_ns = 0;
    expect_clean(sc);
    settings(sc)->app_consistent_frequency_ns = HOUR; /* 1 is not less than 0 */
    expect_only(sc, DRS_SEV_ERROR, 6, "recovery.cloud_pairs[0].settings.app_consistent_frequency",
                "less than the number of additional recovery points");
}

/* ---- rule 7 ---------------------------------------------------------------------------------- */

static void test_kerberos_needs_it_on_both_sites(void **state)
{
    drs_scenario *sc = *state;
    settings(sc)->authentication = DRS_AUTH_KERBEROS;
    settings(sc)->port = 8083;
    sc->sites[1].kerberos = true;
    expect_only(sc, DRS_SEV_ERROR, 7, "recovery.cloud_pairs[0].settings.authentication",
                "site seattle has none (kerberos: false): expected \"https\"");
    sc->sites[0].kerberos = true;
    expect_clean(sc);
}

static void test_authentication_on_2012_hosts_warns(void **state)
{
    drs_scenario *sc = *state;
    sc->sites[0].kerberos = sc->sites[1].kerberos = true;
    sc->sites[0].hosts[0].os = DRS_OS_2012;
    settings(sc)->authentication = DRS_AUTH_KERBEROS;
    settings(sc)->port = 8083;
    expect_only(sc, DRS_SEV_WARNING, 7, "recovery.cloud_pairs[0].settings.authentication",
                "hv-sea-1 run(s) Windows Server 2012");
}

static void test_port_on_2012_hosts_warns(void **state)
{
    drs_scenario *sc = *state;
    sc->sites[1].hosts[0].os = DRS_OS_2012;
    settings(sc)->port = 9000;
    expect_only(sc, DRS_SEV_WARNING, 7, "recovery.cloud_pairs[0].settings.port",
                "port 9000 has no effect");
}

/* ---- rule 8 ---------------------------------------------------------------------------------- */

static void test_port_range(void **state)
{
    drs_scenario *sc = *state;
    assert_true(rules_port_valid(1));
    assert_true(rules_port_valid(65535));
    assert_false(rules_port_valid(0));
    assert_false(rules_port_valid(65536));
    assert_int_equal(rules_port_default(DRS_AUTH_KERBEROS), 8083);
    assert_int_equal(rules_port_default(DRS_AUTH_HTTPS), 8084);
    settings(sc)->port = 65535;
    expect_clean(sc);
    settings(sc)->port = 0;
    expect_only(sc, DRS_SEV_ERROR, 8, "recovery.cloud_pairs[0].settings.port",
                "replication port 0: expected a port from 1 to 65535");
    settings(sc)->port = 65536;
    expect_only(sc, DRS_SEV_ERROR, 8, "recovery.cloud_pairs[0].settings.port",
                "replication port 65536");
}

static void test_port_in_use_on_a_primary_host(void **state)
{
    drs_scenario *sc = *state;
    scenario_fixture_add_port(sc, 0, 0, 8084);
    expect_only(sc, DRS_SEV_ERROR, 8, "recovery.cloud_pairs[0].settings.port",
                "port 8084 is already in use on host hv-sea-1 of cloud gold-sea");
    /* 443 is in use on the hosts of both clouds: one problem for each. */
    settings(sc)->port = 443;
    drs_diags d = check(sc);
    assert_int_equal(d.count, 2);
    expect_diag(&d, DRS_SEV_ERROR, 8, "recovery.cloud_pairs[0].settings.port", "hv-dub-1");
    drs_diags_clear(&d);
}

static void test_port_in_use_on_a_replica_host(void **state)
{
    drs_scenario *sc = *state;
    scenario_fixture_add_port(sc, 1, 0, 8084);
    expect_only(sc, DRS_SEV_ERROR, 8, "recovery.cloud_pairs[0].settings.port",
                "in use on host hv-dub-1 of cloud gold-dub");
}

static void test_port_in_use_outside_the_clouds_is_fine(void **state)
{
    drs_scenario *sc = *state;
    int h = scenario_fixture_add_host(sc, 0, "hv-sea-lab", DRS_OS_2012R2, -1);
    scenario_fixture_add_port(sc, 0, h, 8084);
    expect_clean(sc);
}

/* ---- rule 9 ---------------------------------------------------------------------------------- */

static void go_offline(drs_scenario *sc, const char *exp, const char *imp)
{
    drs_initial_replication *ir = &settings(sc)->initial_replication;
    ir->method = DRS_IR_OFFLINE;
    free(ir->export_location);
    free(ir->import_location);
    ir->export_location = scenario_fixture_strdup(exp);
    ir->import_location = scenario_fixture_strdup(imp);
    ir->shipping_time_ns = 2 * DAY;
}

static void test_location_server_name(void **state)
{
    (void)state;
    char server[16];
    assert_true(rules_location_server("fs-sea:\\\\fs-sea\\export", server, sizeof server));
    assert_string_equal(server, "fs-sea");
    assert_false(rules_location_server("\\\\fs-sea\\export", server, sizeof server));
    assert_false(rules_location_server(":\\\\fs-sea", server, sizeof server));
    assert_false(rules_location_server(NULL, server, sizeof server));
    assert_false(rules_location_server("a-very-long-server-name:x", server, sizeof server));
}

static void test_offline_on_file_servers_is_fine(void **state)
{
    drs_scenario *sc = *state;
    go_offline(sc, "fs-sea:\\\\fs-sea\\export", "fs-dub:\\\\fs-dub\\import");
    expect_clean(sc);
}

static void test_offline_export_on_a_hyperv_host(void **state)
{
    drs_scenario *sc = *state;
    go_offline(sc, "hv-sea-1:\\\\hv-sea-1\\export", "fs-dub:\\\\fs-dub\\import");
    expect_only(sc, DRS_SEV_ERROR, 9, "recovery.cloud_pairs[0].settings.initial_replication.export",
                "is on Hyper-V host hv-sea-1 of site seattle");
}

static void test_offline_export_on_the_target_site(void **state)
{
    drs_scenario *sc = *state;
    go_offline(sc, "fs-dub:\\\\fs-dub\\export", "fs-dub:\\\\fs-dub\\import");
    expect_only(sc, DRS_SEV_ERROR, 9, "recovery.cloud_pairs[0].settings.initial_replication.export",
                "file server fs-dub of site dublin: expected a file server of the source site "
                "seattle");
}

static void test_offline_import_on_the_source_site(void **state)
{
    drs_scenario *sc = *state;
    go_offline(sc, "fs-sea:\\\\fs-sea\\export", "fs-sea:\\\\fs-sea\\import");
    expect_only(sc, DRS_SEV_ERROR, 9, "recovery.cloud_pairs[0].settings.initial_replication.import",
                "expected a file server of the target site dublin");
}

static void test_offline_location_missing_or_unknown(void **state)
{
    drs_scenario *sc = *state;
    go_offline(sc, "fs-sea:\\\\fs-sea\\export", NULL);
    expect_only(sc, DRS_SEV_ERROR, 9, "recovery.cloud_pairs[0].settings.initial_replication.import",
                "expected \"server:path\"");
    go_offline(sc, "nas-9:\\\\nas-9\\export", "fs-dub:\\\\fs-dub\\import");
    expect_only(sc, DRS_SEV_ERROR, 9, "recovery.cloud_pairs[0].settings.initial_replication.export",
                "names nas-9, which is no file server of any site");
}

/* ---- rule 10 --------------------------------------------------------------------------------- */

static drs_action *pair_action(drs_scenario *sc, int64_t at, drs_action_do what, int target_cloud)
{
    drs_action *a = scenario_fixture_add_action(sc, at, what);
    a->primary_site = 0;
    a->primary_cloud = 0;
    if (what == DRS_DO_PAIR_MODIFY) {
        a->target_site = 1;
        a->target_cloud = target_cloud;
    }
    return a;
}

static void test_modify_without_remove_is_refused(void **state)
{
    drs_scenario *sc = *state;
    int silver = scenario_fixture_add_cloud(sc, 1, "silver-dub");
    pair_action(sc, 2 * HOUR, DRS_DO_PAIR_MODIFY, silver);
    expect_only(sc, DRS_SEV_ERROR, 10, "timeline[0]",
                "changes the target of cloud gold-sea from gold-dub to silver-dub without "
                "removing the pair first");
}

static void test_remove_then_modify_is_fine(void **state)
{
    drs_scenario *sc = *state;
    int silver = scenario_fixture_add_cloud(sc, 1, "silver-dub");
    pair_action(sc, HOUR, DRS_DO_PAIR_REMOVE, -1);
    pair_action(sc, 2 * HOUR, DRS_DO_PAIR_MODIFY, silver);
    expect_clean(sc);

    /* The state now pairs gold-sea with silver-dub. */
    rules_state *st = rules_state_new(sc, false);
    assert_non_null(st);
    drs_diags d = {0};
    assert_true(rules_state_register(st, 0, &d));
    assert_true(rules_state_register(st, 1, &d));
    assert_true(rules_state_pair_configure(st, 0, &d));
    assert_true(rules_state_pair_remove(st, 0, &d));
    assert_int_equal(rules_state_pair_of(st, 0, 0), -1);
    assert_true(rules_state_pair_modify(st, 1, &d));
    assert_int_equal(rules_state_pair_of(st, 0, 0), 0);
    drs_cloud_pair now;
    assert_true(rules_state_pair_current(st, 0, &now));
    assert_int_equal(now.target_site, 1);
    assert_int_equal(now.target_cloud, silver);
    assert_int_equal(d.count, 0);
    rules_state_free(st);
}

static void test_modify_after_remove_and_modify_needs_another_remove(void **state)
{
    drs_scenario *sc = *state;
    int silver = scenario_fixture_add_cloud(sc, 1, "silver-dub");
    pair_action(sc, HOUR, DRS_DO_PAIR_REMOVE, -1);
    pair_action(sc, 2 * HOUR, DRS_DO_PAIR_MODIFY, silver);
    pair_action(sc, 3 * HOUR, DRS_DO_PAIR_MODIFY, 0);
    expect_only(sc, DRS_SEV_ERROR, 10, "timeline[2]", "from silver-dub to gold-dub");
}

static void test_remove_of_an_unpaired_cloud(void **state)
{
    drs_scenario *sc = *state;
    pair_action(sc, 10 * MIN, DRS_DO_PAIR_REMOVE, -1); /* the pair comes only at 20m */
    expect_only(sc, DRS_SEV_ERROR, 10, "timeline[0]",
                "cloud gold-sea is not the primary of a configured cloud pair then");
}

static void test_modify_to_the_same_vmm_after_remove(void **state)
{
    drs_scenario *sc = *state;
    int silver = scenario_fixture_add_cloud(sc, 0, "silver-sea");
    pair_action(sc, HOUR, DRS_DO_PAIR_REMOVE, -1);
    drs_action *a = pair_action(sc, 2 * HOUR, DRS_DO_PAIR_MODIFY, silver);
    a->target_site = 0;
    drs_diags d = check(sc);
    expect_diag(&d, DRS_SEV_ERROR, 3, "recovery.cloud_pairs[0].target", "other VMM server");
    assert_int_equal(count_rule(&d, 10), 0);
    drs_diags_clear(&d);
}

static void test_modify_before_any_pair(void **state)
{
    drs_scenario *sc = *state;
    pair_action(sc, 10 * MIN, DRS_DO_PAIR_MODIFY, 0); /* the pair comes only at 20m */
    expect_only(sc, DRS_SEV_ERROR, 10, "timeline[0]",
                "cloud gold-sea is not the primary of any cloud pair configured by then");
}

/* ---- rule 11 --------------------------------------------------------------------------------- */

static void test_network_mapping_from_the_target_side(void **state)
{
    drs_scenario *sc = *state;
    sc->recovery.network_mappings[0] = (drs_mapping){1, 0, 0, 0, 25 * MIN};
    drs_diags d = check(sc);
    expect_diag(&d, DRS_SEV_ERROR, 11, "recovery.network_mappings[0].source",
                "network corp-dub belongs to vmm-dub, which manages no primary cloud");
    /* And the VMs' network is now unmapped: a warning each. */
    expect_diag(&d, DRS_SEV_WARNING, 11, "vms[0].networks[0]", "without a network connection");
    expect_diag(&d, DRS_SEV_WARNING, 11, "vms[1].networks[0]", "network corp-sea of VM web-01");
    assert_int_equal(d.count, 3);
    drs_diags_clear(&d);
}

static void test_network_mapping_to_the_same_vmm(void **state)
{
    drs_scenario *sc = *state;
    sc->recovery.network_mappings[0].target_site = 0;
    drs_diags d = check(sc);
    expect_diag(&d, DRS_SEV_ERROR, 11, "recovery.network_mappings[0].target",
                "is mapped to network corp-sea of vmm-sea: expected a network of the target VMM");
    drs_diags_clear(&d);
}

static void test_unmapped_network_warns(void **state)
{
    drs_scenario *sc = *state;
    sc->recovery.network_mapping_count = 0;
    drs_diags d = check(sc);
    expect_diag(&d, DRS_SEV_WARNING, 11, "vms[0].networks[0]",
                "network corp-sea of VM sql-01 has no mapping to a network of vmm-dub when "
                "protection is enabled at 30m");
    assert_int_equal(d.count, 2);
    assert_int_equal(drs_diags_errors(&d), 0);
    drs_diags_clear(&d);
}

static void test_network_mapped_after_protection_warns(void **state)
{
    drs_scenario *sc = *state;
    sc->recovery.network_mappings[0].at_ns = 40 * MIN;
    drs_diags d = check(sc);
    assert_int_equal(count_rule(&d, 11), 2);
    expect_diag(&d, DRS_SEV_WARNING, 11, "vms[1].networks[0]", "at 30m");
    drs_diags_clear(&d);
}

/* ---- rule 12 --------------------------------------------------------------------------------- */

static void test_storage_mapping_from_the_target_side(void **state)
{
    drs_scenario *sc = *state;
    sc->recovery.storage_mappings[0] = (drs_mapping){1, 0, 0, 0, 25 * MIN};
    drs_diags d = check(sc);
    expect_diag(&d, DRS_SEV_ERROR, 12, "recovery.storage_mappings[0].source",
                "storage classification dub-fast belongs to vmm-dub");
    assert_int_equal(drs_diags_errors(&d), 1);
    drs_diags_clear(&d);
}

static void test_unmapped_storage_goes_to_default_location(void **state)
{
    drs_scenario *sc = *state;
    sc->recovery.storage_mapping_count = 0;
    drs_diags d = check(sc);
    expect_diag(&d, DRS_SEV_WARNING, 12, "vms[0].disks[0]",
                "disk os of VM sql-01 is on classification sea-fast, which has no storage mapping");
    expect_diag(&d, DRS_SEV_WARNING, 12, "vms[1].disks[0]", "default location of the target host");
    assert_int_equal(d.count, 2);
    drs_diags_clear(&d);
}

/* Adds a network and a classification to dublin (index 1 of each) and maps corp-sea / sea-fast a
 * second time, to them, at 26m (after the fixture's mappings at 25m). */
static void map_twice(drs_scenario *sc)
{
    drs_site *dub = &sc->sites[1];
    dub->networks = realloc(dub->networks, 2 * sizeof *dub->networks);
    dub->networks[1] = (drs_network){scenario_fixture_strdup("lab-dub"), NULL, 0};
    dub->network_count = 2;
    dub->storage = realloc(dub->storage, 2 * sizeof *dub->storage);
    dub->storage[1] = dub->storage[0];
    dub->storage[1].classification = scenario_fixture_strdup("dub-slow");
    dub->storage_count = 2;
    drs_recovery *r = &sc->recovery;
    r->network_mappings = realloc(r->network_mappings, 2 * sizeof *r->network_mappings);
    r->network_mappings[1] = (drs_mapping){0, 0, 1, 1, 26 * MIN};
    r->network_mapping_count = 2;
    r->storage_mappings = realloc(r->storage_mappings, 2 * sizeof *r->storage_mappings);
    r->storage_mappings[1] = (drs_mapping){0, 0, 1, 1, 26 * MIN};
    r->storage_mapping_count = 2;
}

static void test_a_network_mapped_to_two_targets(void **state)
{
    drs_scenario *sc = *state;
    map_twice(sc);
    sc->recovery.storage_mapping_count = 1; /* only the network is mapped twice */
    expect_only(sc, DRS_SEV_ERROR, 11, "recovery.network_mappings[1].target",
                "network corp-sea is already mapped to corp-dub of vmm-dub by "
                "recovery.network_mappings[0]");
    /* Made earlier, the second entry is the first mapping: the fixture's is the one refused. */
    sc->recovery.network_mappings[1].at_ns = 24 * MIN;
    expect_only(sc, DRS_SEV_ERROR, 11, "recovery.network_mappings[0].target",
                "already mapped to lab-dub of vmm-dub by recovery.network_mappings[1]");
    /* The same target twice is no conflict; two sources on one target neither. */
    sc->recovery.network_mappings[1].target = 0;
    expect_clean(sc);
}

static void test_a_classification_mapped_to_two_targets(void **state)
{
    drs_scenario *sc = *state;
    map_twice(sc);
    sc->recovery.network_mapping_count = 1;
    expect_only(sc, DRS_SEV_ERROR, 12, "recovery.storage_mappings[1].target",
                "storage classification sea-fast is already mapped to dub-fast of vmm-dub by "
                "recovery.storage_mappings[0]");
}

static void test_mapping_conflict_at_the_same_time_refuses_the_later_entry(void **state)
{
    drs_scenario *sc = *state;
    map_twice(sc);
    sc->recovery.network_mappings[1].at_ns = 25 * MIN;
    sc->recovery.storage_mapping_count = 1;
    expect_only(sc, DRS_SEV_ERROR, 11, "recovery.network_mappings[1].target", "corp-sea");
}

/* ---- recovery plan limits -------------------------------------------------------------------- */

/* Gives the fixture's plan `groups` groups holding `vms` VM entries in all (spread round robin; a
 * VM index may repeat: the limits count entries, and repeats are the loader's business). */
static void plan_shape(drs_scenario *sc, size_t groups, size_t vms)
{
    drs_recovery_plan *p = &sc->recovery.plans[0];
    for (size_t g = 0; g < p->group_count; g++) {
        drs_plan_group *grp = &p->groups[g];
        free(grp->vms);
        for (size_t k = 0; k < grp->before_count; k++)
            free(grp->before[k].text);
        for (size_t k = 0; k < grp->after_count; k++)
            free(grp->after[k].text);
        free(grp->before);
        free(grp->after);
    }
    p->groups = realloc(p->groups, groups * sizeof *p->groups);
    memset(p->groups, 0, groups * sizeof *p->groups);
    p->group_count = groups;
    for (size_t g = 0; g < groups; g++) {
        size_t n = vms / groups + (g < vms % groups);
        p->groups[g].vms = calloc(n ? n : 1, sizeof(int));
        p->groups[g].vm_count = n;
        for (size_t k = 0; k < n; k++)
            p->groups[g].vms[k] = (int)(k % 2);
    }
}

static void test_plan_limits_are_7_groups_and_100_vms(void **state)
{
    drs_scenario *sc = *state;
    plan_shape(sc, 7, 100); /* both at the limit */
    expect_clean(sc);
    plan_shape(sc, 8, 8);
    expect_only(sc, DRS_SEV_ERROR, 0, "recovery.recovery_plans[0].groups",
                "recovery plan erp has 8 groups: a recovery plan holds at most 7");
    /* 101 entries in 7 groups: three of 15 and four of 14, so 87 precede the seventh group and
     * its entries 0..12 make 100; the 101st is its entry 13. */
    plan_shape(sc, 7, 101);
    expect_only(sc, DRS_SEV_ERROR, 0, "recovery.recovery_plans[0].groups[6].vms[13]",
                "recovery plan erp has 101 VMs: a recovery plan holds at most 100");
}

static void test_disk_on_named_unmapped_classification(void **state)
{
    drs_scenario *sc = *state;
    drs_site *s = &sc->sites[0];
    s->storage = realloc(s->storage, 2 * sizeof *s->storage);
    assert_non_null(s->storage);
    s->storage[1] = (drs_storage){scenario_fixture_strdup("sea-slow"), UINT64_C(1) << 40, 1e8, 1e8};
    s->storage_count = 2;
    sc->vms[1].disks[0].storage = scenario_fixture_strdup("sea-slow");
    expect_only(sc, DRS_SEV_WARNING, 12, "vms[1].disks[0]", "classification sea-slow");
}

/* ---- rule 13 --------------------------------------------------------------------------------- */

static void test_protect_before_the_pair(void **state)
{
    drs_scenario *sc = *state;
    sc->recovery.protect[1].at_ns = 15 * MIN; /* the pair comes at 20m */
    expect_only(sc, DRS_SEV_ERROR, 13, "recovery.protect[1]",
                "cloud gold-sea is not configured for protection then (its cloud pair is "
                "configured only at 20m)");
}

static void test_pair_before_target_registered(void **state)
{
    drs_scenario *sc = *state;
    sc->recovery.registrations[1].at_ns = 22 * MIN; /* the pair comes at 20m */
    expect_only(sc, DRS_SEV_ERROR, 13, "recovery.cloud_pairs[0].target",
                "its VMM server vmm-dub is not registered in the vault by then");
}

static void test_protect_before_vmm_registered(void **state)
{
    drs_scenario *sc = *state;
    sc->recovery.registrations[0].at_ns = 35 * MIN;
    drs_diags d = check(sc);
    expect_diag(&d, DRS_SEV_ERROR, 13, "recovery.cloud_pairs[0].primary", "vmm-sea");
    expect_diag(&d, DRS_SEV_ERROR, 13, "recovery.protect[0]",
                "VMM server vmm-sea is not registered in the vault by then");
    assert_int_equal(d.count, 3);
    drs_diags_clear(&d);
}

static void test_vm_on_a_host_outside_clouds(void **state)
{
    drs_scenario *sc = *state;
    int h = scenario_fixture_add_host(sc, 0, "hv-sea-lab", DRS_OS_2012R2, -1);
    sc->vms[0].host = h;
    expect_only(sc, DRS_SEV_ERROR, 13, "recovery.protect[0]",
                "VM sql-01 runs on host hv-sea-lab, which is in no cloud");
}

static void test_vm_in_a_target_cloud(void **state)
{
    drs_scenario *sc = *state;
    sc->vms[0].site = 1;
    sc->vms[0].networks[0] = 0;
    expect_only(sc, DRS_SEV_ERROR, 13, "recovery.protect[0]",
                "it is the target cloud of a pair, not a primary");
}

static void test_timeline_protect_after_pair_removed(void **state)
{
    drs_scenario *sc = *state;
    pair_action(sc, HOUR, DRS_DO_PAIR_REMOVE, -1);
    drs_action *a = scenario_fixture_add_action(sc, 2 * HOUR, DRS_DO_PROTECT);
    a->vm = 1;
    expect_only(sc, DRS_SEV_ERROR, 13, "timeline[1]", "its cloud pair was removed");
}

static void test_timeline_protect_later_is_fine(void **state)
{
    drs_scenario *sc = *state;
    sc->recovery.protect_count = 1;
    drs_action *a = scenario_fixture_add_action(sc, 2 * HOUR, DRS_DO_PROTECT);
    a->vm = 1;
    expect_clean(sc);
}

static void test_primary_without_cloud_sync_warns(void **state)
{
    drs_scenario *sc = *state;
    sc->recovery.registrations[1].sync_all_clouds = false; /* target side: nothing to say */
    expect_clean(sc);
    sc->recovery.registrations[0].sync_all_clouds = false;
    expect_only(sc, DRS_SEV_WARNING, 13, "recovery.cloud_pairs[0].primary", "drsim assumes it was");
}

static void test_existing_replica_settings_differ(void **state)
{
    drs_scenario *sc = *state;
    drs_existing_replica *e = &sc->vms[0].existing_replica;
    e->present = true;
    e->host = scenario_fixture_strdup("hv-dub-1");
    e->copy_frequency_ns = 5 * MIN;
    e->additional_recovery_points = 4;
    e->app_consistent_frequency_ns = 2 * HOUR;
    e->compression = 1;
    expect_clean(sc);
    e->copy_frequency_ns = 15 * MIN;
    expect_only(sc, DRS_SEV_WARNING, 13, "vms[0].existing_replica.settings.copy_frequency",
                "copies every 15m, cloud gold-sea every 5m");
    e->copy_frequency_ns = 5 * MIN;
    e->compression = 0;
    expect_only(sc, DRS_SEV_WARNING, 13, "vms[0].existing_replica.settings.compression",
                "compression off, cloud gold-sea has it on");
    e->compression = -1;
    e->additional_recovery_points = 8;
    expect_only(sc, DRS_SEV_WARNING, 13,
                "vms[0].existing_replica.settings.additional_recovery_points", "keeps 8");
}

/* ---- single steps, as the engine calls them -------------------------------------------------- */

static void test_pair_settings_check_reports_every_problem(void **state)
{
    drs_scenario *sc = *state;
    drs_diags d = {0};
    assert_true(rules_pair_settings_check(sc, 0, "recovery.cloud_pairs[0]", &d));
    assert_int_equal(d.count, 0);
    settings(sc)->copy_frequency_ns = 10 * MIN;
    settings(sc)->port = 0;
    assert_false(rules_pair_settings_check(sc, 0, "recovery.cloud_pairs[0]", &d));
    assert_int_equal(d.count, 2);
    expect_diag(&d, DRS_SEV_ERROR, 4, "recovery.cloud_pairs[0].settings.copy_frequency", "10m");
    expect_diag(&d, DRS_SEV_ERROR, 8, "recovery.cloud_pairs[0].settings.port", "port 0");
    drs_diags_clear(&d);
}

static void test_vm_check_with_a_changed_target(void **state)
{
    drs_scenario *sc = *state;
    /* The same VM against a pair retargeted to a new Dublin cloud: the mapping still targets
     * dublin, so nothing changes; against a (hypothetical) third site it would be unmapped. */
    drs_cloud_pair p = sc->recovery.cloud_pairs[0];
    drs_diags d = {0};
    assert_true(rules_vm_protection_check(sc, 0, &p, 30 * MIN, &d));
    assert_int_equal(d.count, 0);
    p.target_site = 2;
    assert_true(rules_vm_protection_check(sc, 0, &p, 30 * MIN, &d));
    assert_int_equal(d.count, 2); /* network (rule 11) and disk (rule 12) warnings */
    assert_int_equal(drs_diags_errors(&d), 0);
    /* Before the mappings were made (25m) both warn as well. */
    p.target_site = 1;
    assert_true(rules_vm_protection_check(sc, 0, &p, 24 * MIN, &d));
    assert_int_equal(d.count, 4);
    drs_diags_clear(&d);
}

/* ---- through the loader: the example of the scenario format ---------------------------------- */

/* The documented two-site example, with offline initial replication and one pair.modify that was
 * not preceded by a pair.remove. The loader resolves names; the rules must find exactly that one
 * problem. */
static const char example_json[] =
    "{ \"drsim\": 1, \"name\": \"two-site-basic\", \"seed\": 42, \"duration\": \"3d\", "
    "\"sample_interval\": \"1m\", \"sites\": [ { \"name\": \"seattle\", \"vmm\": { \"name\": "
    "\"vmm-sea\", \"nodes\": [ { \"name\": \"vmm-sea-1\", \"provider_version\": \"3.5.741\" } ], "
    "\"internet\": true }, \"kerberos\": false, \"clouds\": [ \"gold-sea\" ], \"hosts\": [ { "
    "\"name\": \"hv-sea-1\", \"os\": \"2012R2\", \"cloud\": \"gold-sea\", \"storage\": "
    "\"sea-fast\", "
    "\"ports_in_use\": [ 443 ] } ], \"networks\": [ { \"name\": \"corp-sea\", \"subnets\": [ "
    "\"10.1.0.0/16\" ] } ], \"storage\": [ { \"classification\": \"sea-fast\", \"capacity\": "
    "\"20TiB\", \"read_rate\": \"1GB/s\", \"write_rate\": \"800MB/s\" } ], \"file_servers\": [ "
    "\"fs-sea\" ] }, { \"name\": \"dublin\", \"vmm\": { \"name\": \"vmm-dub\", \"nodes\": [ { "
    "\"name\": \"vmm-dub-1\", \"provider_version\": \"3.5.741\" } ], \"internet\": true }, "
    "\"kerberos\": false, \"clouds\": [ \"gold-dub\" ], \"hosts\": [ { \"name\": \"hv-dub-1\", "
    "\"os\": \"2012R2\", \"cloud\": \"gold-dub\", \"storage\": \"dub-fast\" } ], \"networks\": [ { "
    "\"name\": \"corp-dub\", \"subnets\": [ \"10.2.0.0/16\" ] } ], \"storage\": [ { "
    "\"classification\": \"dub-fast\", \"capacity\": \"20TiB\", \"read_rate\": \"1GB/s\", "
    "\"write_rate\": \"800MB/s\" } ], \"file_servers\": [ \"fs-dub\" ] } ], \"links\": [ { "
    "\"name\": \"wan\", \"between\": [ \"seattle\", \"dublin\" ], \"bandwidth\": \"200Mbps\", "
    "\"latency\": \"40ms\" } ], \"workloads\": [ { \"name\": \"oltp\", \"kind\": \"steady\", "
    "\"write_rate\": \"2MB/s\", \"write_size\": \"64KiB\", \"compressibility\": 0.6 } ], \"vms\": "
    "[ { \"name\": \"sql-01\", \"host\": \"hv-sea-1\", \"networks\": [ \"corp-sea\" ], "
    "\"boot_time\": \"90s\", \"vmm_recovery_points\": 4, \"disks\": [ { \"name\": \"data\", "
    "\"size\": \"100GiB\", \"used\": \"60GiB\", \"workload\": \"oltp\", \"storage\": \"sea-fast\" "
    "} ] "
    "} ], \"recovery\": { \"vault\": { \"name\": \"contoso-dr\", \"region\": \"westeurope\", "
    "\"created\": \"0\" }, \"registrations\": [ { \"vmm\": \"vmm-sea\", \"key_generated\": \"0\", "
    "\"at\": \"10m\", \"sync_all_clouds\": true }, { \"vmm\": \"vmm-dub\", \"key_generated\": "
    "\"0\", \"at\": \"12m\" } ], \"cloud_pairs\": [ { \"primary\": \"gold-sea\", \"target\": "
    "\"gold-dub\", \"at\": \"20m\", \"settings\": { \"copy_frequency\": \"5m\", "
    "\"additional_recovery_points\": 4, \"app_consistent_frequency\": \"2h\", "
    "\"compression\": true, \"authentication\": \"https\", \"port\": 8084, "
    "\"initial_replication\": { \"method\": \"offline\", \"export\": "
    "\"fs-sea:\\\\\\\\fs-sea\\\\export\", \"import\": \"fs-dub:\\\\\\\\fs-dub\\\\import\", "
    "\"shipping_time\": \"2d\" }, \"change_tracking\": \"log\", \"delete_replica_on_disable\": "
    "true } } ], \"network_mappings\": [ { \"source\": \"corp-sea\", \"target\": \"corp-dub\", "
    "\"at\": \"25m\" } ], \"storage_mappings\": [ { \"source\": \"sea-fast\", \"target\": "
    "\"dub-fast\", \"at\": \"25m\" } ], \"protect\": [ { \"vm\": \"sql-01\", \"at\": \"30m\" } ] "
    "}, "
    "\"timeline\": [ { \"at\": \"1h\", \"do\": \"pair.modify\", \"primary\": \"gold-sea\", "
    "\"target\": \"gold-dub\" } ], \"expect\": [] }";

static void test_loaded_example_breaks_only_rule_10(void **state)
{
    (void)state;
    drs_diags d = {0};
    drs_scenario *sc = sim_scenario_load_string(example_json, "example.json", "", &d);
    if (!sc)
        dump(&d);
    assert_non_null(sc);
    assert_int_equal(d.count, 0);
    engine_rules_check(sc, &d);
    assert_int_equal(d.count, 1);
    expect_diag(&d, DRS_SEV_ERROR, 10, "timeline[0]", "without removing the pair first");
    drs_diags_clear(&d);
    drs_scenario_free(sc);
}

/* ---- the state in a run: refused steps change nothing ---------------------------------------- */

static void test_run_state_refuses_and_does_not_apply(void **state)
{
    drs_scenario *sc = *state;
    sc->recovery.registrations[1].at_ns = 6 * DAY; /* key from 0 has expired */
    rules_state *st = rules_state_new(sc, false);
    assert_non_null(st);
    drs_diags d = {0};
    assert_true(rules_state_register(st, 0, &d));
    assert_false(rules_state_register(st, 1, &d));
    assert_false(rules_state_registered(st, 1));
    /* In a run the pair is then refused: vmm-dub is not registered. */
    assert_false(rules_state_pair_configure(st, 0, &d));
    assert_int_equal(rules_state_pair_of(st, 0, 0), -1);
    assert_false(rules_state_protect(st, 0, 30 * MIN, "recovery.protect[0]", &d));
    assert_int_equal(count_rule(&d, 1), 1);
    assert_int_equal(count_rule(&d, 13), 2);
    drs_diags_clear(&d);
    rules_state_free(st);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_fixture_has_no_problems),
        T(test_key_predicate_boundaries),
        T(test_key_exactly_five_days_old_registers),
        T(test_key_older_than_five_days_is_refused),
        T(test_key_used_before_generation_is_refused),
        T(test_cluster_nodes_with_same_provider_are_fine),
        T(test_cluster_nodes_with_different_providers),
        T(test_unregistered_cluster_still_checked),
        T(test_primary_cloud_in_two_pairs),
        T(test_target_cloud_in_two_pairs),
        T(test_a_target_cannot_be_a_primary_elsewhere),
        T(test_target_cloud_on_the_same_vmm),
        T(test_target_cloud_not_found),
        T(test_copy_frequency_values),
        T(test_copy_frequency_not_offered),
        T(test_copy_frequency_on_2012_host_warns_and_uses_5m),
        T(test_copy_frequency_5m_on_2012_is_silent),
        T(test_copy_frequency_warns_for_a_mixed_cloud),
        T(test_copy_frequency_between_two_hosts),
        T(test_copy_frequency_warns_for_a_2012_target_cloud),
        T(test_recovery_points_limit_2012r2_is_24),
        T(test_recovery_points_limit_2012_is_15),
        T(test_negative_recovery_points),
        T(test_vmm_console_points_below_cloud),
        T(test_app_consistent_not_less_than_points),
        T(test_app_consistent_range),
        T(test_app_consistent_off_needs_no_points),
        T(test_kerberos_needs_it_on_both_sites),
        T(test_authentication_on_2012_hosts_warns),
        T(test_port_on_2012_hosts_warns),
        T(test_port_range),
        T(test_port_in_use_on_a_primary_host),
        T(test_port_in_use_on_a_replica_host),
        T(test_port_in_use_outside_the_clouds_is_fine),
        T(test_location_server_name),
        T(test_offline_on_file_servers_is_fine),
        T(test_offline_export_on_a_hyperv_host),
        T(test_offline_export_on_the_target_site),
        T(test_offline_import_on_the_source_site),
        T(test_offline_location_missing_or_unknown),
        T(test_modify_without_remove_is_refused),
        T(test_remove_then_modify_is_fine),
        T(test_modify_after_remove_and_modify_needs_another_remove),
        T(test_remove_of_an_unpaired_cloud),
        T(test_modify_to_the_same_vmm_after_remove),
        T(test_modify_before_any_pair),
        T(test_network_mapping_from_the_target_side),
        T(test_network_mapping_to_the_same_vmm),
        T(test_unmapped_network_warns),
        T(test_network_mapped_after_protection_warns),
        T(test_storage_mapping_from_the_target_side),
        T(test_a_network_mapped_to_two_targets),
        T(test_a_classification_mapped_to_two_targets),
        T(test_mapping_conflict_at_the_same_time_refuses_the_later_entry),
        T(test_plan_limits_are_7_groups_and_100_vms),
        T(test_unmapped_storage_goes_to_default_location),
        T(test_disk_on_named_unmapped_classification),
        T(test_protect_before_the_pair),
        T(test_pair_before_target_registered),
        T(test_protect_before_vmm_registered),
        T(test_vm_on_a_host_outside_clouds),
        T(test_vm_in_a_target_cloud),
        T(test_timeline_protect_after_pair_removed),
        T(test_timeline_protect_later_is_fine),
        T(test_primary_without_cloud_sync_warns),
        T(test_existing_replica_settings_differ),
        T(test_pair_settings_check_reports_every_problem),
        T(test_vm_check_with_a_changed_target),
        T(test_run_state_refuses_and_does_not_apply),
        cmocka_unit_test(test_loaded_example_breaks_only_rule_10),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
