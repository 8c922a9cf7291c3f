/**
 * ari-client's swagger-client 2.0 prints `[ 'This API is using a deprecated version of Swagger!
 * …' ]` with console.log each time it loads Asterisk's (Swagger 1.1) declarations, i.e. at every
 * connect, which breaks the daemon's one-JSON-object-per-line logs. It also keeps every such
 * message in a global `log.history` array that grows with each reconnect.
 *
 * `quietSwagger(fn)` runs `fn` with a console.log that drops exactly that message (everything
 * else passes through unchanged) and empties that history afterwards. Overlapping calls share one
 * filter (counted), so the original console.log comes back when the last one ends.
 */
const DEPRECATED_SWAGGER = 'This API is using a deprecated version of Swagger';

let active = 0;
let original: typeof console.log | null = null;

function isSwaggerNotice(args: unknown[]): boolean {
  const first = args[0];
  const text = Array.isArray(first) ? first[0] : first;
  return typeof text === 'string' && text.startsWith(DEPRECATED_SWAGGER);
}

export async function quietSwagger<T>(fn: () => Promise<T>): Promise<T> {
  if (active++ === 0) {
    const keep = console.log;
    original = keep;
    console.log = (...args: unknown[]): void => {
      if (!isSwaggerNotice(args)) keep.apply(console, args);
    };
  }
  try {
    return await fn();
  } finally {
    if (--active === 0 && original) {
      console.log = original;
      original = null;
    }
    const history = (globalThis as { log?: { history?: unknown[] } }).log?.history;
    if (Array.isArray(history)) history.length = 0;
  }
}
