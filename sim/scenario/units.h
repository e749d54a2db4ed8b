/* sim/scenario/units.h — the values people write in scenarios and on the command line: durations, sizes,
 * rates and fractions, turned into nanoseconds, bytes and bytes per second.
 *
 * Case rules (they matter, because "Mbps" is megabits and "MB/s" megabytes):
 *  - durations: ns, us, ms, s, m, h, d — lower case only; several may be combined from the largest
 * to the smallest unit ("1d12h", "2m30s"), each at most once. "0" alone needs no unit.
 *  - sizes: B; SI kB/KB, MB, GB, TB, PB (powers of 1000); IEC KiB, MiB, GiB, TiB, PiB (powers of
 * 1024). A bare number is bytes. Lower-case "mb", "gb", and bit units such as "Mb" are refused:
 * they are ambiguous or not sizes.
 *  - rates: bits per second bps, kbps/Kbps, Mbps, Gbps, Tbps; bytes per second B/s, kB/s/KB/s,
 * MB/s, GB/s, TB/s, KiB/s, MiB/s, GiB/s, TiB/s. A unit is required (except for "0") because a bare
 * number could mean either. "mbps", "MBps", "Mb/s" and the like are refused with a hint.
 *  - a number is digits with an optional decimal part ("1.5GiB"); no sign, exponent or spaces.
 *    A decimal must come out as a whole number of nanoseconds or bytes ("0.1KiB" is refused).
 *
 * Every parser returns true on success and stores the result; on failure it leaves *out alone,
 * fills err (code DRS_EINPUT, empty path: the caller knows where the value came from) and returns
 * false. err may be NULL. Messages read `expected a size such as "100GiB", got "100 parsecs"
 * (…why…)`. */
#ifndef SIM_UNITS_H
#define SIM_UNITS_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/shared/error.h"

/* "30s", "5m", "1d12h", "250ms", "0" -> nanoseconds; refuses overflow of int64. */
bool units_parse_duration(const char *s, int64_t *out_ns, drs_error *err);

/* "512KiB", "100GiB", "500MB", "4096" -> bytes; refuses overflow of uint64. */
bool units_parse_size(const char *s, uint64_t *out_bytes, drs_error *err);

/* "100Mbps" -> 12.5e6, "2MB/s" -> 2e6, "50MiB/s" -> 52428800 (bytes per second). */
bool units_parse_rate(const char *s, double *out_Bps, drs_error *err);

/* "0.25" -> 0.25: a number in [0, 1]. */
bool units_parse_fraction(const char *s, double *out, drs_error *err);

/* A number already read (from JSON): refuses NaN, infinities and values outside [0, 1]. */
bool units_check_fraction(double v, double *out, drs_error *err);

/* A JSON number that stands for a size in bytes: a non-negative whole number that fits uint64. */
bool units_size_from_number(double v, uint64_t *out_bytes, drs_error *err);

#endif
