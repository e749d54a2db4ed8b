/* reports/output.c — opening and closing report files with their errors reported. */
#include "output.h"

#include <errno.h>
#include <string.h>

FILE *report_output_open(const char *path, drs_error *err)
{
    FILE *out = fopen(path, "w");
    if (!out)
        drs_fail(err, DRS_EIO, "", "cannot write %s: %s", path, strerror(errno));
    return out;
}

bool report_output_close(FILE *out, const char *path, drs_error *err)
{
    bool ok = !ferror(out);
    if (fclose(out) != 0)
        ok = false;
    if (!ok)
        return drs_fail(err, DRS_EIO, "", "cannot write %s: %s", path, strerror(errno));
    return true;
}
