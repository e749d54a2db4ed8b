/* tests/reference/link_reference.h — the reference WAN link model (tests/reference/link_reference.c):
 * the same interface and meaning as model/link.h, under ref_link_ names, with the stats and flow
 * ids of model/link.h. */
#ifndef TESTS_LINK_REFERENCE_H
#define TESTS_LINK_REFERENCE_H

#include "model/link.h"

typedef struct ref_link ref_link;

ref_link *ref_link_new(double bandwidth_Bps, int64_t latency_ns, double loss,
                       double replication_cap_Bps);
void ref_link_free(ref_link *l);
model_flow_id ref_link_flow_start(ref_link *l, int64_t now_ns, uint64_t bytes, double cap_Bps,
                                  void *tag);
bool ref_link_flow_cancel(ref_link *l, int64_t now_ns, model_flow_id f);
bool ref_link_pop_finished(ref_link *l, int64_t now_ns, void **tag, int64_t *finished_at_ns);
int64_t ref_link_next_event(const ref_link *l);
void ref_link_advance(ref_link *l, int64_t now_ns);
void ref_link_set_bandwidth(ref_link *l, int64_t now_ns, double bandwidth_Bps);
void ref_link_set_latency(ref_link *l, int64_t now_ns, int64_t latency_ns);
void ref_link_set_loss(ref_link *l, int64_t now_ns, double loss);
void ref_link_set_replication_cap(ref_link *l, int64_t now_ns, double replication_cap_Bps);
void ref_link_set_up(ref_link *l, int64_t now_ns, bool up);
double ref_link_bandwidth_Bps(const ref_link *l);
int64_t ref_link_latency_ns(const ref_link *l);
double ref_link_loss(const ref_link *l);
double ref_link_replication_cap_Bps(const ref_link *l);
bool ref_link_is_up(const ref_link *l);
double ref_link_flow_cap_Bps(const ref_link *l);
void ref_link_stats_get(ref_link *l, int64_t now_ns, model_link_stats *out);
bool ref_link_flow_remaining(ref_link *l, int64_t now_ns, model_flow_id f,
                             double *remaining_bytes);
double ref_link_flow_rate_Bps(const ref_link *l, model_flow_id f);

#endif
