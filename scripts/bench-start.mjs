// Start-time benchmark: first paint, first contentful paint and interactive (the app's own
// `linli-interactive` mark: shell mounted and the store open), in headless Debian Chromium,
//   1. cold, online, over loopback (a fresh profile each run), and
//   2. a repeat start served by the service worker with the network off, and
//   3. the same with a year of one community's data on the phone (`linli_core::year`, a
//      grid worker's: 5,000 help requests, 300 proposals with 30,000 ballots and 20,000
//      comments, 20,000 patrol observations, 2,000 points entries): first paint,
//      interactive, help's list on screen, then each module's first screen after its tab
//      is tapped (each run starting from another module), and which documents the start
//      and each first screen loaded.
// Prints medians (and ranges) in milliseconds since navigation start. Not a test.
//   node scripts/bench-start.mjs [runs=7]     (after scripts/build)
// LINLI_DIST=<dir> serves another build instead of dist/, to compare two builds run by run.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '../end2end/node_modules/playwright-core/index.mjs';

const runs = Number(process.argv[2] ?? 7);
const target = process.env.CARGO_TARGET_DIR ?? 'target';
const port = await new Promise((ok) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => ok(p));
  });
});
const url = `http://127.0.0.1:${port}/`;
const dist = process.env.LINLI_DIST ?? 'dist';
const data = mkdtempSync(join(tmpdir(), 'linli-bench-data-'));
const server = spawn(`${target}/server/linli-server`, ['serve', '--addr', `127.0.0.1:${port}`, '--dist', dist, '--data', data], { stdio: 'ignore' });
for (let i = 0; ; i++) {
  try { if ((await fetch(url)).ok) break; } catch { /* starting */ }
  if (i > 100) throw new Error('server did not start');
  await new Promise((r) => setTimeout(r, 50));
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function measure(page) {
  await page.waitForFunction(() => performance.getEntriesByName('linli-interactive').length > 0, null, { timeout: 30_000 });
  return page.evaluate(() => {
    const paint = (n) => performance.getEntriesByName(n)[0]?.startTime ?? NaN;
    return {
      firstPaint: paint('first-paint'),
      firstContentfulPaint: paint('first-contentful-paint'),
      interactive: performance.getEntriesByName('linli-interactive')[0].startTime,
    };
  });
}

// The settings as the app keeps them (src/settings.rs): one serde value per key.
const member = {
  'linli.member': JSON.stringify({ id: 'local-bench', name: '王阿姨', role: 'resident', community: 'huqian-2', sandbox: true, server: null }),
};

const cold = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  cold.push(await measure(page));
  await context.close();
}

const context = await browser.newContext();
const page = await context.newPage();
await page.goto(url);
await page.evaluate((m) => Object.entries(m).forEach(([k, v]) => localStorage.setItem(k, v)), member);
await page.reload();
await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
await context.setOffline(true);
const offline = [];
for (let i = 0; i < runs; i++) {
  await page.reload();
  offline.push(await measure(page));
}
// 3. A year of data. The fixture is built natively by core (the server's profile: the
// release profile's size-first code would take minutes), then written into the sandbox's
// database the way the store keeps documents: a snapshot per document, and its kind in
// `held`.
const fixture = mkdtempSync(join(tmpdir(), 'linli-year-'));
execFileSync('cargo', ['run', '--quiet', '--profile', 'server', '-p', 'linli-core', '--features', 'year', '--example', 'year', '--',
  fixture, 'huqian-2', 'm_zhang', String(Date.now())], { stdio: ['ignore', 'inherit', 'inherit'] });
const held = readFileSync(join(fixture, 'held.txt'), 'utf8').trim().split('\n').map((l) => l.split(' '));
const worker = {
  'linli.member': JSON.stringify({ id: 'm_zhang', name: '张网格', role: 'grid_worker', community: 'huqian-2', sandbox: true, server: null }),
};
const yearContext = await browser.newContext();
// Help's list counts as shown at the frame that first draws one of its rows, marked by the
// page itself: asking from here would add Playwright's round trips to the figure.
await yearContext.addInitScript(() => {
  new MutationObserver((_, seen) => {
    if (!document.querySelector('[data-testid=help-item]')) return;
    seen.disconnect();
    requestAnimationFrame(() => performance.mark('bench-help-list'));
  }).observe(document, { childList: true, subtree: true });
});
const year = await yearContext.newPage();
await year.goto(url);
await year.evaluate((m) => Object.entries(m).forEach(([k, v]) => localStorage.setItem(k, v)), worker);
await year.reload();
await measure(year);
for (let i = 0; i < held.length; i += 40) {
  const batch = held.slice(i, i + 40).map(([id, kind]) => [id, kind, readFileSync(join(fixture, id)).toString('base64')]);
  await year.evaluate(async (docs) => {
    const db = await new Promise((ok, err) => {
      const r = indexedDB.open('linli-sandbox');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => err(r.error);
    });
    const tx = db.transaction(['snapshots', 'held'], 'readwrite');
    for (const [id, kind, b64] of docs) {
      tx.objectStore('snapshots').put(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)), id);
      tx.objectStore('held').put(kind, id);
    }
    await new Promise((ok, err) => {
      tx.oncomplete = ok;
      tx.onerror = () => err(tx.error);
    });
    db.close();
  }, batch);
}
await year.reload();
await year.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
await yearContext.setOffline(true);

