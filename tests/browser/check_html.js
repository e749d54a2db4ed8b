#!/usr/bin/env node
// tests/browser/check_html.js — opens a drsim HTML report in headless Chromium and checks that it
// renders: every chart section is in the DOM, every SVG chart laid out has a non-zero size (those in
// a closed <details> are counted as folded), the RPO lines, the fleet band, the storage total and
// the Gantt bars are drawn, nothing was logged as an error and nothing was fetched from anywhere
// but the file itself.
//
// Usage: check_html.js REPORT.html [--screenshot OUT.png [--clip Y:HEIGHT]]
// Talks to Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: requests go to
// its fd 3, replies come from its fd 4, each message JSON ending in a NUL), so it needs no packages.
// Prints one JSON line with what it found; exit 0 when the page passed, 1 when it did not, 2 when the
// browser could not be driven. CHROMIUM overrides the browser path.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const args = process.argv.slice(2);
if (args.length < 1) {
    console.error('usage: check_html.js REPORT.html [--screenshot OUT.png]');
    process.exit(2);
}
const file = path.resolve(args[0]);
const shotAt = args.indexOf('--screenshot');
const shot = shotAt >= 0 ? args[shotAt + 1] : null;
const clipAt = args.indexOf('--clip');
const clip = clipAt >= 0 ? args[clipAt + 1].split(':').map(Number) : null;
const browser = process.env.CHROMIUM || '/usr/bin/chromium';
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'drsim-chromium-'));

const child = spawn(browser, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage', '--remote-debugging-pipe', '--user-data-dir=' + profile,
    '--window-size=1200,2400', 'about:blank',
], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });

let stderr = '';
child.stderr.on('data', (d) => { stderr += d; });

function finish(code, result) {
    clearTimeout(timer);
    try { child.kill('SIGKILL'); } catch (e) { /* already gone */ }
    try { fs.rmSync(profile, { recursive: true, force: true }); } catch (e) { /* best effort */ }
    process.stdout.write(JSON.stringify(result) + '\n');
    process.exit(code);
}
const timer = setTimeout(() => finish(2, { ok: false, problems: ['timed out'], stderr: stderr.slice(-2000) }), 45000);
child.on('error', (e) => finish(2, { ok: false, problems: ['cannot start ' + browser + ': ' + e.message] }));

