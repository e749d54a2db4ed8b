#!/usr/bin/env node
// tests/browser/check_console.js — a rehearsal in `drsim serve`'s page, in headless Chromium, as a
// person would do it: open the page, play, pause, take a planned failover of a recovery plan, see
// its job succeed and the plan's VMs run at the recovery site from a point taken at the failover,
// reverse replication and see the RPO come back down, run to the end (the RPO chart drawn), export. Then Ctrl-C stores
// the session's run, `drsim run` of the export must give the same summary as the stored run, and
// a screenshot of the page is kept.
//
// Usage: check_console.js --drsim BIN --scenario FILE --out DIR
// Talks to Chromium over the DevTools protocol on a pipe (as check_html.js does), so it needs no
// packages. Prints one JSON line with what it saw; exit 0 passed, 1 failed, 2 the browser or the
// server could not be driven, 77 Chromium is not installed (skipped). CHROMIUM overrides the path.
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

function arg(name) {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : null;
}
const drsim = arg('--drsim'), scenario = arg('--scenario'), out = arg('--out');
if (!drsim || !scenario || !out) {
    console.error('usage: check_console.js --drsim BIN --scenario FILE --out DIR');
    process.exit(2);
}
const browser = process.env.CHROMIUM || '/usr/bin/chromium';
if (!fs.existsSync(browser)) {
    console.log('chromium not installed (' + browser + '): browser check of drsim serve skipped');
    process.exit(77);
}
fs.mkdirSync(out, { recursive: true });
const db = path.join(out, 'console.db'), exportDb = path.join(out, 'export.db');
for (const f of [db, exportDb]) fs.rmSync(f, { force: true });
const shot = path.join(out, 'console.png');
const exported = path.join(out, 'console-export.json');
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'drsim-chromium-'));

let server = null, child = null, stderr = '';
function finish(code, result) {
    clearTimeout(timer);
    for (const p of [child, server]) {
        try { if (p && p.exitCode === null) p.kill('SIGKILL'); } catch (e) { /* already gone */ }
    }
    try { fs.rmSync(profile, { recursive: true, force: true }); } catch (e) { /* best effort */ }
    process.stdout.write(JSON.stringify(result) + '\n');
    process.exit(code);
}
const timer = setTimeout(() => finish(2, { ok: false, problems: ['timed out'], stderr: stderr.slice(-2000) }), 150000);

// --- the server ---------------------------------------------------------------------------------
function startServer() {
    return new Promise((resolve, reject) => {
        server = spawn(drsim, ['serve', scenario, '--port', '0', '--db', db], { stdio: ['ignore', 'pipe', 'pipe'] });
        let text = '';
        server.stdout.on('data', (d) => {
            text += d;
            const m = /http:\/\/127\.0\.0\.1:(\d+)\/\?token=([0-9a-f]+)/.exec(text);
            if (m) resolve({ url: m[0], port: Number(m[1]), output: () => text });
        });
        server.stderr.on('data', (d) => { stderr += d; });
        server.on('exit', (c) => reject(new Error('drsim serve exited with ' + c + ': ' + stderr)));
    });
}

