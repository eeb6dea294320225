// A JavaScript automerge-repo peer for the interop test (crates/server/tests/interop.rs).
//   node peer.mjs create <ws-url> <peer-id> <text> <token>
//                        asks the server for a document id of the member's own, makes the
//                        document {greeting: text} under it, prints its automerge URL once
//                        the server holds it, stays until stdin ends
//   node peer.mjs read <ws-url> <peer-id> <url>      prints the document as JSON
import * as A from '@automerge/automerge';
import { Repo } from '@automerge/automerge-repo';
import { BrowserWebSocketClientAdapter } from '@automerge/automerge-repo-network-websocket';

const [mode, url, peerId, arg, token] = process.argv.slice(2);
const repo = new Repo({
  network: [new BrowserWebSocketClientAdapter(url)],
  peerId,
  sharePolicy: async () => true,
});

if (mode === 'create') {
  // linli-server keeps a member's own documents only under ids it minted for them.
  const api = url.replace(/^ws/, 'http').replace(/\/api\/sync\/.*$/, '/api/docs');
  const res = await fetch(api, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
  const body = await res.json();
  if (res.status !== 200) {
    console.error(`the server refused a document id: ${res.status} ${JSON.stringify(body)}`);
    process.exit(1);
  }
  const docId = body.doc;
  const handle = repo.import(A.save(A.from({ greeting: arg })), { docId });
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
} else if (mode === 'read') {
  // Without a connected peer, find() answers "unavailable" at once: wait for the server.
  for (let i = 0; i < 100 && repo.peers.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const handle = await repo.find(arg);
  console.log(JSON.stringify(handle.doc()));
  process.exit(0);
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}
