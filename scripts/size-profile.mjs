// Where the shipped wasm's bytes go, from twiggy's CSV of a build that keeps function names
// (scripts/size --profile makes it): code by crate (shallow bytes, each function counted once),
// then the functions that keep the most bytes alive (retained: what would go with them).
//   node scripts/size-profile.mjs SHALLOW.csv [RETAINED.csv]
import { readFileSync } from 'node:fs';

const [shallowCsv, retainedCsv] = process.argv.slice(2);
if (!shallowCsv) throw new Error('usage: size-profile.mjs SHALLOW.csv [RETAINED.csv]');

/** Rows of twiggy's CSV: [name, shallow, retained]. */
function rows(file) {
  const out = [];
  for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
    if (!line.trim()) continue;
    // The name is quoted when it holds a comma or a quote; the numbers never are.
    const m = line.match(/^("(?:[^"]|"")*"|[^,]*),(\d*),[^,]*,(\d*),/);
    if (!m) continue;
    const name = m[1].startsWith('"') ? m[1].slice(1, -1).replaceAll('""', '"') : m[1];
    out.push([name, Number(m[2] || 0), Number(m[3] || 0)]);
  }
  return out;
}

/**
 * The crate a demangled name belongs to: its first path segment, past `<`, `&` and `dyn`;
 * for `<T as Trait>::f` with a bare type parameter, the trait's crate.
 */
function crateOf(name) {
  if (name.startsWith('data segment')) return '(data: strings, tables, constants)';
  if (name.includes('subsection') || name.startsWith('custom section')) return '(names and custom sections)';
  const bare = name.replace(/^[<&\s]*(dyn\s+|mut\s+)?/, '');
  const m = bare.match(/^([A-Za-z_][A-Za-z0-9_]*)::/) ?? bare.match(/^[^\s:]+ as ([A-Za-z_][A-Za-z0-9_]*)::/);
  return m ? m[1] : '(other: tables, types, imports, unnamed)';
}

const kb = (n) => (n / 1024).toFixed(1).padStart(9);
const shallow = rows(shallowCsv);
const names = shallow.filter(([n]) => crateOf(n) === '(names and custom sections)').reduce((s, [, b]) => s + b, 0);
const total = shallow.reduce((s, [, b]) => s + b, 0) - names;
const byCrate = new Map();
for (const [name, bytes] of shallow) {
  const c = crateOf(name);
  if (c === '(names and custom sections)') continue;
  byCrate.set(c, (byCrate.get(c) ?? 0) + bytes);
}
console.log(`wasm without its names: ${total} B (${kb(total).trim()} KB); names kept for this profile: ${names} B`);
console.log('\nby crate (shallow)                          KB      %');
for (const [c, bytes] of [...byCrate].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
  console.log(`${c.padEnd(38)}${kb(bytes)} ${((100 * bytes) / total).toFixed(1).padStart(6)}`);
}
if (!retainedCsv) process.exit(0);
console.log('\nfunctions by retained size                  KB      %');
const retained = rows(retainedCsv).filter(
  ([n]) => !/^(table|elem)\[/.test(n) && crateOf(n) !== '(names and custom sections)',
);
for (const [name, , bytes] of retained.slice(0, 25)) {
  const short = name.replace(/::h[0-9a-f]{16}$/, '');
  console.log(`${kb(bytes)} ${((100 * bytes) / total).toFixed(1).padStart(6)}  ${short.slice(0, 110)}`);
}