// --- the protocol -------------------------------------------------------------------------------
let toBrowser, nextId = 1, pending = new Map(), listeners = [], buf = '';
function startBrowser() {
    child = spawn(browser, [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--disable-dev-shm-usage', '--remote-debugging-pipe', '--user-data-dir=' + profile,
        '--window-size=1280,1800', 'about:blank',
    ], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', (e) => finish(2, { ok: false, problems: ['cannot start ' + browser + ': ' + e.message] }));
    toBrowser = child.stdio[3];
    child.stdio[4].on('data', (d) => {
        buf += d.toString('utf8');
        let end;
        while ((end = buf.indexOf('\0')) >= 0) {
            const msg = JSON.parse(buf.slice(0, end));
            buf = buf.slice(end + 1);
            if (msg.id && pending.has(msg.id)) {
                const { resolve, reject } = pending.get(msg.id);
                pending.delete(msg.id);
                if (msg.error) reject(new Error(JSON.stringify(msg.error)));
                else resolve(msg.result);
            } else if (msg.method) {
                for (const l of listeners) l(msg);
            }
        }
    });
}
function send(method, params, sessionId) {
    const id = nextId++;
    const msg = { id, method, params: params || {} };
    if (sessionId) msg.sessionId = sessionId;
    toBrowser.write(JSON.stringify(msg) + '\0');
    return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- the rehearsal ------------------------------------------------------------------------------
(async () => {
    const problems = [], consoleErrors = [], external = [], seen = {};
    const srv = await startServer();
    startBrowser();
    listeners.push((msg) => {
        const p = msg.params || {};
        if (msg.method === 'Runtime.exceptionThrown')
            consoleErrors.push('exception: ' + (p.exceptionDetails && (p.exceptionDetails.exception && p.exceptionDetails.exception.description || p.exceptionDetails.text)));
        if (msg.method === 'Runtime.consoleAPICalled' && (p.type === 'error' || p.type === 'warning'))
            consoleErrors.push('console.' + p.type + ': ' + JSON.stringify(p.args.map((a) => a.value)));
        if (msg.method === 'Log.entryAdded' && p.entry && p.entry.level === 'error')
            consoleErrors.push('log: ' + p.entry.text + (p.entry.url ? ' (' + p.entry.url + ')' : ''));
        if (msg.method === 'Network.requestWillBeSent' && p.request &&
            !p.request.url.startsWith('http://127.0.0.1:' + srv.port + '/') && !/^(data|about|blob):/.test(p.request.url))
            external.push(p.request.url);
    });
    const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
    for (const d of ['Runtime', 'Log', 'Network', 'Page'])
        await send(d + '.enable', {}, sessionId);
    await send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 1800, deviceScaleFactor: 1, mobile: false }, sessionId);
    await send('Page.navigate', { url: srv.url }, sessionId);

    const evaluate = async (expr) => {
        const r = await send('Runtime.evaluate', { expression: expr, returnByValue: true, awaitPromise: true }, sessionId);
        if (r.exceptionDetails) throw new Error('page: ' + expr + ': ' + JSON.stringify(r.exceptionDetails));
        return r.result.value;
    };
    const waitFor = async (what, expr, ms) => {
        const until = Date.now() + (ms || 20000);
        for (;;) {
            let v = null;
            try { v = await evaluate(expr); } catch (e) { /* the page may still be loading */ }
            if (v) return v;
            if (Date.now() > until) throw new Error('waited in vain for ' + what);
            await sleep(100);
        }
    };
    const click = (id) => evaluate(`document.getElementById(${JSON.stringify(id)}).click(), true`);
    const choose = (id, value) => evaluate(`(() => { const e = document.getElementById(${JSON.stringify(id)});
        e.value = ${JSON.stringify(value)}; e.dispatchEvent(new Event('change')); return e.value === ${JSON.stringify(value)}; })()`);

    // Open: the page shows the scenario, its VMs and plan, paused at 0.
    await waitFor('the first state', `typeof state === 'object' && state !== null && document.querySelectorAll('#vms tbody tr').length > 0`);
    seen.vms = await evaluate(`document.querySelectorAll('#vms tbody tr').length`);
    seen.plans = await evaluate(`[...document.querySelectorAll('#plans tbody td:first-child')].map((t) => t.textContent)`);
    if (!seen.plans.includes('erp')) problems.push('the plan erp is not listed');

    // Play at 1 h/s until initial replication is over (3h), then pause: slow enough that a late
    // pause on a busy machine still lands hours before the link outage at 20h.
    await choose('speed', '3600');
    await click('play');
    await waitFor('playing', `state.playing === true`, 5000);
    await waitFor('3h of simulated time', `state.now >= 3 * 3600`, 30000);
    await click('pause');
    await waitFor('paused', `state.playing === false && document.getElementById('status').dataset.state === 'paused'`, 5000);
    const t = await evaluate(`state.now`);
    seen.paused_at = t;
    seen.rpo_before = await evaluate(`state.vms.find((v) => v.name === 'sql-01').rpo`);

    // The planned failover of the plan, from the page's form.
    await choose('op', 'planned_failover');
    if (!await choose('target', 'plan:erp')) problems.push('no plan:erp target');
    await click('take');
    await waitFor('the failover job', `[...document.querySelectorAll('#jobs tr.job')].some((r) => r.dataset.name === 'Planned Failover')`, 5000);
    seen.message = await evaluate(`document.getElementById('msg').textContent`);
    await choose('stepby', '15m');
    for (let i = 0; i < 2; i++) {
        const before = await evaluate('state.now');
        await click('step');
        await waitFor('a step', `state.now > ${before}`, 5000);
    }
    seen.job = await waitFor('the job succeeded', `(() => { const r = [...document.querySelectorAll('#jobs tr.job')].find((r) => r.dataset.name === 'Planned Failover');
        return r && r.dataset.state === 'succeeded' ? r.dataset.state : null; })()`, 5000);
    const sql = await evaluate(`state.vms.find((v) => v.name === 'sql-01')`);
    seen.after_failover = { site: sql.site, newest_point: sql.newest_point, rpo: sql.rpo };
    if (sql.site !== 'dublin') problems.push('sql-01 runs at ' + sql.site + ' after the failover, not dublin');
    // The RPO restarts from the point taken at the failover: no loss, newest point = its time.
    if (sql.newest_point !== t) problems.push('newest point ' + sql.newest_point + ' is not the failover time ' + t);
    const loss = await evaluate(`state.failovers.filter((f) => f.kind === 'planned_failover').map((f) => f.data_loss)`);
    if (!loss.length || loss.some((l) => l !== 0)) problems.push('planned failover losses: ' + JSON.stringify(loss));

    // Reverse replication: the RPO comes back down, now replicating from Dublin.
    await choose('op', 'reverse_replication');
    await choose('target', 'plan:erp');
    await click('take');
    await waitFor('the reverse job', `[...document.querySelectorAll('#jobs tr.job')].some((r) => r.dataset.name === 'Reverse Replication')`, 5000);
    await evaluate(`document.getElementById('runto').value = '${Math.round(t / 3600) + 5}h', true`);
    await click('go');
    const target = (Math.round(t / 3600) + 5) * 3600;
    await waitFor('run to', `state.now === ${target}`, 20000);
    const rpoAfter = await evaluate(`state.vms.find((v) => v.name === 'sql-01').rpo`);
    seen.rpo_after_reverse = rpoAfter;
    if (!(rpoAfter !== null && rpoAfter < 15 * 60)) problems.push('RPO of sql-01 after reverse replication: ' + rpoAfter);
    // Open the failover job's steps, as a reader would.
    await evaluate(`[...document.querySelectorAll('#jobs tr.job')].find((r) => r.dataset.name === 'Planned Failover').click(), true`);
    seen.steps = await waitFor('the job steps', `(() => { const s = document.querySelector('#jobs tr.steps'); return s ? s.textContent.length : 0; })()`, 5000);

    // The rest of the day, then the screenshot.
    await evaluate(`document.getElementById('runto').value = '1d', true`);
    await click('go');
    await waitFor('the end', `state.finished === true && document.getElementById('status').dataset.state === 'finished'`, 30000);
    // The RPO chart: one line per VM, each with a drawn extent.
    seen.rpo_lines = await evaluate(`[...document.querySelectorAll('#rpochart path.rpo')].map((p) => { const b = p.getBBox(); return [Math.round(b.width), Math.round(b.height)]; })`);
    if (seen.rpo_lines.length !== seen.vms || seen.rpo_lines.some((b) => !(b[0] > 500 && b[1] > 0)))
        problems.push('RPO chart lines: ' + JSON.stringify(seen.rpo_lines));
    // The report's charts (link, recovery points, failovers) as images that decoded and have a size.
    seen.charts = await waitFor('the report charts', `(() => { const i = [...document.querySelectorAll('#charts img')]; return chartsAt === state.now && i.length >= 5 && i.every((x) => x.complete && x.naturalWidth > 500) ? i.map((x) => [x.naturalWidth, x.naturalHeight]) : null; })()`, 10000);
    await evaluate(`window.scrollTo(0, 0), true`);
    await sleep(300);
    const height = await evaluate(`document.documentElement.scrollHeight`);
    await send('Emulation.setDeviceMetricsOverride', { width: 1280, height: Math.min(height, 6000), deviceScaleFactor: 1, mobile: false }, sessionId);
    await sleep(200);
    const img = await send('Page.captureScreenshot', { format: 'png' }, sessionId);
    fs.writeFileSync(shot, Buffer.from(img.data, 'base64'));

    // Export from the page.
    await click('export');
    const text = await waitFor('the export', `window.lastExport || null`, 5000);
    fs.writeFileSync(exported, text);
    const doc = JSON.parse(text);
    seen.exported = doc.timeline.filter((e) => e.do === 'planned_failover' || e.do === 'reverse_replication').map((e) => e.at + ' ' + e.do);
    if (seen.exported.length !== 2) problems.push('export timeline: ' + JSON.stringify(doc.timeline));

    await sleep(200);
    problems.push(...consoleErrors, ...external.map((u) => 'fetched ' + u));
    try { await send('Browser.close'); } catch (e) { /* it may close before replying */ }

    // Ctrl-C stores the session; the export's run must show the same.
    server.removeAllListeners('exit');
    const stopped = new Promise((resolve) => server.on('exit', (c) => resolve(c)));
    server.kill('SIGINT');
    const code = await Promise.race([stopped, sleep(20000).then(() => 'timeout')]);
    if (code !== 0) problems.push('drsim serve stopped with ' + code + ': ' + stderr);
    if (!/stored run 1 /.test(srv.output())) problems.push('no "stored run" line: ' + srv.output());
    const run = spawnSync(drsim, ['run', exported, '--db', exportDb, '--quiet'], { encoding: 'utf8' });
    if (run.status !== 0) problems.push('drsim run of the export: exit ' + run.status + ' ' + run.stdout + run.stderr);
    const a = spawnSync(drsim, ['report', db], { encoding: 'utf8' });
    const b = spawnSync(drsim, ['report', exportDb], { encoding: 'utf8' });
    seen.summary_lines = a.stdout.split('\n').length;
    if (a.stdout.length < 500 || a.stdout !== b.stdout)
        problems.push('the stored session and the export\'s run differ:\n' + a.stdout + '\n---\n' + b.stdout);
    seen.screenshot = shot;
    finish(problems.length ? 1 : 0, { ok: problems.length === 0, problems, seen });
})().catch((e) => finish(2, { ok: false, problems: [String(e && e.stack || e)], stderr: stderr.slice(-2000) }));
