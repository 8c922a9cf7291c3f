/**
 * The demo's own output: the introduction (scenario, database, log file), and keeping the
 * daemon's log and ari-client's console notice out of it.
 */
import { relative, isAbsolute } from 'node:path';
import { Writable } from 'node:stream';
import winston from 'winston';
import { DEMO_TARIFF, type DemoScenario } from './scenario.js';

export function intro(s: DemoScenario, ariUrl: string, db: string, logFile: string): string {
  const rates = s.rates.map(
    (r) =>
      `    ${r.prefix.padEnd(5)} ${r.description.padEnd(22)} ${r.rate}/min  +${r.connect}  ${r.initial}/${r.increment}`,
  );
  const trunks = s.trunks.map(
    (t) =>
      `    ${t.name.padEnd(10)} ${(t.techPrefix ? `${t.techPrefix}+number` : 'number').padEnd(9)} ${t.rates.map((r) => `${r.prefix} ${r.rate}`).join(', ')}`,
  );
  const accounts = s.accounts.map(
    (a) => `    ${a.name.padEnd(10)} ${a.balance.padStart(6)}  ${a.identifiedBy}`,
  );
  return [
    'astbill demo: the real daemon, a simulated Asterisk 22 (ARI), SQLite, real clock',
    `  database    ${db} (fresh each run)`,
    `  daemon log  ${logFile}`,
    `  ARI         ${ariUrl}/ari (the simulator)`,
    `  dialling    ring timeout ${s.daemonEnv.ASTBILL_RING_TIMEOUT} s, at most ${s.daemonEnv.ASTBILL_MAX_CALL_SECONDS} s a call`,
    `  tariff '${DEMO_TARIFF}' (prefix, rate, connection fee, billing blocks):`,
    ...rates,
    '  trunks, least cost first, failover on congestion (sent as, buy rate per prefix):',
    ...trunks,
    '  accounts:',
    ...accounts,
    '',
    '',
  ].join('\n');
}

export function displayPath(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? `./${rel}` : p;
}

/**
 * The daemon logs to a file (info and up) so that the demo's own output stays readable;
 * warnings and errors are counted so the summary can point at the file.
 */
export function quietLogger(file: string): {
  logger: winston.Logger;
  warnings(): number;
  close(): Promise<void>;
} {
  let warnings = 0;
  const counter = new Writable({
    objectMode: true,
    write(_info: unknown, _enc, cb) {
      warnings += 1;
      cb();
    },
  });
  const fileTransport = new winston.transports.File({ filename: file });
  const logger = winston.createLogger({
    level: 'info',
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    transports: [fileTransport, new winston.transports.Stream({ stream: counter, level: 'warn' })],
  });
  return {
    logger,
    warnings: () => warnings,
    close: () =>
      new Promise<void>((done) => {
        const timer = setTimeout(done, 2000);
        fileTransport.once('finish', () => {
          clearTimeout(timer);
          done();
        });
        logger.end();
      }),
  };
}

/**
 * ari-client's swagger-client prints "This API is using a deprecated version of Swagger!" with
 * console.log on every connect, which would land in the demo's output (and break --json).
 */
export function muteSwaggerNotice(): () => void {
  const original = console.log;
  console.log = (...args: unknown[]): void => {
    const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    if (typeof first === 'string' && first.includes('deprecated version of Swagger')) return;
    original.apply(console, args);
  };
  return () => {
    console.log = original;
  };
}
