/* tests/support/scenario_fixture.c — builds the in-memory fixture scenario described in
 * scenario_fixture.h, and frees any heap-built drs_scenario. */
#include "support/scenario_fixture.h"

#include "sim/scenario/scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        abort();
    return p;
}

static void *xrealloc(void *p, size_t n, size_t size)
{
    void *q = realloc(p, (n ? n : 1) * size);
    if (!q)
        abort();
    return q;
}

char *scenario_fixture_strdup(const char *s)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

#define S scenario_fixture_strdup

/* One site named after its short code: vmm-<c>, gold-<c>, hv-<c>-1, corp-<c>, <c>-fast, fs-<c>. */
static void fixture_site(drs_site *site, const char *name, const char *c, const char *subnet)
{
    char buf[64];
    site->name = S(name);
    snprintf(buf, sizeof buf, "vmm-%s", c);
    site->vmm.name = S(buf);
    site->vmm.node_count = 1;
    site->vmm.nodes = xcalloc(1, sizeof *site->vmm.nodes);
    snprintf(buf, sizeof buf, "vmm-%s-1", c);
    site->vmm.nodes[0].name = S(buf);
    site->vmm.nodes[0].provider_version = S("3.5.741");
    site->vmm.internet = true;
    site->kerberos = false;

    site->cloud_count = 1;
    site->clouds = xcalloc(1, sizeof *site->clouds);
    snprintf(buf, sizeof buf, "gold-%s", c);
    site->clouds[0] = S(buf);

    site->host_count = 1;
    site->hosts = xcalloc(1, sizeof *site->hosts);
    snprintf(buf, sizeof buf, "hv-%s-1", c);
    site->hosts[0].name = S(buf);
    site->hosts[0].os = DRS_OS_2012R2;
    site->hosts[0].cloud = 0;
    site->hosts[0].storage = 0;
    site->hosts[0].port_count = 1;
    site->hosts[0].ports_in_use = xcalloc(1, sizeof(int));
    site->hosts[0].ports_in_use[0] = 443;

    site->network_count = 1;
    site->networks = xcalloc(1, sizeof *site->networks);
    snprintf(buf, sizeof buf, "corp-%s", c);
    site->networks[0].name = S(buf);
    site->networks[0].subnet_count = 1;
    site->networks[0].subnets = xcalloc(1, sizeof(char *));
    site->networks[0].subnets[0] = S(subnet);

    site->storage_count = 1;
    site->storage = xcalloc(1, sizeof *site->storage);
    snprintf(buf, sizeof buf, "%s-fast", c);
    site->storage[0].classification = S(buf);
    site->storage[0].capacity_bytes = UINT64_C(20) << 40; /* 20 TiB */
    site->storage[0].read_Bps = 1e9;                      /* 1 GB/s */
    site->storage[0].write_Bps = 800e6;                   /* 800 MB/s */

    site->file_server_count = 1;
    site->file_servers = xcalloc(1, sizeof(char *));
    snprintf(buf, sizeof buf, "fs-%s", c);
    site->file_servers[0] = S(buf);
}

static void fixture_vm(drs_vm *vm, const char *name)
{
    vm->name = S(name);
    vm->site = 0;
    vm->host = 0;
    vm->network_count = 1;
    vm->networks = xcalloc(1, sizeof(int));
    vm->networks[0] = 0;
    vm->boot_time_ns = 90 * DRS_NS_PER_S;
    vm->vmm_recovery_points = 4;
    vm->disk_count = 1;
    vm->disks = xcalloc(1, sizeof *vm->disks);
    vm->disks[0].name = S("os");
    vm->disks[0].size_bytes = UINT64_C(127) << 30;
    vm->disks[0].used_bytes = UINT64_C(40) << 30;
    vm->disks[0].workload = 0;
    vm->disks[0].storage = NULL;
    vm->existing_replica.present = false;
    vm->existing_replica.additional_recovery_points = -1;
    vm->existing_replica.compression = -1;
}

