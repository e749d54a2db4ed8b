/* sim/kernel/sim.h — the discrete-event kernel: a virtual clock, an event queue, seeded random streams.
 *
 * Time is an int64_t count of nanoseconds since the scenario start; there is no floating-point clock.
 * Events with equal times fire in the order they were scheduled (ties keep queueing order; a
 * reschedule counts as a new scheduling). Handlers may schedule, cancel and reschedule any event,
 * themselves included, while they run. The queue does not allocate per event once warm.
 *
 * The kernel knows nothing of disaster recovery; it is single-threaded and not reentrant across
 * threads. */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

typedef struct sim sim;

/* Names one scheduled event. 0 is never a valid id. An id stays valid until its event fires or is
 * cancelled; after that every call given it reports "not pending" (a generation count in the id
 * detects stale ids, even when the event's storage has been reused). */
typedef uint64_t sim_event_id;

/* Called when an event fires, with sim_now() equal to the event's time. The event is already gone
 * from the queue: cancelling or rescheduling its own id returns false. */
typedef void (*sim_handler)(sim *s, void *arg);

/* A new kernel with the clock at 0 and no events. The caller owns it and frees it with sim_free.
 * Returns NULL when memory is exhausted. */
sim *sim_new(void);
/* Frees the kernel and its queue; pending events are dropped without firing. NULL is a no-op. */
void sim_free(sim *s);

/* Preallocates room for n pending events, so that a run never grows its arrays. Optional. */
bool sim_reserve(sim *s, size_t n);

/* Nanoseconds since the scenario start. */
int64_t sim_now(const sim *s);

/* Schedules fn(s, arg) at at_ns, which must not be in the past (asserted). Returns the id of the
 * scheduled event; cancel or reschedule with it. Never allocates once warm. Aborts when memory is
 * exhausted, since a simulation cannot go on without its events. */
sim_event_id sim_schedule(sim *s, int64_t at_ns, sim_handler fn, void *arg);

/* Removes a pending event. Returns false if it already fired, was cancelled, or id is 0/stale. */
bool sim_cancel(sim *s, sim_event_id id);

/* Moves a pending event to at_ns (>= now, asserted), keeping its id. For ties it counts as scheduled
 * now: it fires after every event already scheduled for at_ns. Returns false if the event is not
 * pending (fired, cancelled, stale). */
bool sim_reschedule(sim *s, sim_event_id id, int64_t at_ns);

/* Whether id names a pending event; if so and at_ns is not NULL, stores its time there. */
bool sim_event_time(const sim *s, sim_event_id id, int64_t *at_ns);

/* Number of pending events. */
size_t sim_pending(const sim *s);

/* Time of the next event, if any. Not const: the queue may advance its internal window. */
bool sim_next_time(sim *s, int64_t *at_ns);

/* Fires the next event (advancing the clock to its time). Returns false when none is pending. */
bool sim_step(sim *s);

/* Fires, in order, every event with time <= end_ns (end_ns >= now, asserted), including events that
 * handlers schedule within that horizon, then sets the clock to end_ns. Returns the number of events
 * fired. If a handler calls sim_stop, returns right after that handler with the clock left at the
 * stopping event's time, so that a later call resumes where this one stopped. */
uint64_t sim_run_until(sim *s, int64_t end_ns);

/* Called from a handler run by sim_run_until: makes that call return right after the handler.
 * Elsewhere it has no effect (each sim_run_until starts with no stop requested). */
void sim_stop(sim *s);

/* Total number of events fired since sim_new. */
uint64_t sim_fired(const sim *s);

/* Calls fn(s, arg) after every event's handler returns (invariant checking); NULL turns it off. The
 * hook may call sim_stop to end sim_run_until after that event. An unset hook costs one test of a
 * pointer per event. */
void sim_set_after_event(sim *s, sim_handler fn, void *arg);

/* --- Seeded random streams (sim/kernel/rng.c) ---
 *
 * Every random draw of a run comes from a GSL generator whose stream is derived from (scenario seed,
 * entity name) alone, so adding an entity never changes another entity's draws, and the same seed
 * gives the same run. */

/* The 64-bit seed of the stream for entity under scenario_seed: an FNV-1a hash of the name mixed with
 * the scenario seed through splitmix64's finaliser. entity must not be NULL. */
uint64_t sim_stream_seed(uint64_t scenario_seed, const char *entity);

/* The generator type used for streams: xoshiro256** (Blackman and Vigna), 64 bits of state per
 * word, seeded through splitmix64 from the full 64-bit stream seed. get() returns 32 bits;
 * gsl_rng_uniform() uses 53. */
const gsl_rng_type *sim_rng_type(void);

/* A new generator for (scenario_seed, entity). The caller owns it and frees it with gsl_rng_free.
 * Returns NULL when memory is exhausted. */
gsl_rng *sim_rng_new(uint64_t scenario_seed, const char *entity);

#endif
