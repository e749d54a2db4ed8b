/* engine/record.c — the spelling of the record interface's enums, as scenarios and reports use it. */
#include "record.h"

const char *engine_job_state_name(engine_job_state s)
{
    switch (s) {
    case ENGINE_JOB_IN_PROGRESS: return "in_progress";
    case ENGINE_JOB_SUCCEEDED: return "succeeded";
    case ENGINE_JOB_FAILED: return "failed";
    case ENGINE_JOB_CANCELLED: return "cancelled";
    }
    return "?";
}

const char *engine_event_kind_name(engine_event_kind k)
{
    static const char *const names[ENGINE_EV_COUNT] = {
#define EVENT_NAME(id, name, expectable, finding) [id] = name,
        ENGINE_EVENT_KINDS(EVENT_NAME)
#undef EVENT_NAME
    };
    if ((int)k < 0 || k >= ENGINE_EV_COUNT)
        return "?";
    return names[k];
}

const char *engine_event_finding(engine_event_kind k)
{
    static const char *const findings[ENGINE_EV_COUNT] = {
#define EVENT_FINDING(id, name, expectable, finding) [id] = finding,
        ENGINE_EVENT_KINDS(EVENT_FINDING)
#undef EVENT_FINDING
    };
    if ((int)k < 0 || k >= ENGINE_EV_COUNT)
        return NULL;
    return findings[k];
}

const char *engine_health_name(engine_health h)
{
    switch (h) {
    case ENGINE_HEALTH_NONE: return "none";
    case ENGINE_HEALTH_NORMAL: return "normal";
    case ENGINE_HEALTH_WARNING: return "warning";
    case ENGINE_HEALTH_CRITICAL: return "critical";
    }
    return "?";
}

const char *engine_rp_kind_name(engine_rp_kind k)
{
    switch (k) {
    case ENGINE_RP_LATEST: return "latest";
    case ENGINE_RP_HOURLY: return "hourly";
    case ENGINE_RP_APP_CONSISTENT: return "app_consistent";
    }
    return "?";
}

const char *engine_failover_kind_name(engine_failover_kind k)
{
    static const char *const names[] = {
#define FO_NAME(id, name, short_name, long_name) [id] = name,
        ENGINE_FAILOVER_KINDS(FO_NAME)
#undef FO_NAME
    };
    return (int)k < ENGINE_FO_KIND_COUNT ? names[k] : "?";
}

const char *engine_failover_kind_short(engine_failover_kind k)
{
    static const char *const names[] = {
#define FO_SHORT(id, name, short_name, long_name) [id] = short_name,
        ENGINE_FAILOVER_KINDS(FO_SHORT)
#undef FO_SHORT
    };
    return (int)k < ENGINE_FO_KIND_COUNT ? names[k] : "?";
}

const char *engine_failover_kind_long(engine_failover_kind k)
{
    static const char *const names[] = {
#define FO_LONG(id, name, short_name, long_name) [id] = long_name,
        ENGINE_FAILOVER_KINDS(FO_LONG)
#undef FO_LONG
    };
    return (int)k < ENGINE_FO_KIND_COUNT ? names[k] : "?";
}

const char *engine_job_kind_name(engine_job_kind k)
{
    static const char *const names[] = {
#define ENGINE_JOB_NAME(id, name, failover) [id] = name,
        ENGINE_JOB_KINDS(ENGINE_JOB_NAME)
#undef ENGINE_JOB_NAME
    };
    return k < ENGINE_JOB_KIND_COUNT ? names[k] : "?";
}
