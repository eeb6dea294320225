// Load on linli-server from off-the-shelf automerge-repo peers (crates/server/tests/load_js.rs,
// scripts/load-compare).
//   node load.mjs < config.json
// config: { writers: [{ writerUrl, writerPeer, watcherUrl, watcherPeer, docId }],
//           rate, seconds, drainSeconds, createDocs, phases }
// Each entry is one member with two devices, each its own Repo and WebSocket: the writer
// makes `rate` changes a second to the member's document for `seconds`, the watcher follows
// it. Every message the server sends is inspected on the way in, because the adapter only
// logs `error` messages and drops them. Once the watchers hold every change (or drainSeconds
// pass) it prints one line of JSON:
//   { writers, changesMade, changesSeen, lost, errorMessages, otherMessages, closes, seconds,
//     errorTexts, otherTypes, socketErrors, brokenWriters, libraryComplaints, uncaught,
//     drained, timedOut, changesDelivered, latencyMs: { p50, p99, max } }
// and exits 0; non-zero only if the script itself fails.
//
// Latency: each change carries the writer's wall-clock time (`sent`, a list beside `log`);
// writer and watcher share this process, so its clock; each watcher records, for every
// change it sees for the first time, now − sent. `changesDelivered` counts those.
//
// `createDocs: true` is for a server that mints nothing (the JavaScript automerge-repo sync
// server, interop/reference-server.mjs): each writer makes its document with repo.create(),
// `docId` is left out, the URLs need no token, and the peer ids may be anything (left out,
// they are `writer-I` and `watcher-I`). `phases: true` writes `load.mjs: phase NAME` lines on
// stderr when writing starts (`writing`) and when the watchers have caught up or the drain
// ends (`drained`), so that whoever runs it can measure the server over exactly that span.
import * as A from '@automerge/automerge';
import { Repo, cbor } from '@automerge/automerge-repo';
import { BrowserWebSocketClientAdapter } from '@automerge/automerge-repo-network-websocket';

// Every message type a server may send in the automerge-repo protocol (the websocket
// adapter's `peer` and `error`, and the repo's own).
const PROTOCOL = new Set([
  'peer',
  'error',
  'sync',
  'request',
  'doc-unavailable',
  'ephemeral',
  'remote-subscription-change',
  'remote-heads-changed',
]);
// How long connecting and handing the first copy of each document to the server may take.
const SETUP_SECONDS = 30;

