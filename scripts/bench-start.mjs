// Start-time benchmark: first paint, first contentful paint and interactive (the app's own
// `linli-interactive` mark: shell mounted and the store open), in headless Debian Chromium,
//   1. cold, online, over loopback (a fresh profile each run), and
//   2. a repeat start served by the service worker with the network off.
// Prints medians (and ranges) in milliseconds since navigation start. Not a test.
//   node scripts/bench-start.mjs [runs=7]     (after scripts/build)
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
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
const data = mkdtempSync(join(tmpdir(), 'linli-bench-data-'));
const server = spawn(`${target}/server/linli-server`, ['serve', '--addr', `127.0.0.1:${port}`, '--dist', 'dist', '--data', data], { stdio: 'ignore' });
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

const member = {
  'linli.member.id': 'local-bench', 'linli.member.name': '王阿姨', 'linli.member.role': 'resident',
  'linli.member.community': 'huqian-2', 'linli.member.sandbox': 'true',
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
await browser.close();
server.kill('SIGKILL');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function report(name, rows) {
  console.log(`${name} (${rows.length} runs)`);
  for (const key of ['firstPaint', 'firstContentfulPaint', 'interactive']) {
    const xs = rows.map((r) => r[key]);
    console.log(`  ${key.padEnd(22)} median ${median(xs).toFixed(0).padStart(5)} ms   range ${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)} ms`);
  }
}
report('cold start, online over loopback', cold);
report('repeat start, service worker, network off', offline);
