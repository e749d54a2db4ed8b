/* reports/junit.c — the expectations as JUnit XML, so CI systems show each one as a test case. */
#include "output.h"
#include "reports.h"

#include <stdio.h>
#include <string.h>

/* Writes s escaped for XML text and attribute values. Control characters other than tab, newline
 * and carriage return are not allowed in XML 1.0 at all: they become '?'. */
static void xml_escaped(FILE *out, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&apos;", out);
            break;
        default:
            if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
                fputc('?', out);
            else
                fputc(*p, out);
        }
    }
}

void report_junit_fprint(const report_results *r, FILE *out)
{
    size_t n = report_results_expect_count(r), failed = report_results_expect_failed(r);
    const char *scenario = report_results_scenario_name(r);
    /* A run that did not finish (a stored run that was killed) is an error case of its own, so CI
     * never reads it as a pass. */
    size_t errors = report_results_end_ns(r) < 0;
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    fprintf(out, "<testsuites name=\"drsim\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n",
            n + errors, failed, errors);
    fputs("  <testsuite name=\"", out);
    xml_escaped(out, scenario);
    fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\">\n", n + errors,
            failed, errors);
    if (errors) {
        fputs("    <testcase classname=\"drsim.", out);
        xml_escaped(out, scenario);
        fputs("\" name=\"run\">\n      <error type=\"incomplete\" message=\"the run did not "
              "finish: its "
              "expectations were never checked\"/>\n    </testcase>\n",
              out);
    }
    for (size_t i = 0; i < n; i++) {
        const report_expect_result *e = report_results_expect(r, i);
        fputs("    <testcase classname=\"drsim.", out);
        xml_escaped(out, scenario);
        fputs("\" name=\"", out);
        xml_escaped(out, e->path);
        fputc(' ', out);
        xml_escaped(out, e->name);
        if (e->pass) {
            fputs("\"/>\n", out);
            continue;
        }
        fputs("\">\n      <failure type=\"expectation\" message=\"expected ", out);
        xml_escaped(out, e->bound);
        fputs(", got ", out);
        xml_escaped(out, e->actual);
        fputs("\">expected: ", out);
        xml_escaped(out, e->bound);
        fputs("\nactual: ", out);
        xml_escaped(out, e->actual);
        fputs("</failure>\n    </testcase>\n", out);
    }
    fputs("  </testsuite>\n</testsuites>\n", out);
}

bool report_junit_write(const report_results *r, const char *path, drs_error *err)
{
    FILE *out = report_output_open(path, err);
    if (!out)
        return false;
    report_junit_fprint(r, out);
    return report_output_close(out, path, err);
}