/** The first screen of each module: its tab, and what shows once its data is read. */
const screens = [
  ['deliberation', '/deliberation', '[data-testid=proposal-list] li'],
  ['points', '/points', '[data-testid=points-balance]'],
  ['patrol', '/patrol', '.patrol-start, [data-testid=patrol-current]'],
];
const yearRows = [];
let opened = [];
for (let i = 0; i < runs; i++) {
  // Each start from help's page, as the app opens (the last run ended on another tab).
  await year.goto(`${url}help`);
  const row = await measure(year);
  await year.waitForFunction(() => performance.getEntriesByName('bench-help-list').length > 0, null, { timeout: 60_000 });
  row.helpList = await year.evaluate(() => performance.getEntriesByName('bench-help-list')[0].startTime);
  opened = await year.evaluate(() => performance.getEntriesByType('mark').map((m) => m.name).filter((n) => n.startsWith('linli-open:')));
  // Each run starts from another module, so each is the first opened in a third of the
  // runs: the first fetches the code modules share and the documents they share.
  const order = screens.map((_, k) => screens[(i + k) % screens.length]);
  row.first = order[0][0];
  for (const [name, href, ready] of order) {
    [row[name], row[`${name}Loads`]] = await year.evaluate(async ([href, ready]) => {
      const t0 = performance.now();
      document.querySelector(`nav a[href="${href}"]`).click();
      while (!document.querySelector(ready)) await new Promise((r) => requestAnimationFrame(r));
      const t = performance.now() - t0;
      const loads = performance.getEntriesByType('mark').filter((m) => m.name.startsWith('linli-open:') && m.startTime >= t0);
      return [t, loads.length];
    }, [href, ready]);
  }
  yearRows.push(row);
}
await browser.close();
server.kill('SIGKILL');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// A run can end without a paint entry (Chromium records none when nothing new is painted):
// left out of the median and the range, and counted, rather than poisoning both.
function line(name, all) {
  const xs = all.filter((x) => Number.isFinite(x));
  const missing = all.length - xs.length;
  const note = missing ? `   (${missing} of ${all.length} runs recorded none)` : '';
  console.log(`  ${name.padEnd(22)} median ${median(xs).toFixed(0).padStart(5)} ms   range ${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)} ms${note}`);
}
function report(name, rows, keys = ['firstPaint', 'firstContentfulPaint', 'interactive']) {
  console.log(`${name} (${rows.length} runs)`);
  for (const key of keys) line(key, rows.map((r) => r[key]));
}
report('cold start, online over loopback', cold);
report('repeat start, service worker, network off', offline);
report(`repeat start with a year of data (${held.length} documents), service worker, network off`, yearRows,
  ['firstPaint', 'firstContentfulPaint', 'interactive', 'helpList']);
console.log('  each module\'s first screen, from the tap on its tab (the first run fetches its chunk from the service worker)');
for (const [name] of screens) line(name, yearRows.map((r) => r[name]));
console.log('  the same, only the runs that opened it first after the start');
for (const [name] of screens) line(`${name}, first`, yearRows.filter((r) => r.first === name).map((r) => r[name]));
// The first run is a phone's first visit to each module (nothing kept in localStorage yet);
// it opens deliberation first.
console.log(`  documents each first screen loaded, first run / later runs' median: ${screens
  .map(([name]) => `${name} ${yearRows[0][`${name}Loads`]} / ${median(yearRows.slice(1).map((r) => r[`${name}Loads`]))}`)
  .join(', ')}`);
const kinds = {};
for (const m of opened) kinds[m.slice('linli-open:'.length)] = (kinds[m.slice('linli-open:'.length)] ?? 0) + 1;
console.log(`  documents loaded by the start and help's list: ${opened.length} (${Object.entries(kinds).map(([k, n]) => `${k} ${n}`).join(', ')}) of ${held.length} held`);
