/* reports/output.h — writing a report file (HTML, JUnit): the file opened for writing, then closed
 * with every write error reported, so a full disk never passes for a finished report. */
#ifndef REPORT_OUTPUT_H
#define REPORT_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "engine/shared/error.h"

/* Creates (or truncates) path. NULL with err set when it cannot. */
FILE *report_output_open(const char *path, drs_error *err);

/* Closes out, which report_output_open returned for path. False with err set when any write to it
 * or the close failed. out is closed either way. */
bool report_output_close(FILE *out, const char *path, drs_error *err);

#endif
