#!/usr/bin/env node
// tests/browser/check_report.js — the HTML report of a real run of a busy rehearsal, end to end:
// builds a scenario from a regression scenario (36 protected VMs, each given a test failover with
// its cleanup between 2h and 20h, so well over 60 failover jobs, then the recovery plan's planned
// failover late, at 22h), runs `drsim run --html --db`, renders the stored run again with
// `drsim report --html` (the same page must come out), reads the numbers back from the SVG (the
// late planned failover has a bar at the x its start maps to; every failover job has a bar; the
// fleet RPO chart names the worst VMs; the storage chart has a total) and renders the page in
// headless Chromium with check_html.js, keeping a full-page screenshot as report.png in DIR.
//
// Usage: check_report.js --drsim BIN --scenario BASE.json --out DIR
// Prints what it found as JSON; exit 0 when everything held, 1 when something did not, 2 when drsim
// or the browser could not be driven, 77 when Chromium is not installed (skipped). CHROMIUM
// overrides the browser path.
'use strict';
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

function arg(name) {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : null;
}
const drsim = arg('--drsim'), base = arg('--scenario'), out = arg('--out');
if (!drsim || !base || !out) {
    console.error('usage: check_report.js --drsim BIN --scenario BASE.json --out DIR');
    process.exit(2);
}
const browser = process.env.CHROMIUM || '/usr/bin/chromium';
if (!fs.existsSync(browser)) {
    console.log('chromium not installed (' + browser + '): browser check of the HTML report skipped');
    process.exit(77);
}
fs.mkdirSync(out, { recursive: true });
const problems = [], seen = {};
function done() {
    console.log(JSON.stringify({ ok: problems.length === 0, problems, seen }));
    process.exit(problems.length ? 1 : 0);
}
function run(cmd, args) {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 240000 });
    if (r.status !== 0) {
        console.log(JSON.stringify({ ok: false, problems: [cmd + ' ' + args.join(' ') + ': exit ' + r.status, (r.stderr || '').slice(-2000)] }));
        process.exit(2);
    }
    return r.stdout;
}

// --- the scenario: the base's sites, links and plan, 34 more VMs like web-01, a day of rehearsals.
const sc = JSON.parse(fs.readFileSync(base, 'utf8'));
const model = sc.vms.find((v) => v.name === 'web-01') || sc.vms[sc.vms.length - 1];
for (let i = 1; i <= 34; i++) {
    const vm = JSON.parse(JSON.stringify(model));
    vm.name = 'app-' + String(i).padStart(2, '0');
    sc.vms.push(vm);
    sc.recovery.protect.push({ vm: vm.name, at: '30m' });
}
sc.name = 'busy-rehearsal';
sc.duration = '1d';
sc.timeline = [];
sc.vms.forEach((vm, i) => {
    const at = 2 * 3600 + i * 1800; // 2h, 2h30m, ... up to 19h30m
    sc.timeline.push({ at: at + 's', do: 'test_failover', vm: vm.name, recovery_point: 'latest', cleanup_after: '20m' });
});
sc.timeline.push({ at: '22h', do: 'planned_failover', plan: sc.recovery.recovery_plans[0].name });
sc.expect = [];
const scenario = path.join(out, 'busy-rehearsal.json');
fs.writeFileSync(scenario, JSON.stringify(sc, null, 1));
const html = path.join(out, 'report.html'), db = path.join(out, 'results.db'), stored = path.join(out, 'stored.html');
for (const f of [html, db, stored]) fs.rmSync(f, { force: true });
run(drsim, ['run', scenario, '--html', html, '--db', db, '--quiet']);
run(drsim, ['report', db, '--html', stored]);
const page = fs.readFileSync(html, 'utf8');
if (page !== fs.readFileSync(stored, 'utf8')) problems.push('drsim report renders the stored run differently');

// --- numbers from the SVG.
function svg(id) {
    const a = page.indexOf('<svg id="' + id + '"');
    if (a < 0) { problems.push('no chart ' + id); return ''; }
    return page.slice(a, page.indexOf('</svg>', a));
}
const num = (s, name) => { const m = s.match(new RegExp(' ' + name + '="([-0-9.]+)"')); return m ? Number(m[1]) : NaN; };
const gantt = svg('chart-gantt-svg');
const desc = (gantt.match(/<desc [^>]*>/) || [''])[0];
const t0 = num(desc, 'data-t0-ns'), t1 = num(desc, 'data-t1-ns'), x0 = num(desc, 'data-x0'), x1 = num(desc, 'data-x1');
const bars = [...gantt.matchAll(/<g class="bar"><rect class="(job|fo)" x="([0-9.]+)"[^>]* data-start-ns="(\d+)"[^]*?<\/g>/g)]
    .map((m) => ({ cls: m[1], x: Number(m[2]), start: Number(m[3]), title: (m[0].match(/<title>([^<]*)<\/title><\/g>$/) || [])[1] || '' }));
