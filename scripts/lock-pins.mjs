// Whether two npm lockfiles pin the same packages: every non-optional entry at the same
// version, source and integrity. npm may add or drop the optional platform helpers of a
// dependency (cbor-x's native cbor-extract builds) as the registry happens to serve them,
// which moves nothing the interop peer runs on.
//   node scripts/lock-pins.mjs <committed lockfile> <lockfile npm left>
import { readFileSync } from 'node:fs';

const pins = (path) => {
  const { packages = {} } = JSON.parse(readFileSync(path, 'utf8'));
  return new Map(
    Object.entries(packages)
      .filter(([, p]) => !p.optional)
      .map(([name, p]) => [name, JSON.stringify([p.version, p.resolved, p.integrity])]),
  );
};

const [was, now] = process.argv.slice(2).map(pins);
const moved = [...new Set([...was.keys(), ...now.keys()])].filter((name) => was.get(name) !== now.get(name));
if (moved.length > 0) {
  console.error(`lock-pins: moved: ${moved.join(', ')}`);
  process.exit(1);
}