// automerge-repo reports its failures with console.log, dumping whole messages: stdout is
// kept for the result line, so they are tallied by their gist instead, and the first few
// shown on stderr.
const complaints = {};
const gist = (a) => (a instanceof Error ? a.message : a?.err instanceof Error ? a.err.message : a);
console.log = console.info = console.warn = (...args) => {
  const text = args
    .map(gist)
    .filter((a) => typeof a === 'string')
    .join(' ');
  complaints[text] = (complaints[text] ?? 0) + 1;
  if (complaints[text] <= 3) console.error(`automerge-repo: ${text}`);
};
// Exceptions the library throws from its own callbacks (a sync message arriving as the
// server closes the socket, say) are figures of the run, not the end of it.
const uncaught = {};
process.on('uncaughtException', (e) => {
  const text = String(e?.message ?? e);
  uncaught[text] = (uncaught[text] ?? 0) + 1;
  if (uncaught[text] <= 3) console.error(`load.mjs: uncaught: ${e?.stack ?? e}`);
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const started = Date.now();

/** The config from stdin, checked enough that a typo fails loudly rather than runs empty. */
async function readConfig() {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  const c = JSON.parse(text);
  if (!Array.isArray(c.writers) || c.writers.length === 0) throw new Error('config: no writers');
  const createDocs = c.createDocs === true;
  c.writers.forEach((w, i) => {
    if (createDocs) {
      w.writerPeer ??= `writer-${i}`;
      w.watcherPeer ??= `watcher-${i}`;
    }
    const keys = ['writerUrl', 'writerPeer', 'watcherUrl', 'watcherPeer'];
    if (!createDocs) keys.push('docId');
    for (const k of keys) {
      if (typeof w[k] !== 'string') throw new Error(`config: writers[].${k} missing`);
    }
    // All traffic stays on this machine.
    for (const u of [w.writerUrl, w.watcherUrl]) {
      const host = new URL(u).hostname;
      if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) {
        throw new Error(`config: ${host} is not loopback`);
      }
    }
  });
  return {
    writers: c.writers,
    rate: c.rate ?? 10,
    seconds: c.seconds ?? 20,
    drainSeconds: c.drainSeconds ?? 60,
    createDocs,
    phases: c.phases === true,
  };
}

/** The stock adapter, with everything the server sends and every close counted. */
class CountingAdapter extends BrowserWebSocketClientAdapter {
  constructor(url, tally) {
    super(url);
    this.tally = tally;
    // onClose and onError are per-instance arrow functions the adapter attaches to each new
    // socket in connect(), which runs later: replacing them here wraps every socket's.
    const onClose = this.onClose;
    this.onClose = (event) => {
      tally.closes.push({ code: event?.code, reason: String(event?.reason ?? '') });
      onClose(event);
    };
    // The stock handler rethrows anything but ECONNREFUSED (a reset, say), which would end
    // the whole run; counted instead, and the close that follows reconnects as usual.
    const onError = this.onError;
    this.onError = (event) => {
      if (event && 'error' in event && event.error?.code !== 'ECONNREFUSED') {
        tally.socketErrors.push(String(event.error?.message ?? event.error));
        return;
      }
      onError(event);
    };
  }

  receiveMessage(bytes) {
    let m;
    try {
      m = cbor.decode(new Uint8Array(bytes));
    } catch {
      m = { type: '<not CBOR>' };
    }
    const type = m && typeof m === 'object' ? m.type : undefined;
    if (type === 'error') {
      this.tally.errors.push(String(m.message));
    } else if (!PROTOCOL.has(type)) {
      this.tally.others.push(String(type));
    }
    super.receiveMessage(bytes);
  }
}

/** One device: a Repo of its own on its own connection. */
function device(url, peerId) {
  const tally = { errors: [], others: [], closes: [], socketErrors: [] };
  const repo = new Repo({
    network: [new CountingAdapter(url, tally)],
    peerId,
    sharePolicy: async () => true,
  });
  return { repo, tally };
}

async function until(deadline, ready, every = 50) {
  while (!ready()) {
    if (Date.now() >= deadline) return false;
    await sleep(every);
  }
  return true;
}

/** The document every writer starts from: a counter, its log, and each change's send time. */
const INITIAL = { n: 0, log: [], sent: [] };

/** The writer's doc: imported under the server-minted id, as peer.mjs does, or (createDocs)
 * made by the writer's repo under an id of its own. */
function startWriter(member, createDocs) {
  const { repo } = member.writer;
  let handle;
  if (createDocs) {
    handle = repo.create(structuredClone(INITIAL));
    member.docId = handle.documentId;
  } else {
    handle = repo.import(A.save(A.from(structuredClone(INITIAL))), { docId: member.docId });
    // import() leaves a handle under a given id loading (as if awaiting storage); it has the
    // whole document, so it is ready for changes now.
    if (!handle.isReady()) handle.doneLoading();
  }
  member.handle = handle;
  // The server answers each sync with its heads: once they are non-empty it holds the
  // document (only this writer writes it), and the watcher can find it.
  repo.networkSubsystem.on('message', (m) => {
    if (m.type !== 'sync' || m.documentId !== handle.documentId) return;
    if (A.decodeSyncMessage(m.data).heads.length > 0) member.held = true;
  });
}

/** The watcher finds the doc, asking again while the server does not have it yet. */
async function startWatcher(member, deadline) {
  const { repo } = member.watcher;
  const url = `automerge:${member.docId}`;
  while (Date.now() < deadline) {
    try {
      member.seen = await repo.find(url);
      watch(member);
      return;
    } catch {
      // An unavailable handle stays cached as unavailable: drop it so the next find asks.
      await repo.removeFromCache(member.docId).catch(() => {});
      await sleep(250);
    }
  }
}

/** Every propagation latency a watcher measured, in milliseconds. */
const latencies = [];

/** Records, for each change the watcher holds for the first time, how long it took. */
function watch(member) {
  const handle = member.seen;
  const look = () => {
    const sent = handle.isReady() ? handle.doc()?.sent : undefined;
    if (!sent) return;
    const now = Date.now();
    for (let i = member.delivered; i < sent.length; i++) latencies.push(now - sent[i]);
    member.delivered = Math.max(member.delivered, sent.length);
  };
  handle.on('change', look);
  look();
}

/** The q-quantile of sorted numbers (nearest rank), or null when there are none. */
function quantile(sorted, q) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

function seenOf(member) {
  const d = member.seen?.isReady() ? member.seen.doc() : undefined;
  return { n: d?.n ?? 0, log: d?.log?.length ?? 0 };
}

function caughtUp(member) {
  const { n, log } = seenOf(member);
  return n === member.made && log === member.made;
}

function report(members, timedOut) {
  const all = members.flatMap((m) => [m.writer.tally, m.watcher.tally]);
  const count = (list) => {
    const out = {};
    for (const x of list) out[x] = (out[x] ?? 0) + 1;
    return out;
  };
  let changesMade = 0;
  let changesSeen = 0;
  let lost = 0;
  for (const m of members) {
    // A change is seen once its entry is in the watcher's log.
    const seen = Math.min(seenOf(m).log, m.made);
    changesMade += m.made;
    changesSeen += seen;
    lost += m.made - seen;
  }
  const line = {
    writers: members.length,
    changesMade,
    changesSeen,
    lost,
    errorMessages: all.reduce((s, t) => s + t.errors.length, 0),
    otherMessages: all.reduce((s, t) => s + t.others.length, 0),
    closes: all.reduce((s, t) => s + t.closes.length, 0),
    seconds: Math.round((Date.now() - started) / 100) / 10,
    errorTexts: count(all.flatMap((t) => t.errors)),
    otherTypes: count(all.flatMap((t) => t.others)),
    socketErrors: all.reduce((s, t) => s + t.socketErrors.length, 0),
    // Writers that stopped because their document refused further changes, and why.
    brokenWriters: count(members.filter((m) => m.writeError).map((m) => m.writeError)),
    libraryComplaints: complaints,
    uncaught,
    // Whether every watcher caught up, and whether the run hit its overall limit instead.
    drained: members.every(caughtUp),
    timedOut,
    changesDelivered: latencies.length,
    latencyMs: (() => {
      const sorted = Float64Array.from(latencies).sort();
      return {
        p50: quantile(sorted, 0.5),
        p99: quantile(sorted, 0.99),
        max: sorted.length ? sorted[sorted.length - 1] : null,
      };
    })(),
  };
  // Which connections were hit, for whoever reads the test's output.
  members.forEach((m, i) => {
    for (const [role, t] of [['writer', m.writer.tally], ['watcher', m.watcher.tally]]) {
      if (t.errors.length || t.others.length || t.closes.length) {
        console.error(
          `load.mjs: member ${i} ${role}: ${t.errors.length} error, ${t.others.length} other, ` +
            `${t.closes.length} closes ${JSON.stringify(t.closes.slice(0, 3))}`,
        );
      }
    }
  });
  // Written before exiting: process.exit would not wait for a pipe's pending write.
  process.stdout.write(JSON.stringify(line) + '\n', () => process.exit(0));
}

const config = await readConfig();
const members = config.writers.map((w) => ({
  docId: w.docId,
  writer: device(w.writerUrl, w.writerPeer),
  watcher: device(w.watcherUrl, w.watcherPeer),
  handle: undefined,
  seen: undefined,
  held: false,
  made: 0,
  delivered: 0,
  writeError: undefined,
}));
const phase = (name) => {
  if (config.phases) console.error(`load.mjs: phase ${name}`);
};

// Whatever happens, the run ends: past this it reports what it has.
const limit = (SETUP_SECONDS + config.seconds + config.drainSeconds + 10) * 1000;
let reported = false;
const finish = (timedOut) => {
  if (reported) return;
  reported = true;
  report(members, timedOut);
};
setTimeout(() => finish(true), limit);

const setupBy = Date.now() + SETUP_SECONDS * 1000;
const allConnected = () =>
  members.every((m) => m.writer.repo.peers.length && m.watcher.repo.peers.length);
if (!(await until(setupBy, allConnected))) console.error('load.mjs: not every device connected');
members.forEach((m) => startWriter(m, config.createDocs));
if (!(await until(setupBy, () => members.every((m) => m.held)))) {
  console.error('load.mjs: the server does not hold every document');
}
// Watchers keep finding while the writers write; they have until the drain ends. Writing
// waits (within the setup time) until every watcher has its document, so that a latency is
// that of a change, not of a find.
const findUntil = setupBy + (config.seconds + config.drainSeconds) * 1000;
members.forEach((m) => startWatcher(m, findUntil));
if (!(await until(setupBy, () => members.every((m) => m.seen)))) {
  console.error('load.mjs: not every watcher found its document');
}
phase('writing');

// Writing: every writer on its own timer, all for the same span.
const stopAt = Date.now() + config.seconds * 1000;
await Promise.all(
  members.map(
    (m) =>
      new Promise((done) => {
        const timer = setInterval(() => {
          if (Date.now() >= stopAt) {
            clearInterval(timer);
            done();
            return;
          }
          // A handle whose update failed part-way (when a sync message met a closing
          // socket) throws on every change after: the device is broken, it stops writing.
          try {
            m.handle.change((d) => {
              d.n += 1;
              d.log.push(d.n);
              d.sent.push(Date.now());
            });
            m.made += 1;
          } catch (e) {
            m.writeError = String(e?.message ?? e);
            clearInterval(timer);
            done();
          }
        }, 1000 / config.rate);
      }),
  ),
);

await until(Date.now() + config.drainSeconds * 1000, () => members.every(caughtUp), 200);
phase('drained');
finish(false);
