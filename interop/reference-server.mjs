// The reference the load comparison (scripts/load-compare) measures linli-server against: the
// JavaScript automerge-repo sync server, as @automerge/automerge-repo-sync-server builds it: a
// Repo with the WebSocket server adapter over a `ws` server, and Node filesystem storage.
//   node reference-server.mjs [--port N] [--data DIR] [--share all]
// Listens on 127.0.0.1 only (port 0, the default, picks a free one) and prints
// `listening PORT` on stdout once it accepts connections. Without --data it stores into a
// fresh temporary folder, removed when it stops (SIGTERM or SIGINT).
//
// Share policy: like the sync server, any peer may fetch any document by its id, and the
// server announces none (`sharePolicy: async () => false`, which automerge-repo 2 takes as
// "announce nothing, give access to all"); `--share all` announces every document to every
// peer instead.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Repo } from '@automerge/automerge-repo';
import { NodeWSServerAdapter } from '@automerge/automerge-repo-network-websocket';
import { NodeFSStorageAdapter } from '@automerge/automerge-repo-storage-nodefs';
import { WebSocketServer } from 'ws';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    data: { type: 'string' },
    share: { type: 'string', default: 'none' },
  },
});
if (!['none', 'all'].includes(values.share)) throw new Error('--share is none or all');

const temporary = values.data === undefined;
const dir = temporary
  ? fs.mkdtempSync(path.join(os.tmpdir(), 'linli-reference-'))
  : path.resolve(values.data);
fs.mkdirSync(dir, { recursive: true });

const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(values.port) });
const repo = new Repo({
  network: [new NodeWSServerAdapter(wss)],
  storage: new NodeFSStorageAdapter(dir),
  peerId: `storage-server-${os.hostname()}`,
  sharePolicy: async () => values.share === 'all',
});

wss.on('listening', () => {
  process.stdout.write(`listening ${wss.address().port}\n`);
});
wss.on('error', (e) => {
  console.error(`reference-server: ${e.message}`);
  process.exit(1);
});

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  // Pending saves are flushed before the folder goes.
  await repo.shutdown().catch(() => {});
  wss.close();
  if (temporary) fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
