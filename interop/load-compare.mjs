// The load comparison scripts/load-compare runs (it builds linli-server first): the same load
// from load.mjs (official automerge-repo peers, in a process of their own) against
// linli-server with its door on, then against the JavaScript automerge-repo sync server
// (reference-server.mjs), each server in a process of its own on loopback. It prints, for
// each: changes delivered, p50/p99/max propagation latency, the server's CPU seconds per
// 1,000 changes delivered (utime+stime from /proc over the load phase only: from the first
// change written until the watchers have caught up; setting up members is not counted), and
// its peak resident memory (VmHWM); then the two ratios the target speaks of.
//   node load-compare.mjs --linli PATH [--pids FILE]
// LINLI_LOAD_WRITERS (50), LINLI_LOAD_RATE (10 changes a second each), LINLI_LOAD_SECONDS (20)
// shrink it; LINLI_LOAD_KEEP=1 keeps the scratch folder (both servers' stores and logs) and
// says where it is. --pids FILE: each server's process id is appended there as it starts, so that
// the calling script can end them should this process die first.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: { linli: { type: 'string' }, pids: { type: 'string' } },
});
if (!args.linli) throw new Error('--linli PATH (the linli-server binary) is required');

function envNumber(name, fallback) {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^[0-9]+$/.test(v) || Number(v) === 0) throw new Error(`${name} must be a whole number`);
  return Number(v);
}
const WRITERS = envNumber('LINLI_LOAD_WRITERS', 50);
const RATE = envNumber('LINLI_LOAD_RATE', 10);
const SECONDS = envNumber('LINLI_LOAD_SECONDS', 20);
const DRAIN_SECONDS = 60;
const COMMUNITY = 'load';
const TICK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'linli-load-compare-'));
const children = new Set();

/** Ends every server still running (by its own id), and removes the scratch folder. */
function cleanUp() {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL');
      } catch {}
    }
  }
  if (process.env.LINLI_LOAD_KEEP === '1') {
    console.error(`load-compare: kept ${work}`);
  } else {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
process.on('exit', cleanUp);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.error(`load-compare: ${sig}, stopping`);
    process.exit(130);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- /proc ---------------------------------------------------------------------------------

/** A process's CPU time so far (user + system, all threads), in seconds. */
function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces: the fields that matter come after its ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / TICK;
}

/** One field (in kB) of /proc/PID/status, in MB. */
function statusMB(pid, field) {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  return m ? Number(m[1]) / 1024 : null;
}

/** The whole machine's busy and total jiffies, to tell how loaded it was. */
function machineTicks() {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1);
  const n = cpu.map(Number);
  const idle = n[3] + (n[4] ?? 0);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

// ---- processes -----------------------------------------------------------------------------

function recordPid(child) {
  children.add(child);
  if (args.pids) fs.appendFileSync(args.pids, `${child.pid}\n`);
}

/** Starts a server and waits for the line saying where it listens. */
function startServer(cmd, argv, logName, pattern) {
  const log = fs.openSync(path.join(work, logName), 'a');
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', log] });
  recordPid(child);
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error(`${logName}: no address after 60 s`)), 60_000);
    lines.on('line', (line) => {
      fs.appendFileSync(path.join(work, logName), `${line}\n`);
      const m = line.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      reject(
        new Error(
          `${cmd} exited (${code ?? sig}) before listening:\n` +
            fs.readFileSync(path.join(work, logName), 'utf8').slice(-2000),
        ),
      );
    });
  });
}

/** Asks a server to stop, and makes sure it did. */
async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const done = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
  if (!done) {
    child.kill('SIGKILL');
    await exited;
  }
}

function linli(...argv) {
  return execFileSync(args.linli, ['--data', path.join(work, 'linli-data'), ...argv], {
    encoding: 'utf8',
  });
}

