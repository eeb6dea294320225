// A JavaScript automerge-repo peer for the interop test (crates/server/tests/interop.rs).
//   node peer.mjs create <ws-url> <peer-id> <text> <token>
//                        asks the server for a document id of the member's own, makes the
//                        document {greeting: text} under it, prints its automerge URL once
//                        the server holds it, stays until stdin ends
//   node peer.mjs read <ws-url> <peer-id> <url>      prints the document as JSON
//   node peer.mjs forge <ws-url> <peer-id> <text> <token> <url>
//                        first writes into <url>, a document the member writes, at a path
//                        no rule gives them (the server refuses it, naming it in a message this peer does not
//                        know; it prints `refused N`), then goes on as `create` on the
//                        same connection
import * as A from '@automerge/automerge';
import { Repo } from '@automerge/automerge-repo';
import { BrowserWebSocketClientAdapter } from '@automerge/automerge-repo-network-websocket';

const [mode, url, peerId, arg, token] = process.argv.slice(2);
const adapter = new BrowserWebSocketClientAdapter(url);
const repo = new Repo({
  network: [adapter],
  peerId,
  sharePolicy: async () => true,
});

async function createOwn(text) {
  // linli-server keeps a member's own documents only under ids it minted for them.
  const api = url.replace(/^ws/, 'http').replace(/\/api\/sync\/.*$/, '/api/docs');
  const res = await fetch(api, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
  const body = await res.json();
  if (res.status !== 200) {
    console.error(`the server refused a document id: ${res.status} ${JSON.stringify(body)}`);
    process.exit(1);
  }
  const docId = body.doc;
  const handle = repo.import(A.save(A.from({ greeting: text })), { docId });
  // The server answers each sync with its heads: once they are ours, it holds the document.
  let told = false;
  repo.networkSubsystem.on('message', (m) => {
    if (told || m.type !== 'sync' || m.documentId !== handle.documentId) return;
    const theirs = A.decodeSyncMessage(m.data).heads.join();
    if (theirs === A.getHeads(handle.doc()).join()) {
      told = true;
      console.log(handle.url);
    }
  });
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
}

async function waitForServer() {
  // Without a connected peer, find() answers "unavailable" at once: wait for the server.
  for (let i = 0; i < 100 && repo.peers.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
}

if (mode === 'create') {
  await createOwn(arg);
} else if (mode === 'forge') {
  await waitForServer();
  const forbidden = await repo.find(process.argv[7]);
  const refused = new Promise((resolve) => {
    adapter.on('message', (m) => {
      if (m.type === 'linli-refused' && m.documentId === forbidden.documentId) resolve(m);
    });
  });
  // A document the member writes, at a path no rule gives them.
  forbidden.change((d) => {
    d.forged = '冒充服务器';
  });
  // Heard (though this peer knows nothing of it), and the connection goes on.
  const m = await Promise.race([refused, new Promise((r) => setTimeout(() => r(null), 10000))]);
  console.log(m ? `refused ${m.changes.length}` : 'never refused');
  await createOwn(arg);
} else if (mode === 'read') {
  await waitForServer();
  const handle = await repo.find(arg);
  console.log(JSON.stringify(handle.doc()));
  process.exit(0);
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