drs_scenario *scenario_fixture_new(void)
{
    drs_scenario *sc = xcalloc(1, sizeof *sc);
    sc->version = 1;
    sc->name = S("fixture");
    sc->description = S("Two VMs protected from Seattle to Dublin over 200 Mbps.");
    sc->seed = 42;
    sc->duration_ns = FIXTURE_DAY;
    sc->sample_interval_ns = FIXTURE_MIN;
    sc->fidelity = DRS_FIDELITY_EXTENT;
    sc->extent_bytes = UINT64_C(1) << 20;

    sc->site_count = 2;
    sc->sites = xcalloc(2, sizeof *sc->sites);
    fixture_site(&sc->sites[0], "seattle", "sea", "10.1.0.0/16");
    fixture_site(&sc->sites[1], "dublin", "dub", "10.2.0.0/16");

    sc->link_count = 1;
    sc->links = xcalloc(1, sizeof *sc->links);
    sc->links[0].name = S("wan");
    sc->links[0].site_a = 0;
    sc->links[0].site_b = 1;
    sc->links[0].bandwidth_Bps = 200e6 / 8; /* 200 Mbps */
    sc->links[0].latency_ns = 40 * DRS_NS_PER_S / 1000;

    sc->workload_count = 1;
    sc->workloads = xcalloc(1, sizeof *sc->workloads);
    drs_workload *w = &sc->workloads[0];
    w->name = S("oltp");
    w->kind = DRS_WL_STEADY;
    w->write_rate_Bps = 2e6;
    w->write_size_bytes = 64 * 1024;
    w->hot_set = 1.0;
    w->hot_share = 1.0;
    w->compressibility = 0.5;

    sc->vm_count = 2;
    sc->vms = xcalloc(2, sizeof *sc->vms);
    fixture_vm(&sc->vms[0], "sql-01");
    fixture_vm(&sc->vms[1], "web-01");

    drs_recovery *r = &sc->recovery;
    r->vault_name = S("contoso-dr");
    r->vault_region = S("westeurope");
    r->vault_created_ns = 0;
    r->registration_count = 2;
    r->registrations = xcalloc(2, sizeof *r->registrations);
    r->registrations[0] = (drs_registration){0, 0, 10 * FIXTURE_MIN, true};
    r->registrations[1] = (drs_registration){1, 0, 12 * FIXTURE_MIN, true};

    r->cloud_pair_count = 1;
    r->cloud_pairs = xcalloc(1, sizeof *r->cloud_pairs);
    drs_cloud_pair *p = &r->cloud_pairs[0];
    p->primary_site = 0;
    p->primary_cloud = 0;
    p->target_site = 1;
    p->target_cloud = 0;
    p->at_ns = 20 * FIXTURE_MIN;
    p->settings.copy_frequency_ns = 5 * FIXTURE_MIN;
    p->settings.additional_recovery_points = 4;
    p->settings.app_consistent_frequency_ns = 2 * FIXTURE_HOUR;
    p->settings.compression = true;
    p->settings.authentication = DRS_AUTH_HTTPS;
    p->settings.port = 8084;
    p->settings.initial_replication.method = DRS_IR_NETWORK;
    p->settings.initial_replication.start_now = true;
    p->settings.change_tracking = DRS_TRACK_LOG;
    p->settings.delete_replica_on_disable = true;

    r->network_mapping_count = 1;
    r->network_mappings = xcalloc(1, sizeof *r->network_mappings);
    r->network_mappings[0] = (drs_mapping){0, 0, 1, 0, 25 * FIXTURE_MIN};
    r->storage_mapping_count = 1;
    r->storage_mappings = xcalloc(1, sizeof *r->storage_mappings);
    r->storage_mappings[0] = (drs_mapping){0, 0, 1, 0, 25 * FIXTURE_MIN};

    r->protect_count = 2;
    r->protect = xcalloc(2, sizeof *r->protect);
    r->protect[0] = (drs_protect){0, 30 * FIXTURE_MIN};
    r->protect[1] = (drs_protect){1, 30 * FIXTURE_MIN};

    r->plan_count = 1;
    r->plans = xcalloc(1, sizeof *r->plans);
    r->plans[0].name = S("erp");
    r->plans[0].group_count = 2;
    r->plans[0].groups = xcalloc(2, sizeof *r->plans[0].groups);
    for (int g = 0; g < 2; g++) {
        r->plans[0].groups[g].vm_count = 1;
        r->plans[0].groups[g].vms = xcalloc(1, sizeof(int));
        r->plans[0].groups[g].vms[0] = g;
    }
    r->plans[0].groups[0].after_count = 1;
    r->plans[0].groups[0].after = xcalloc(1, sizeof(drs_plan_action));
    r->plans[0].groups[0].after[0].kind = DRS_ACTION_SCRIPT;
    r->plans[0].groups[0].after[0].text = S("fix-dns");
    r->plans[0].groups[0].after[0].duration_ns = 2 * FIXTURE_MIN;
    return sc;
}

