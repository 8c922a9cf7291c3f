/**
 * The CLI and the daemon that tests start as child processes run from a JavaScript copy of
 * daemon/src: the same esbuild transform tsx applies, done once per source state instead of on
 * every start (a tsx start costs ~2 s of CPU, a compiled one ~0.2 s; the suite starts hundreds).
 * The copy lives in .test-build/<hash of daemon/src>/ inside the checkout, so that packages
 * resolve from its node_modules; parallel workers share it (each builds into a temporary
 * directory renamed into place, the first rename wins). bin/astbill.js itself (tsx, or dist/) is
 * still what the tests of that entry point run.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SRC = join(ROOT, 'daemon', 'src');
const BUILDS = join(ROOT, '.test-build');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

let built: string | null = null;

/** The compiled daemon/src (built on first use): `${dir}/daemon/src/cli/main.js` is the CLI. */
export function compiledSource(): string {
  if (built) return built;
  const all = files(SRC).filter((f) => !f.includes('/console/dist/'));
  const hash = createHash('sha256');
  for (const f of all) {
    const s = statSync(f);
    hash.update(`${relative(SRC, f)}\0${s.size}\0${s.mtimeMs}\0`);
  }
  const dir = join(BUILDS, hash.digest('hex').slice(0, 16));
  if (!existsSync(dir)) {
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    const out = join(tmp, 'daemon', 'src');
    buildSync({
      entryPoints: all.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
      outdir: out,
      outbase: SRC,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'error',
    });
    for (const f of all.filter((f) => !f.endsWith('.ts')))
      cpSync(f, join(out, relative(SRC, f)), { recursive: true });
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another worker's copy got there first
    }
    for (const old of readdirSync(BUILDS))
      if (join(BUILDS, old) !== dir && !old.includes('.tmp-'))
        rmSync(join(BUILDS, old), { recursive: true, force: true });
  }
  mkdirSync(dir, { recursive: true });
  built = dir;
  return dir;
}

/** The compiled CLI's entry: `node ${compiledCli()} <command> …` is `astbill <command> …`. */
export function compiledCli(): string {
  return join(compiledSource(), 'daemon', 'src', 'cli', 'main.js');
}