async function post(url, body, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body ?? {}) });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${text}`);
  return JSON.parse(text);
}

/**
 * Runs load.mjs on a config, measuring the server `pid` between its `writing` and `drained`
 * phases, and its memory every 100 ms meanwhile.
 */
function runLoad(pid, config) {
  const node = spawn(process.execPath, [path.join(here, 'load.mjs')], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  recordPid(node);
  node.stdin.end(JSON.stringify({ ...config, phases: true }));
  const m = { pid, clientPid: node.pid, rssPeakSampled: 0 };
  let sampler;
  const sample = () => {
    try {
      m.rssPeakSampled = Math.max(m.rssPeakSampled, statusMB(pid, 'VmRSS') ?? 0);
    } catch {}
  };
  readline.createInterface({ input: node.stderr }).on('line', (line) => {
    if (line === 'load.mjs: phase writing') {
      m.cpuStart = cpuSeconds(pid);
      m.clientCpuStart = cpuSeconds(node.pid);
      m.machineStart = machineTicks();
      m.wallStart = Date.now();
      sample();
      sampler = setInterval(sample, 100);
    } else if (line === 'load.mjs: phase drained') {
      m.cpuEnd = cpuSeconds(pid);
      m.clientCpuEnd = cpuSeconds(node.pid);
      m.machineEnd = machineTicks();
      m.wallEnd = Date.now();
      clearInterval(sampler);
      sample();
    } else {
      console.error(`  ${line}`);
    }
  });
  let out = '';
  node.stdout.on('data', (d) => (out += d));
  const limit = (30 + SECONDS + DRAIN_SECONDS + 60) * 1000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      node.kill('SIGKILL');
      reject(new Error('load.mjs did not finish'));
    }, limit);
    node.on('exit', (code) => {
      clearTimeout(timer);
      clearInterval(sampler);
      if (code !== 0) return reject(new Error(`load.mjs failed (${code}): ${out}`));
      const last = out.trim().split('\n').pop();
      try {
        m.result = JSON.parse(last);
      } catch (e) {
        return reject(new Error(`load.mjs printed no JSON: ${out}`));
      }
      if (m.cpuEnd === undefined) {
        return reject(new Error('load.mjs never reached its drained phase'));
      }
      resolve(m);
    });
  });
}

// ---- the two runs --------------------------------------------------------------------------

async function runLinli() {
  const dist = path.join(work, 'dist');
  fs.mkdirSync(dist);
  fs.writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>load</title>\n');
  linli('community', 'create', COMMUNITY, '负载测试');
  const code = linli('invite', 'create', '--community', COMMUNITY, '--role', 'resident')
    .trim()
    .split(/\s+/)[0];
  const { child, port } = await startServer(
    args.linli,
    ['--data', path.join(work, 'linli-data'), 'serve', '--addr', '127.0.0.1:0', '--dist', dist],
    'linli-server.log',
    /running at http:\/\/127\.0\.0\.1:(\d+)\//,
  );
  const base = `http://127.0.0.1:${port}`;
  const wsUrl = (token) => `ws://127.0.0.1:${port}/api/sync/${COMMUNITY}?token=${token}`;
  const writers = [];
  for (let i = 0; i < WRITERS; i++) {
    const joined = await post(`${base}/api/join`, { code, display_name: `负载${i}` });
    const added = linli('member', 'add-device', joined.member);
    const peer = added.match(/^peer (\S+)$/m)?.[1];
    const token = added.match(/^token (\S+)$/m)?.[1];
    if (!peer || !token) throw new Error(`member add-device printed: ${added}`);
    const { doc } = await post(`${base}/api/docs`, {}, joined.token);
    writers.push({
      writerUrl: wsUrl(joined.token),
      writerPeer: joined.peer_id,
      watcherUrl: wsUrl(token),
      watcherPeer: peer,
      docId: doc,
    });
  }
  console.error(`load-compare: linli-server (pid ${child.pid}) on port ${port}: ${WRITERS} members set up`);
  const m = await runLoad(child.pid, { writers, rate: RATE, seconds: SECONDS, drainSeconds: DRAIN_SECONDS });
  m.rssHwm = statusMB(child.pid, 'VmHWM');
  await stopServer(child);
  return m;
}

async function runReference() {
  const { child, port } = await startServer(
    process.execPath,
    [path.join(here, 'reference-server.mjs'), '--port', '0', '--data', path.join(work, 'reference-data')],
    'reference-server.log',
    /^listening (\d+)$/,
  );
  const url = `ws://127.0.0.1:${port}`;
  const writers = Array.from({ length: WRITERS }, (_, i) => ({
    writerUrl: url,
    writerPeer: `writer-${i}`,
    watcherUrl: url,
    watcherPeer: `watcher-${i}`,
  }));
  console.error(`load-compare: reference server (pid ${child.pid}) on port ${port}`);
  const m = await runLoad(child.pid, {
    writers,
    rate: RATE,
    seconds: SECONDS,
    drainSeconds: DRAIN_SECONDS,
    createDocs: true,
  });
  m.rssHwm = statusMB(child.pid, 'VmHWM');
  await stopServer(child);
  return m;
}

