// Splits the app's wasm into the shell and one chunk per module's pages (issue 13), inside
// Trunk's post_build hook: Trunk builds everything else, and its cargo build already linked
// the wasm with relocations (.cargo/config.toml) and the `split` feature (index.html).
//   1. wasm-split-cli cuts the linked wasm at the split points (`wasm_split` in each
//      module's routes.rs): the main module, split_<module>_<hash>.wasm per module, shared
//      chunk_<n>.wasm, and the __wasm_split.js loader that fetches them beside itself;
//   2. wasm-bindgen runs on the main module under the name Trunk gave its output, so
//      index.html needs no change, replacing what Trunk's own run wrote;
//   3. the shared chunks merged into one (mergeShared below);
//   4. wasm-opt -Oz on every piece (release), which Trunk no longer does (data-wasm-opt=0);
//   5. every chunk and the loader get a name with their content's hash, references
//      rewritten, so no cache anywhere can pair one build's shell with another's chunk;
//   6. index.html preloads the loader beside the shell's script.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function split(staging) {
  const release = process.env.TRUNK_PROFILE === 'release';
  const target = process.env.CARGO_TARGET_DIR ?? join(new URL('..', import.meta.url).pathname, 'target');
  const linked = join(target, 'wasm32-unknown-unknown', release ? 'release' : 'debug', 'linli.wasm');
  const js = readdirSync(staging).find((f) => /^linli-[0-9a-f]+\.js$/.test(f));
  if (!js) throw new Error(`split: no linli-<hash>.js in ${staging}`);
  const name = js.slice(0, -'.js'.length);
  const work = mkdtempSync(join(tmpdir(), 'linli-split-'));
  try {
    const run = (cmd, args) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    run('wasm-split-cli', ['--target', 'web', '--out-name', name, linked, work]);
    const pieces = readdirSync(work).filter((f) => f.endsWith('.wasm') && f !== `${name}.wasm`);
    if (pieces.length === 0) throw new Error('split: no split points found (built without the split feature?)');
    run('wasm-bindgen', ['--target', 'web', '--no-typescript', '--keep-lld-exports', '--out-name', name, '--out-dir', staging, join(work, `${name}.wasm`)]);
    // A merged file has no features section to say what it uses (FEATURES below).
    const optimise = (path) => release && run('wasm-opt', ['-Oz', ...(path.endsWith(SHARED) ? FEATURES : []), path, '-o', path]);
    optimise(join(staging, `${name}_bg.wasm`));

    let loader = readFileSync(join(work, '__wasm_split.js'), 'utf8');
    const merged = mergeShared(work, pieces, loader, run);
    loader = merged.loader;
    const chunks = [];
    for (const piece of merged.pieces) {
      optimise(join(work, piece));
      const bytes = readFileSync(join(work, piece));
      const hashed = piece.replace(/\.wasm$/, `-${digest(bytes)}.wasm`);
      if (!loader.includes(`"./${piece}"`)) throw new Error(`split: the loader does not name ${piece}`);
      loader = loader.replaceAll(`"./${piece}"`, `"./${hashed}"`);
      writeFileSync(join(staging, hashed), bytes);
      chunks.push(hashed);
    }
    const loaderName = `__wasm_split-${digest(loader)}.js`;
    writeFileSync(join(staging, loaderName), loader);
    // Only the import statements: the imports object keeps the module name the wasm asks for.
    const main = readFileSync(join(staging, js), 'utf8');
    const imports = /from (["'])\.\/__wasm_split\.js\1/g;
    if (!imports.test(main)) throw new Error(`split: ${js} does not import ./__wasm_split.js`);
    writeFileSync(join(staging, js), main.replace(imports, `from "./${loaderName}"`));
    // The shell's script imports the loader: without a hint the browser asks for it only once
    // that script is parsed, and the wasm waits for both (some 25 ms of every start here).
    // Trunk writes that link quoted, and unquoted once it minifies (release): read the tags'
    // attributes, and give the loader the address beside the shell's own.
    const page = join(staging, 'index.html');
    const html = readFileSync(page, 'utf8');
    const shellLink = (html.match(/<link\b[^>]*>/g) ?? [])
      .find((tag) => attribute(tag, 'rel') === 'modulepreload' && attribute(tag, 'href')?.endsWith(`/${js}`));
    if (!shellLink) throw new Error(`split: index.html has no modulepreload link for ${js}`);
    const base = attribute(shellLink, 'href').slice(0, -js.length);
    writeFileSync(page, html.replace(shellLink, `${shellLink}<link rel="modulepreload" href="${base}${loaderName}" crossorigin>`));
    console.log(`split: ${name} and ${chunks.length} chunks: ${chunks.join(', ')}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// wasm-split-cli gives the code two or more modules share one chunk per combination of
// modules that shares it: 26 chunks for five modules, 15 of them fetched and instantiated
// before a module's first screen, most of a few hundred bytes. Merged, they are one file and
// one instantiation, and smaller (the 26 were 77,517 B gzip, merged 55,976): a module's first
// opening fetches some shared code it does not need, which the service worker precaches
// anyway. A chunk is only functions put into the shell's table by its element segments, with
// the shell's memory, table and stack pointer as imports from `__wasm_split`; so wasm-merge
// joins them with a host module of that name which imports those from `__wasm_split_outer`
// and exports them, leaving one set of imports that the loader supplies under the new name.
const SHARED = 'chunk_shared.wasm';
const FEATURES = ['--enable-bulk-memory', '--enable-mutable-globals', '--enable-sign-ext',
  '--enable-nontrapping-float-to-int', '--enable-reference-types', '--enable-multivalue'];

/** Merges the shared chunks among `pieces` into SHARED, and the loader to fetch it instead. */
function mergeShared(work, pieces, loader, run) {
  const shared = pieces.filter((p) => /^chunk_\d+\.wasm$/.test(p));
  if (shared.length < 2) return { pieces, loader };
  const imports = new Map();
  for (const piece of shared) {
    const text = execFileSync('wasm-dis', [join(work, piece)], { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
    for (const m of text.toString().matchAll(/^ \(import "([^"]+)" "([^"]+)" \((\w+) \S+ ([^\n]*)\)\)$/gm)) {
      const [, module, field, kind, type] = m;
      if (module !== '__wasm_split' || kind === 'func') throw new Error(`split: ${piece} imports ${kind} ${module}.${field}, not the shell's memory, table or globals`);
      if (!imports.has(field)) imports.set(field, { kind, type });
    }
  }
  const host = [...imports].map(([field, { kind, type }], i) =>
    `(import "__wasm_split_outer" "${field}" (${kind} $i${i} ${type}))\n(export "${field}" (${kind} $i${i}))`);
  writeFileSync(join(work, 'host.wat'), `(module\n${host.join('\n')}\n)\n`);
  run('wasm-as', [...FEATURES, join(work, 'host.wat'), '-o', join(work, 'host.wasm')]);
  run('wasm-merge', [...FEATURES, join(work, 'host.wasm'), '__wasm_split',
    ...shared.flatMap((p) => [join(work, p), p.slice(0, -'.wasm'.length)]), '-o', join(work, SHARED)]);

  // Each shared chunk's loader becomes the merged one's; each module waits for it alone.
  const block = /\/\* [^*]* \*\/\nconst (__chunk_\d+) = makeLoad\(\(\) => \{\n    const src = fetch\(new URL\("\.\/(chunk_\d+\.wasm)", import\.meta\.url\)\);\n    src\.catch\(\(\) => \{\}\);\n    return async \(imports\) => \(WebAssembly\.instantiateStreaming\(src, imports\)\);\n\}\n, \[\]\);\n/g;
  const named = [...loader.matchAll(block)].map((m) => m[2]).sort();
  if (named.join() !== [...shared].sort().join()) throw new Error(`split: the loader's shared chunks (${named}) are not the files (${shared})`);
  let first = true;
  loader = loader.replace(block, () => {
    if (!first) return '';
    first = false;
    return `/* the code modules share, merged by scripts/split.mjs */
const __shared = makeLoad(() => {
    const src = fetch(new URL("./${SHARED}", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, { __wasm_split_outer: imports.__wasm_split }));
}
, []);
`;
  });
  loader = loader.replace(/, \[__chunk_\d+(?:, __chunk_\d+)*\]\)\);/g, ', [__shared]));');
  if (/__chunk_\d+/.test(loader)) throw new Error('split: the loader still names a shared chunk after merging');
  return { pieces: [...pieces.filter((p) => !shared.includes(p)), SHARED], loader };
}

/** The value of attribute `name` in one HTML tag, quoted or not. */
function attribute(tag, name) {
  const m = tag.match(new RegExp(`\\s${name}=(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`));
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

function digest(data) {
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}
