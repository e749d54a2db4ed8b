/* engine/rules_internal.h — what rules.c shares with rules_state.c: message helpers that name
 * scenario things safely (an unresolved index prints "?") and format durations as a scenario
 * writes them. Included only by those two files. */
#ifndef ENGINE_RULES_INTERNAL_H
#define ENGINE_RULES_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/shared/desc.h"

/* Room for a JSON path such as "recovery.cloud_pairs[3].settings.initial_replication.export". */
#define RULES_PATH_MAX 128

/* ns as a person writes a duration in a scenario ("5d", "1d2h30m", "1.5s") into buf; returns buf.
 */
const char *rules_fmt_dur(int64_t ns, char *buf, size_t n);

/* s, or "" for NULL. */
const char *rules_str(const char *s);

bool rules_site_ok(const drs_scenario *sc, int site);
bool rules_cloud_ok(const drs_scenario *sc, int site, int cloud);

/* Names for messages; "?" when the index resolves to nothing. */
const char *rules_cloud_name(const drs_scenario *sc, int site, int cloud);
const char *rules_vmm_name(const drs_scenario *sc, int site);

#endif