// ---- the table -----------------------------------------------------------------------------

function figures(m) {
  const r = m.result;
  const cpu = m.cpuEnd - m.cpuStart;
  const span = (m.wallEnd - m.wallStart) / 1000;
  const machine =
    ((m.machineEnd.busy - m.machineStart.busy) / (m.machineEnd.total - m.machineStart.total)) *
    os.cpus().length;
  return {
    made: r.changesMade,
    delivered: r.changesDelivered,
    lost: r.lost,
    p50: r.latencyMs.p50,
    p99: r.latencyMs.p99,
    max: r.latencyMs.max,
    cpu,
    cpuPerK: r.changesDelivered > 0 ? (cpu / r.changesDelivered) * 1000 : NaN,
    rss: m.rssHwm,
    rssLoad: m.rssPeakSampled,
    refusals: `${r.errorMessages}/${r.otherMessages}/${r.closes}/${r.socketErrors}`,
    span,
    client: m.clientCpuEnd - m.clientCpuStart,
    machine,
  };
}

function table(linliM, refM) {
  const a = figures(linliM);
  const b = figures(refM);
  const f = (v, digits = 0) =>
    v === null || v === undefined || Number.isNaN(v) ? '-' : Number(v).toFixed(digits);
  const rows = [
    ['changes made', f(a.made), f(b.made)],
    ['changes delivered', f(a.delivered), f(b.delivered)],
    ['lost', f(a.lost), f(b.lost)],
    ['latency p50 ms', f(a.p50), f(b.p50)],
    ['latency p99 ms', f(a.p99), f(b.p99)],
    ['latency max ms', f(a.max), f(b.max)],
    ['server CPU s (load phase)', f(a.cpu, 2), f(b.cpu, 2)],
    ['CPU s per 1,000 delivered', f(a.cpuPerK, 3), f(b.cpuPerK, 3)],
    ['peak RSS MB (VmHWM)', f(a.rss, 1), f(b.rss, 1)],
    ['peak RSS MB, load phase', f(a.rssLoad, 1), f(b.rssLoad, 1)],
    ['errors/refused/closes/sock', a.refusals, b.refusals],
    ['load phase s', f(a.span, 1), f(b.span, 1)],
    ['load.mjs CPU s', f(a.client, 2), f(b.client, 2)],
    ['machine busy cores', f(a.machine, 2), f(b.machine, 2)],
  ];
  const out = [];
  out.push(
    `load: ${WRITERS} writers × ${RATE} changes/s × ${SECONDS} s, ${WRITERS} watchers; ` +
      `loopback; ${os.cpus().length} cores`,
  );
  out.push(`${''.padEnd(28)}${'linli-server'.padStart(14)}${'reference'.padStart(14)}`);
  for (const [k, x, y] of rows) out.push(`${k.padEnd(28)}${x.padStart(14)}${y.padStart(14)}`);
  const cpuRatio = a.cpuPerK / b.cpuPerK;
  const p99Ratio = a.p99 / b.p99;
  const verdict = (v, limit) => (Number.isFinite(v) ? (v <= limit ? 'met' : 'missed') : 'n/a');
  out.push(
    `CPU per change, linli / reference: ${f(cpuRatio, 3)} (target ≤ 0.20: ${verdict(cpuRatio, 0.2)})`,
  );
  out.push(
    `p99 latency,    linli / reference: ${f(p99Ratio, 3)} (target ≤ 0.50: ${verdict(p99Ratio, 0.5)})`,
  );
  return out.join('\n');
}

// Only the result line's counts, not its tallies of texts, go into the summary below.
const brief = (r) => {
  const { libraryComplaints, uncaught, errorTexts, otherTypes, brokenWriters, ...rest } = r;
  return JSON.stringify({ ...rest, errorTexts, otherTypes, brokenWriters, uncaught });
};

console.error(`load-compare: loadavg ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}`);
const linliM = await runLinli();
console.error(`load-compare: loadavg ${fs.readFileSync('/proc/loadavg', 'utf8').trim()}`);
const refM = await runReference();
console.log(table(linliM, refM));
console.log(`linli-server: ${brief(linliM.result)}`);
console.log(`reference:    ${brief(refM.result)}`);
process.exit(0);
