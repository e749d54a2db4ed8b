/* model/link.h — a WAN link between two sites: flows sharing its bandwidth over explicit time.
 *
 * Pure computation: the link has no clock and no kernel. Every call that can change the state takes
 * the current time now_ns (nanoseconds, never decreasing from one call to the next) and first
 * advances the link to it. The simulator keeps one kernel event per link at model_link_next_event()
 * and, after any call taking now_ns, reads it again and reschedules when it moved. At that event it
 * calls model_link_pop_finished() until it returns false.
 *
 * Model:
 * - A flow moves no bytes for the link latency after it starts (connection set-up, propagation),
 * then competes for bandwidth. A zero-byte flow still pays the latency.
 * - Bandwidth is shared max-min fairly (water-filling) among the competing flows. Each flow is
 * capped by min(its own cap, the link's replication cap, the Mathis et al. TCP rate of the path); a
 * capped flow leaves what it cannot use to the others. The Mathis rate is 1.22 * MSS / (RTT *
 * sqrt(loss)) with MSS = 1460 bytes and RTT = 2 * latency; it applies only when loss > 0 and
 * latency > 0.
 * - Rates are recomputed whenever a flow starts competing, ends or is cancelled, and whenever the
 * link changes. Remaining bytes are doubles; a completion time is the exact instant rounded up to
 * the whole nanosecond (with a tolerance of a few units in the last place, so that float noise
 * never pushes a completion one nanosecond late or leaves a flow lingering on a crumb of a byte).
 * - Outage (set_up false): every flow stalls and keeps its progress, including flows still in their
 *   latency. When the link returns, every unfinished flow reconnects: it pays the full current
 * latency again, then competes with the bytes it still had. A flow started while the link is down
 * waits for the link and then pays its latency. So an outage of length D hitting a flow
 * mid-transfer delays its completion by D + latency (other flows' competition aside).
 * - set_latency applies to flows that start (or reconnect) afterwards; a flow already in its
 * latency keeps the end it was given. It changes the Mathis cap at once.
 * - Outages never fail a flow: a caller that treats an outage as fatal cancels its flows itself.
 *
 * Ownership: the link owns its flows. A flow's tag is the caller's and is never dereferenced. A
 * flow id stays valid until its completion has been popped or it was cancelled; a stale id is
 * recognised (generation check) and refused, never confused with a newer flow.
 *
 * Cost: no allocation per flow once the pool has grown to the peak number of flows (pool + free
 * list). Each event (flow start, latency expiry, completion, change) is O(flows), but with small
 * constants: every flow's remaining bytes move by the same float steps as ever (so the results
 * are exactly those of a link recomputing everything), in a tight loop over dense arrays, while
 * the costly part, a completion instant, is computed only for the few flows that can end first
 * (the others when they can matter). Flows with an own cap are kept sorted on insertion, so no
 * event sorts (tests/bench/bench_link.c). */
#ifndef MODEL_LINK_H
#define MODEL_LINK_H

#include <stdbool.h>
#include <stdint.h>

typedef struct model_link model_link;

/* Names a flow of one link. 0 is never a valid id. */
typedef uint64_t model_flow_id;

/* TCP maximum segment size used by the Mathis cap, in bytes. */
#define MODEL_LINK_MSS_BYTES 1460.0

/* A new link, up, at time 0, carrying nothing. bandwidth_Bps >= 0 (0: nothing moves), latency_ns >=
 * 0 (one way), 0 <= loss <= 1, replication_cap_Bps >= 0 (0: no cap). Never NULL (out of memory
 * aborts, engine/shared/alloc.h). The caller owns it and frees it with model_link_free. */
model_link *model_link_new(double bandwidth_Bps, int64_t latency_ns, double loss,
                           double replication_cap_Bps);
void model_link_free(model_link *l);

/* Starts a transfer of bytes at now_ns. cap_Bps is the flow's own cap (0: none). tag comes back
 * from model_link_pop_finished. Returns 0 only past 2^30 flows at once. */
model_flow_id model_link_flow_start(model_link *l, int64_t now_ns, uint64_t bytes, double cap_Bps,
                                    void *tag);
/* Abandons a flow at now_ns; its share goes to the others and its tag is never returned. Bytes it
 * moved stay counted as carried. False when the id is stale (completion popped, or already
 * cancelled). A flow that finished by now_ns but was not yet popped is removed from the finished
 * queue (true). */
bool model_link_flow_cancel(model_link *l, int64_t now_ns, model_flow_id f);

/* Advances to now_ns, then hands out the next flow finished by now_ns: *tag, and *finished_at_ns
 * (may be NULL) its exact completion time. One per call, in completion order (ties: start order).
 * False when none is left. The flow's id is stale afterwards. */
bool model_link_pop_finished(model_link *l, int64_t now_ns, void **tag, int64_t *finished_at_ns);

/* When something next happens on its own: the earliest completion or latency expiry, or the link's
 * current time when finished flows are waiting to be popped; INT64_MAX when nothing will happen. */
int64_t model_link_next_event(const model_link *l);

/* Moves the link to now_ns (bytes moved, completions and latency expiries up to now_ns processed)
 * without popping anything. The other calls taking now_ns do this themselves. */
void model_link_advance(model_link *l, int64_t now_ns);

/* --- changes (scenario actions link.set, link.down, link.up); each recomputes the rates --- */

void model_link_set_bandwidth(model_link *l, int64_t now_ns, double bandwidth_Bps);
void model_link_set_latency(model_link *l, int64_t now_ns, int64_t latency_ns);
void model_link_set_loss(model_link *l, int64_t now_ns, double loss);
void model_link_set_replication_cap(model_link *l, int64_t now_ns, double replication_cap_Bps);
void model_link_set_up(model_link *l, int64_t now_ns, bool up);

double model_link_bandwidth_Bps(const model_link *l);
int64_t model_link_latency_ns(const model_link *l);
double model_link_loss(const model_link *l);
double model_link_replication_cap_Bps(const model_link *l);
bool model_link_is_up(const model_link *l);
/* The cap every flow is under: min(replication cap, Mathis rate); INFINITY when neither applies. */
double model_link_flow_cap_Bps(const model_link *l);

/* --- accounting --- */

typedef struct model_link_stats {
    int64_t at_ns;        /* the link's current time (the stats hold at that instant) */
    double bytes_carried; /* cumulative bytes moved since the link was created, any flow; throughput
                             over [t0, t1] = bytes_carried at t1 - bytes_carried at t0 */
    uint64_t bytes_completed; /* sum of the sizes of flows that finished (popped or not) */
    double rate_Bps;          /* sum of the current flow rates (constant until the next event) */
    uint32_t flows_moving;    /* flows competing for bandwidth */
    uint32_t flows_waiting;   /* flows in their latency, or stalled by an outage */
    uint32_t flows_finished;  /* finished, waiting to be popped */
} model_link_stats;

/* Advances to now_ns and fills *out. */
void model_link_stats_get(model_link *l, int64_t now_ns, model_link_stats *out);

/* Advances to now_ns; *remaining_bytes = bytes the flow still has to move (0 once finished). False
 * for a stale id. */
bool model_link_flow_remaining(model_link *l, int64_t now_ns, model_flow_id f,
                               double *remaining_bytes);
/* The flow's current rate; 0 when it is not moving or the id is stale. */
double model_link_flow_rate_Bps(const model_link *l, model_flow_id f);

#endif