const jobs = bars.filter((b) => b.cls === 'job');
seen.gantt = { bars: bars.length, jobs: jobs.length, lanes: (gantt.match(/class="lanelabel"/g) || []).length };
if (jobs.length <= 60) problems.push('only ' + jobs.length + ' job bars: a busy rehearsal has more than 60 failover jobs');
// Every failover job of the jobs table, one bar each: a test failover per VM, and the cleanups
// (one per test VM that was up when its cleanup came due).
const table = page.slice(page.indexOf('<table id="jobs">'));
for (const kind of ['Test Failover', 'Cleanup Test Failover', 'Planned Failover']) {
    const rows = (table.match(new RegExp('<tr><td class="n">\\d+</td><td>' + kind + '</td>', 'g')) || []).length;
    const n = jobs.filter((b) => b.title.startsWith(kind + ' (')).length;
    seen.gantt[kind] = n;
    if (n !== rows) problems.push(n + ' "' + kind + '" bars for ' + rows + ' rows of the jobs table');
}
if (seen.gantt['Test Failover'] !== sc.vms.length) problems.push(seen.gantt['Test Failover'] + ' test failovers for ' + sc.vms.length + ' VMs');
const planned = jobs.filter((b) => b.title.startsWith('Planned Failover ('));
if (planned.length !== 1) problems.push(planned.length + ' planned failover bars');
else {
    const p = planned[0], want = x0 + (p.start - t0) / (t1 - t0) * (x1 - x0);
    seen.planned = { start_ns: p.start, x: p.x, expected_x: Number(want.toFixed(2)) };
    if (p.start < 22 * 3600e9) problems.push('the planned failover starts before 22h: ' + p.start);
    if (Math.abs(p.x - want) > 0.006) problems.push('planned failover bar at x ' + p.x + ', its start maps to ' + want);
}
const fleet = svg('chart-fleet-svg');
seen.worst = ((fleet.match(/<text class="worstlist"[^>]*>([^<]*)<\/text>/) || [])[1] || '').replace(/^worst: /, '').split('; ');
if (seen.worst.length !== 5) problems.push(seen.worst.length + ' worst VMs named on the fleet chart');
if ((fleet.match(/<g class="worst">/g) || []).length !== 5) problems.push('not 5 peaks marked on the fleet chart');
seen.fleet_buckets = (fleet.match(/data-p95-ns=/g) || []).length;
seen.rpo_charts = (page.match(/<svg id="chart-rpo-/g) || []).length;
const more = page.indexOf('<details id="rpo-more">');
seen.rpo_folded = more < 0 ? 0 : (page.slice(more).match(/<svg id="chart-rpo-/g) || []).length;
// The five worst VMs one by one, the next 20 folded, a note for the other 11.
if (seen.rpo_charts !== 25 || seen.rpo_folded !== 20 || !page.includes('11 more VMs are not drawn one by one'))
    problems.push('per-VM RPO charts: ' + seen.rpo_charts + ', folded ' + seen.rpo_folded);
const storage = svg('chart-storage-svg');
seen.storage_peak_bytes = num((storage.match(/<desc [^>]*>/) || [''])[0], 'data-peak-bytes');
if (!(seen.storage_peak_bytes > 0)) problems.push('no replica storage peak');
// A line per site's storage that held replicas, each with its peak no larger than the total's.
seen.storage_lines = [...storage.matchAll(/<g class="storage" data-storage="(\d+)" data-peak-bytes="(\d+)"/g)].map((m) => Number(m[2]));
if (seen.storage_lines.length < 1 || seen.storage_lines.some((p) => !(p > 0 && p <= seen.storage_peak_bytes)))
    problems.push('storage lines: ' + JSON.stringify(seen.storage_lines));

// --- the page in Chromium, with a full-page screenshot.
const shot = path.join(out, 'report.png');
const r = spawnSync(process.execPath, [path.join(__dirname, 'check_html.js'), html, '--screenshot', shot],
    { encoding: 'utf8', timeout: 120000 });
let render = null;
try { render = JSON.parse(r.stdout.trim().split('\n').pop()); } catch (e) { /* reported below */ }
if (!render) { problems.push('check_html.js: ' + (r.stdout || '') + (r.stderr || '')); done(); }
seen.render = { ok: render.ok, charts: render.page && render.page.charts.length, folded: render.page && render.page.folded,
                bars: render.page && render.page.bars, height: render.page && render.page.height };
if (r.status !== 0) problems.push(...(render.problems || ['check_html.js exit ' + r.status]));
else if (!(render.page.bars >= bars.length && render.page.band.length === 1 && render.page.storage.length === 1))
    problems.push('in the browser: ' + render.page.bars + ' bars, band ' + render.page.band.length + ', storage ' + render.page.storage.length);
if (!fs.existsSync(shot)) problems.push('no screenshot');
seen.screenshot = shot;
done();
