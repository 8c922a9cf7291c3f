/**
 * Serves the console's static files under /console on the API's port. The files hold no data
 * (every number comes from the API with the operator's session), so they need no login. Every
 * answer carries a strict Content-Security-Policy: scripts, styles and connections only from
 * this origin, no inline script, no framing.
 */
import { readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { buildConsole, consoleBuilt, OUT_DIR } from './build.js';

export const CONSOLE_PATH = '/console';

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const FILES: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
  'index.html': 'text/html; charset=utf-8',
};

/** API routes under /console (the live stream); everything else there is the single-page app. */
const API_PATHS = new Set([`${CONSOLE_PATH}/events`]);

export function isConsolePath(path: string): boolean {
  if (API_PATHS.has(path)) return false;
  return path === CONSOLE_PATH || path.startsWith(`${CONSOLE_PATH}/`);
}

let building: Promise<void> | undefined;

async function ensureBuilt(): Promise<void> {
  if (consoleBuilt()) return;
  building ??= buildConsole().finally(() => (building = undefined));
  await building;
}

export async function serveConsole(path: string, method: string, res: ServerResponse) {
  const headers = {
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cache-control': 'no-cache',
  };
  if (method !== 'GET' && method !== 'HEAD') {
    res.writeHead(405, { ...headers, allow: 'GET' });
    res.end();
    return;
  }
  // Every page of the single-page app is index.html; only the named assets are files.
  const name = path.slice(CONSOLE_PATH.length + 1);
  const file = Object.hasOwn(FILES, name) ? name : 'index.html';
  try {
    await ensureBuilt();
    const body = await readFile(join(OUT_DIR, file));
    res.writeHead(200, { ...headers, 'content-type': FILES[file]! });
    res.end(method === 'HEAD' ? undefined : body);
  } catch (err) {
    res.writeHead(503, { ...headers, 'content-type': 'text/plain; charset=utf-8' });
    res.end(`the console is not built (run 'npm run build'): ${(err as Error).message}\n`);
  }
}
