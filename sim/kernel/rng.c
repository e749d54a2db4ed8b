/* sim/kernel/rng.c — seeded random streams, one per entity, as GSL generators.
 *
 * A stream's seed depends only on (scenario seed, entity name), so adding an entity never shifts the
 * draws of another, and a scenario with the same seed replays exactly. The generator is
 * xoshiro256** (Blackman and Vigna, 2018): fast, 256 bits of state, passes BigCrush, and unlike GSL's
 * mt19937 or taus2 it takes the whole 64-bit stream seed (those keep 32 bits, so a few tens of
 * thousands of entities would already make two identical streams likely). */
#include <stdint.h>

#include "sim.h"

typedef struct sim_xoshiro {
    uint64_t s[4];
} sim_xoshiro;

static inline uint64_t sim_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* splitmix64's output function: a bijective 64-bit mix with good avalanche. */
static inline uint64_t sim_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

#define SIM_GOLDEN UINT64_C(0x9e3779b97f4a7c15)

/* Fills the state from a 64-bit seed with splitmix64, as the generator's authors recommend; four
 * consecutive splitmix64 outputs are never all zero, the one state xoshiro must avoid. */
static void sim_xoshiro_seed(sim_xoshiro *x, uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        seed += SIM_GOLDEN;
        x->s[i] = sim_mix64(seed);
    }
}

static inline uint64_t sim_xoshiro_next(sim_xoshiro *x)
{
    uint64_t *s = x->s;
    uint64_t result = sim_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = sim_rotl(s[3], 45);
    return result;
}

static void sim_rng_set(void *state, unsigned long int seed)
{
    sim_xoshiro_seed(state, (uint64_t)seed);
}

/* GSL generators return unsigned long; 32 bits keep results the same where long is 32 bits. */
static unsigned long int sim_rng_get(void *state)
{
    return (unsigned long int)(sim_xoshiro_next(state) >> 32);
}

/* 53 random bits: every double of the form k / 2^53 in [0, 1). */
static double sim_rng_get_double(void *state)
{
    return (double)(sim_xoshiro_next(state) >> 11) * 0x1.0p-53;
}

static const gsl_rng_type sim_rng_xoshiro = {
    "xoshiro256**", 0xffffffffUL, 0, sizeof(sim_xoshiro),
    sim_rng_set,    sim_rng_get,  sim_rng_get_double,
};

const gsl_rng_type *sim_rng_type(void)
{
    return &sim_rng_xoshiro;
}

uint64_t sim_stream_seed(uint64_t scenario_seed, const char *entity)
{
    /* FNV-1a over the name; both steps of the mix are bijective for a fixed other input, so
     * distinct names under one seed (barring an FNV collision) get distinct stream seeds. */
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (const unsigned char *p = (const unsigned char *)entity; *p; p++) {
        h ^= *p;
        h *= UINT64_C(0x100000001b3);
    }
    return sim_mix64(sim_mix64(scenario_seed + SIM_GOLDEN) ^ h);
}

gsl_rng *sim_rng_new(uint64_t scenario_seed, const char *entity)
{
    gsl_rng *r = gsl_rng_alloc(&sim_rng_xoshiro);
    if (!r)
        return NULL;
    /* Seeded directly rather than through gsl_rng_set, whose seed is an unsigned long. */
    sim_xoshiro_seed(r->state, sim_stream_seed(scenario_seed, entity));
    return r;
}
