// Trunk post_build hook: runs on the staging directory before it becomes dist/.
// 0. Splits the wasm into the shell and each module's chunk (scripts/split.mjs).
// 1. Writes sw.js with this build's precache list and a version derived from its files.
// 2. Writes .br and .gz beside each text or wasm asset, for the server to pick by Accept-Encoding.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { split } from './split.mjs';

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) throw new Error('postbuild: TRUNK_STAGING_DIR is not set (run through trunk)');
const root = new URL('..', import.meta.url).pathname;
split(staging);

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const files = walk(staging)
  .map((p) => '/' + relative(staging, p).split('\\').join('/'))
  .filter((p) => !/\.(br|gz)$/.test(p) && p !== '/sw.js')
  .sort();

const hash = createHash('sha256');
for (const f of files) hash.update(f).update(readFileSync(join(staging, f)));
const version = hash.digest('hex').slice(0, 16);

const template = readFileSync(join(root, 'sw/sw.js'), 'utf8');
const sw = template.replace('__LINLI_VERSION__', version).replace('__LINLI_PRECACHE__', JSON.stringify(files, null, 2));
writeFileSync(join(staging, 'sw.js'), sw);

let compressed = 0;
for (const f of [...files, '/sw.js']) {
  if (!/\.(wasm|js|css|html|webmanifest|svg)$/.test(f)) continue;
  const path = join(staging, f);
  const data = readFileSync(path);
  writeFileSync(path + '.br', brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  writeFileSync(path + '.gz', gzipSync(data, { level: 9 }));
  compressed++;
}
console.log(`postbuild: sw.js version ${version}, ${files.length} files precached, ${compressed} compressed`);