/* The fixture's parts are all on the heap, exactly as the loader's are: one free serves both. */
drs_scenario *scenario_fixture_one_vm(uint64_t used_bytes)
{
    drs_scenario *sc = scenario_fixture_new();
    sc->recovery.protect_count = 1;
    sc->vms[0].disks[0].used_bytes = used_bytes;
    sc->vms[1].disks[0].used_bytes = UINT64_C(64) << 20;
    sc->vms[1].disks[0].workload = -1;
    sc->workloads[0].write_size_bytes = 256 * 1024;
    return sc;
}

int scenario_fixture_add_vm(drs_scenario *sc, const char *name, int host, int64_t protect_at_ns)
{
    sc->vms = xrealloc(sc->vms, sc->vm_count + 1, sizeof *sc->vms);
    drs_vm *vm = &sc->vms[sc->vm_count];
    memset(vm, 0, sizeof *vm);
    fixture_vm(vm, name);
    vm->host = host;
    if (protect_at_ns >= 0) {
        drs_recovery *r = &sc->recovery;
        r->protect = xrealloc(r->protect, r->protect_count + 1, sizeof *r->protect);
        r->protect[r->protect_count++] = (drs_protect){(int)sc->vm_count, protect_at_ns};
    }
    return (int)sc->vm_count++;
}

void scenario_fixture_free(drs_scenario *sc)
{
    drs_scenario_free(sc);
}

drs_action *scenario_fixture_add_action(drs_scenario *sc, int64_t at_ns, drs_action_do what)
{
    sc->timeline = xrealloc(sc->timeline, sc->timeline_count + 1, sizeof *sc->timeline);
    /* Stable insertion: after every entry at or before at_ns. */
    size_t pos = sc->timeline_count;
    while (pos > 0 && sc->timeline[pos - 1].at_ns > at_ns)
        pos--;
    memmove(&sc->timeline[pos + 1], &sc->timeline[pos],
            (sc->timeline_count - pos) * sizeof *sc->timeline);
    sc->timeline_count++;
    drs_action *a = &sc->timeline[pos];
    memset(a, 0, sizeof *a);
    a->at_ns = at_ns;
    a->what = what;
    a->link = a->site = a->vm = a->plan = a->disk = a->workload = -1;
    a->host_site = a->host = a->storage_site = a->storage = -1;
    a->bandwidth_Bps = a->loss = a->replication_cap_Bps = -1;
    a->latency_ns = -1;
    a->network_site = a->network = -1;
    a->primary_site = a->primary_cloud = a->target_site = a->target_cloud = -1;
    for (size_t i = 0; i < sc->timeline_count; i++)
        snprintf(sc->timeline[i].path, sizeof sc->timeline[i].path, "timeline[%zu]", i);
    return a;
}

int scenario_fixture_add_host(drs_scenario *sc, int site, const char *name, drs_host_os os,
                              int cloud)
{
    drs_site *s = &sc->sites[site];
    s->hosts = xrealloc(s->hosts, s->host_count + 1, sizeof *s->hosts);
    drs_host *h = &s->hosts[s->host_count];
    memset(h, 0, sizeof *h);
    h->name = S(name);
    h->os = os;
    h->cloud = cloud;
    h->storage = s->storage_count ? 0 : -1;
    return (int)s->host_count++;
}

void scenario_fixture_add_port(drs_scenario *sc, int site, int host, int port)
{
    drs_host *h = &sc->sites[site].hosts[host];
    h->ports_in_use = xrealloc(h->ports_in_use, h->port_count + 1, sizeof *h->ports_in_use);
    h->ports_in_use[h->port_count++] = port;
}

int scenario_fixture_add_cloud(drs_scenario *sc, int site, const char *name)
{
    drs_site *s = &sc->sites[site];
    s->clouds = xrealloc(s->clouds, s->cloud_count + 1, sizeof *s->clouds);
    s->clouds[s->cloud_count] = S(name);
    return (int)s->cloud_count++;
}

size_t scenario_fixture_add_pair(drs_scenario *sc, size_t from, int primary_site, int primary_cloud,
                                 int target_site, int target_cloud, int64_t at_ns)
{
    drs_recovery *r = &sc->recovery;
    r->cloud_pairs = xrealloc(r->cloud_pairs, r->cloud_pair_count + 1, sizeof *r->cloud_pairs);
    drs_cloud_pair *p = &r->cloud_pairs[r->cloud_pair_count];
    *p = r->cloud_pairs[from];
    drs_initial_replication *ir = &p->settings.initial_replication;
    ir->export_location = S(ir->export_location);
    ir->import_location = S(ir->import_location);
    p->primary_site = primary_site;
    p->primary_cloud = primary_cloud;
    p->target_site = target_site;
    p->target_cloud = target_cloud;
    p->at_ns = at_ns;
    return r->cloud_pair_count++;
}