// --- the protocol -------------------------------------------------------------------------------
const toBrowser = child.stdio[3], fromBrowser = child.stdio[4];
let nextId = 1, pending = new Map(), listeners = [], buf = '';
fromBrowser.on('data', (d) => {
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
function send(method, params, sessionId) {
    const id = nextId++;
    const msg = { id, method, params: params || {} };
    if (sessionId) msg.sessionId = sessionId;
    toBrowser.write(JSON.stringify(msg) + '\0');
    return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}
function waitFor(method) {
    return new Promise((resolve) => {
        const l = (msg) => {
            if (msg.method === method) {
                listeners = listeners.filter((x) => x !== l);
                resolve(msg.params);
            }
        };
        listeners.push(l);
    });
}

// --- the check ----------------------------------------------------------------------------------
(async () => {
    const problems = [], consoleErrors = [], external = [];
    listeners.push((msg) => {
        const p = msg.params || {};
        if (msg.method === 'Runtime.exceptionThrown')
            consoleErrors.push('exception: ' + (p.exceptionDetails && p.exceptionDetails.text));
        if (msg.method === 'Runtime.consoleAPICalled' && (p.type === 'error' || p.type === 'warning'))
            consoleErrors.push('console.' + p.type + ': ' + JSON.stringify(p.args.map((a) => a.value)));
        if (msg.method === 'Log.entryAdded' && p.entry && p.entry.level === 'error')
            consoleErrors.push('log: ' + p.entry.text + (p.entry.url ? ' (' + p.entry.url + ')' : ''));
        if (msg.method === 'Network.requestWillBeSent' && p.request &&
            !/^(file|data|about):/.test(p.request.url))
            external.push(p.request.url);
    });
    const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
    for (const d of ['Runtime', 'Log', 'Network', 'Page'])
        await send(d + '.enable', {}, sessionId);
    await send('Emulation.setDeviceMetricsOverride',
        { width: 1200, height: 2400, deviceScaleFactor: 1, mobile: false }, sessionId);
    const loaded = waitFor('Page.loadEventFired');
    const nav = await send('Page.navigate', { url: 'file://' + file }, sessionId);
    if (nav.errorText) problems.push('navigation failed: ' + nav.errorText);
    await loaded;
    const probe = `(() => {
        const box = (e) => { const r = e.getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)]; };
        const bbox = (e) => { const b = e.getBBox(); return [Math.round(b.width), Math.round(b.height)]; };
        const sections = {};
        for (const id of ['chart-rpo', 'chart-link', 'chart-rp', 'chart-storage', 'chart-gantt'])
            sections[id] = !!document.getElementById(id);
        // Charts in a closed <details> are not laid out until opened: counted apart.
        const all = [...document.querySelectorAll('figure.chart svg')];
        const folded = all.filter((s) => s.closest('details:not([open])'));
        const charts = all.filter((s) => !folded.includes(s)).map((s) => ({ id: s.id, size: box(s) }));
        const rpo = [...document.querySelectorAll('path.rpo')].filter((p) => !p.closest('details:not([open])')).map(bbox);
        // The fleet band and its lines, the storage total, the Gantt bars: drawn with a visible extent.
        const drawn = (sel) => [...document.querySelectorAll(sel)].map(bbox);
        const band = drawn('#chart-fleet-svg path.band'), fleetMax = drawn('#chart-fleet-svg path.fleet-max');
        const storage = drawn('#chart-storage-svg path.stor-total');
        const bars = drawn('#chart-gantt-svg rect.job, #chart-gantt-svg rect.fo');
        const worst = [...document.querySelectorAll('#chart-fleet-svg g.worst text')].map((t) => t.textContent);
        return { title: document.title, sections, charts, folded: folded.length, rpo,
                 band, fleetMax, storage, bars: bars.length,
                 emptyBars: bars.filter((b) => !(b[0] > 0 && b[1] > 0)).length, worst,
                 tables: document.querySelectorAll('table').length,
                 height: document.documentElement.scrollHeight };
    })()`;
    const ev = await send('Runtime.evaluate', { expression: probe, returnByValue: true }, sessionId);
    const page = ev.result.value;
    for (const [id, found] of Object.entries(page.sections))
        if (!found) problems.push('no element #' + id);
    if (page.charts.length === 0) problems.push('no SVG charts');
    for (const c of page.charts)
        if (!(c.size[0] > 0 && c.size[1] > 0)) problems.push('chart ' + c.id + ' has size ' + c.size.join('x'));
    for (const [i, b] of page.rpo.entries())
        if (!(b[0] > 0 && b[1] > 0)) problems.push('RPO line ' + i + ' has an empty box');
    // A run with VMs whose RPO was defined has a band; one with replica storage a filled total.
    for (const [what, list] of [['fleet band', page.band], ['fleet maximum', page.fleetMax], ['storage total', page.storage]])
        for (const b of list)
            if (!(b[0] > 0 && b[1] > 0)) problems.push(what + ' has an empty box');
    if (page.emptyBars) problems.push(page.emptyBars + ' Gantt bars have an empty box');
    if (shot) {
        const full = { width: 1200, height: Math.min(page.height, 16000), deviceScaleFactor: 1, mobile: false };
        await send('Emulation.setDeviceMetricsOverride', full, sessionId);
        const opts = { format: 'png' };
        if (clip) opts.clip = { x: 0, y: clip[0], width: 1200, height: clip[1], scale: 1 };
        const img = await send('Page.captureScreenshot', opts, sessionId);
        fs.writeFileSync(shot, Buffer.from(img.data, 'base64'));
    }
    // Late console messages still count: give the page a moment after load.
    await new Promise((r) => setTimeout(r, 200));
    problems.push(...consoleErrors, ...external.map((u) => 'fetched ' + u));
    try { await send('Browser.close'); } catch (e) { /* it may close before replying */ }
    finish(problems.length ? 1 : 0, { ok: problems.length === 0, problems, page });
})().catch((e) => finish(2, { ok: false, problems: [String(e && e.stack || e)], stderr: stderr.slice(-2000) }));
