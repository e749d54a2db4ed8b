/* sim/scenario/scenario_internal.h — shared by the pieces of the scenario loader (sim/scenario*.c) only.
 *
 * The loader reads a jansson tree section by section. Each section function receives the JSON value
 * and its path, reports every problem through sc_error/sc_warn, fills what it can and carries on,
 * so one run lists all the mistakes of a file. Names are registered in an index per kind as they
 * are read; later sections resolve references through it. */
#ifndef SIM_SCENARIO_INTERNAL_H
#define SIM_SCENARIO_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/shared/alloc.h"
#include "engine/shared/desc.h"
#include "engine/shared/error.h"

#define SC_PATH 128 /* as drs_error.path */

typedef enum sc_kind {
    SC_SITE,
    SC_VMM,
    SC_CLOUD,
    SC_HOST,
    SC_NETWORK,
    SC_CLASSIFICATION,
    SC_FILE_SERVER,
    SC_LINK,
    SC_WORKLOAD,
    SC_VM,
    SC_PLAN,
    SC_KIND_COUNT
} sc_kind;

/* A registered name: where it lives (site index and index within the site, or index and -1) and the
 * path where it was defined, for duplicate messages. */
typedef struct sc_name {
    sc_kind kind;
    const char *name; /* borrowed from the scenario */
    int a, b;
    char path[SC_PATH];
} sc_name;

typedef struct sc_ctx {
    drs_diags *diags;
    drs_scenario *sc;
    const char *file; /* for messages */
    char *dir;        /* folder of the file, "" or ending in '/' */
    sc_name *names;
    size_t name_count, name_cap;
    size_t *table; /* open addressing: name index + 1, 0 = empty */
    size_t table_cap;
    /* A kind some of whose definitions could not be read: a reference to an unknown name of it may
     * mean the broken one, so it is not reported again (the first problem already fails the load).
     */
    bool broken[SC_KIND_COUNT];
} sc_ctx;

typedef enum sc_need { SC_OPTIONAL, SC_REQUIRED } sc_need;

/* ---- paths and problems (scenario_fields.c) ---- */
void sc_path_key(char *buf, const char *parent, const char *key);
void sc_path_index(char *buf, const char *parent, size_t i);
void sc_error(sc_ctx *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void sc_warn(sc_ctx *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "a string", "the number 42", ... for "got ..." messages. */
const char *sc_describe(const json_t *v, char *buf, size_t n);
/* Closest candidate within a small edit distance, or NULL. */
const char *sc_suggest(const char *word, const char *const *candidates, size_t n);

/* ---- objects and fields (scenario_fields.c) ----
 * Each getter returns true when the key is present and valid and *out was set. It reports a problem
 * when the value is invalid, or absent and SC_REQUIRED; when absent and optional it returns false
 * silently and leaves *out as it was (the caller's default). */
bool sc_expect_object(sc_ctx *c, const json_t *v, const char *path);
/* Reports each key of obj not in allowed (NULL-terminated), with a "did you mean" when one is
 * close. */
void sc_check_keys(sc_ctx *c, const json_t *obj, const char *path, const char *const *allowed);
bool sc_has(const json_t *obj, const char *key);
bool sc_get_str(sc_ctx *c, const json_t *obj, const char *path, const char *key, sc_need need,
                char **out);
bool sc_get_name(sc_ctx *c, const json_t *obj, const char *path, const char *key, sc_need need,
                 char **out); /* a non-empty string */
bool sc_get_duration(sc_ctx *c, const json_t *obj, const char *path, const char *key, sc_need need,
                     int64_t *out);
bool sc_get_size(sc_ctx *c, const json_t *obj, const char *path, const char *key, sc_need need,
                 uint64_t *out);
bool sc_get_rate(sc_ctx *c, const json_t *obj, const char *path, const char *key, sc_need need,
                 double *out);
bool sc_get_fraction(sc_ctx *c, const json_t *obj, const char *path, const char *key, sc_need need,
                     double *out);
bool sc_get_number(sc_ctx *c, const json_t *obj, const char *path, const char *key, sc_need need,
                   double lo, double hi, double *out);
bool sc_get_bool(sc_ctx *c, const json_t *obj, const char *path, const char *key, sc_need need,
                 bool *out);
bool sc_get_int(sc_ctx *c, const json_t *obj, const char *path, const char *key, sc_need need,
                long long lo, long long hi, long long *out);
/* A string that must be one of names (NULL-terminated); *out is its index. */
bool sc_get_enum(sc_ctx *c, const json_t *obj, const char *path, const char *key, sc_need need,
                 const char *const *names, int *out);
/* An array (possibly empty). Returns NULL when absent (reporting it if required) or not an array.
 */
const json_t *sc_get_array(sc_ctx *c, const json_t *obj, const char *path, const char *key,
                           sc_need need);
/* An array of non-empty strings, copied. */
bool sc_get_str_array(sc_ctx *c, const json_t *obj, const char *path, const char *key, sc_need need,
                      char ***out, size_t *count);
/* Value checks on a JSON value already in hand (path is the value's own path). */
bool sc_value_duration(sc_ctx *c, const json_t *v, const char *path, int64_t *out);
bool sc_value_size(sc_ctx *c, const json_t *v, const char *path, uint64_t *out);

/* ---- names (scenario_fields.c) ---- */
const char *sc_kind_name(sc_kind k);
/* Registers a name; a duplicate within the kind is reported at path. NULL names are ignored. */
void sc_name_add(sc_ctx *c, sc_kind kind, const char *name, int a, int b, const char *path);
const sc_name *sc_name_find(const sc_ctx *c, sc_kind kind, const char *name);
/* Marks a kind whose definitions could not all be read (see sc_ctx.broken). */
void sc_name_broken(sc_ctx *c, sc_kind kind);
/* Finds name or reports "no KIND named 'x'" (with a suggestion) at path. NULL name: returns NULL.
 */
const sc_name *sc_resolve(sc_ctx *c, sc_kind kind, const char *name, const char *path);
/* Reads key as a name of kind and resolves it; returns NULL when absent or unresolved. */
const sc_name *sc_get_ref(sc_ctx *c, const json_t *obj, const char *path, const char *key,
                          sc_need need, sc_kind kind);

/* ---- sections ---- */
void sc_load_sites(sc_ctx *c, const json_t *root);     /* scenario_world.c */
void sc_load_links(sc_ctx *c, const json_t *root);     /* scenario_world.c */
void sc_load_workloads(sc_ctx *c, const json_t *root); /* scenario_world.c */
void sc_load_vms(sc_ctx *c, const json_t *root);       /* scenario_world.c */
void sc_load_recovery(sc_ctx *c, const json_t *root);  /* scenario_recovery.c */
void sc_load_timeline(sc_ctx *c, const json_t *root);  /* scenario_timeline.c */
void sc_load_expect(sc_ctx *c, const json_t *root);    /* scenario_expect.c */

#endif
