/**
 * Builds the console's static files with esbuild: web/main.ts (Preact) bundled into
 * dist/app.js, with web/index.html and web/style.css copied beside it. Nothing is fetched
 * from anywhere at build or run time. Run by `npm run build`, by the tests' root hook, and on
 * demand by the server when dist/ is missing or older than the sources (see serve.ts).
 */
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The sources live beside this file even when it runs compiled from dist/ (tsc output). */
export const WEB_DIR = join(here, 'web').replace(/[/\\]dist[/\\]daemon[/\\]/, '/daemon/');
export const OUT_DIR = join(WEB_DIR, '..', 'dist');

const newest = (dir: string): number =>
  Math.max(...readdirSync(dir).map((f) => statSync(join(dir, f)).mtimeMs));

export function consoleBuilt(): boolean {
  try {
    return statSync(join(OUT_DIR, 'app.js')).mtimeMs >= newest(WEB_DIR);
  } catch {
    return false;
  }
}

export async function buildConsole(): Promise<void> {
  // esbuild is a development dependency: a production install serves the prebuilt dist/.
  const esbuild = await import('esbuild');
  mkdirSync(OUT_DIR, { recursive: true });
  await esbuild.build({
    entryPoints: [join(WEB_DIR, 'main.ts')],
    outfile: join(OUT_DIR, 'app.js'),
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020'],
    sourcemap: false,
    logLevel: 'silent',
  });
  for (const f of ['index.html', 'style.css']) copyFileSync(join(WEB_DIR, f), join(OUT_DIR, f));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildConsole();
  process.stdout.write(`console built into ${OUT_DIR}\n`);
}
