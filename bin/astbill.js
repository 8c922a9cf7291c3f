#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=32
// MALLOC_ARENA_MAX and --max-semi-space-size: see "Memory" in docs/operator-guide.md; `node bin/astbill.js` needs
// the flag on its command line and the variable in its environment (glibc reads it when the process starts).
// Entry for `npx astbill`: runs the TypeScript CLI through tsx's loader, or the compiled build when present.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'daemon', 'src', 'cli', 'main.js');
if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'daemon', 'src', 'cli', 'main.ts')).href);
}
