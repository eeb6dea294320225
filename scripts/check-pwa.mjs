// Checks the built PWA in dist/: the manifest has what installing needs and its icons exist
// at the sizes it names; every file the service worker precaches exists.
//   node scripts/check-pwa.mjs [dist]
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dist = process.argv[2] ?? 'dist';
const problems = [];
const fail = (msg) => problems.push(msg);

function pngSize(path) {
  const b = readFileSync(path);
  if (b.readUInt32BE(0) !== 0x89504e47) return null;
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

const manifest = JSON.parse(readFileSync(join(dist, 'manifest.webmanifest'), 'utf8'));
for (const field of ['name', 'short_name', 'description', 'start_url', 'scope', 'display', 'theme_color', 'background_color', 'icons']) {
  if (!manifest[field]) fail(`manifest: ${field} is missing`);
}
if (manifest.display !== 'standalone') fail(`manifest: display is ${manifest.display}, not standalone`);
if (!manifest.description_localized?.en?.value) fail('manifest: no English description');
const need = new Set(['192x192 any', '512x512 any', '192x192 maskable', '512x512 maskable']);
for (const icon of manifest.icons ?? []) {
  const path = join(dist, icon.src);
  if (!existsSync(path)) {
    fail(`manifest: icon ${icon.src} does not exist`);
    continue;
  }
  if (icon.type === 'image/png') {
    const [w, h] = pngSize(path) ?? [0, 0];
    if (`${w}x${h}` !== icon.sizes) fail(`manifest: ${icon.src} is ${w}x${h}, the manifest says ${icon.sizes}`);
  }
  for (const purpose of (icon.purpose ?? 'any').split(' ')) need.delete(`${icon.sizes} ${purpose}`);
}
for (const missing of need) fail(`manifest: no ${missing} icon`);
const html = readFileSync(join(dist, 'index.html'), 'utf8');
// Trunk minifies index.html (attributes reordered, quotes dropped): read the links as tags.
const links = [...html.matchAll(/<link\b[^>]*>/g)].map(([tag]) =>
  Object.fromEntries([...tag.matchAll(/([\w-]+)=(?:"([^"]*)"|([^\s>]+))/g)].map((m) => [m[1], m[2] ?? m[3]])),
);
const apple = links.find((l) => l.rel === 'apple-touch-icon')?.href;
if (!apple || !existsSync(join(dist, apple))) fail('index.html: the apple-touch-icon is missing');
if (!links.some((l) => l.rel === 'manifest' && l.href === '/manifest.webmanifest')) fail('index.html: no manifest link');

const sw = readFileSync(join(dist, 'sw.js'), 'utf8');
const list = JSON.parse(sw.match(/const PRECACHE = (\[[\s\S]*?\]);/)?.[1] ?? 'null');
if (!Array.isArray(list) || list.length === 0) fail('sw.js: no precache list');
for (const file of list ?? []) if (!existsSync(join(dist, file))) fail(`sw.js precaches ${file}, which is not in ${dist}/`);
for (const kind of ['.wasm', '.js', '.css', '/index.html', '/manifest.webmanifest']) {
  if (!(list ?? []).some((f) => f.endsWith(kind))) fail(`sw.js: nothing ending in ${kind} is precached`);
}

if (problems.length) {
  console.error(problems.map((p) => `check-pwa: ${p}`).join('\n'));
  process.exit(1);
}
console.log(`check-pwa: manifest valid, ${manifest.icons.length} icons, ${list.length} precached files all present`);
