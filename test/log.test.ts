/**
 * The daemon's log lines: what an operator's log shipper reads (one JSON object a line, the call's
 * fields on each of its lines, secrets masked, warnings and errors on stderr, nothing below the
 * level).
 */
import assert from 'node:assert/strict';
import { createLogger } from '../daemon/src/log.js';

function capture(run: () => void): { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string) => out.push(chunk) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => err.push(chunk) > 0) as typeof process.stderr.write;
  try {
    run();
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  }
  return { out, err };
}

const parse = (lines: string[]): Array<Record<string, unknown>> =>
  lines.map((l) => {
    assert.ok(l.endsWith('\n'), 'one line per record');
    return JSON.parse(l) as Record<string, unknown>;
  });

describe('daemon log lines', () => {
  it('writes JSON lines with the child fields, the level, the message and a timestamp', () => {
    const { out, err } = capture(() => {
      const log = createLogger('info', { format: 'json' }).child({ call: 'ch-1' });
      log.info('call answered', { account: 'alice', amount: 12n });
      log.info('bare message');
    });
    assert.deepEqual(err, []);
    const [first, second] = parse(out);
    assert.deepEqual(Object.keys(first!), [
      'call',
      'account',
      'amount',
      'level',
      'message',
      'timestamp',
    ]);
    assert.equal(first!['call'], 'ch-1');
    assert.equal(first!['amount'], '12');
    assert.equal(first!['level'], 'info');
    assert.equal(first!['message'], 'call answered');
    assert.ok(!Number.isNaN(Date.parse(String(first!['timestamp']))));
    assert.deepEqual(Object.keys(second!), ['call', 'message', 'level', 'timestamp']);
  });

  it('masks secret fields, also those of a child, and writes warnings and errors to stderr', () => {
    const { out, err } = capture(() => {
      const log = createLogger('info', { format: 'json' }).child({ token: 'abc' });
      log.warn('login refused', { password: 'hunter2', user: 'bob' });
      log.error('boom', { pin: '1234' });
    });
    assert.deepEqual(out, []);
    const [warn, error] = parse(err);
    assert.equal(warn!['token'], '***');
    assert.equal(warn!['password'], '***');
    assert.equal(warn!['user'], 'bob');
    assert.equal(error!['pin'], '***');
    assert.ok(!err.join('').includes('hunter2') && !err.join('').includes('1234'));
  });

  it('writes nothing below its level, and nothing at all when silent', () => {
    const { out, err } = capture(() => {
      const warnOnly = createLogger('warn', { format: 'json' }).child({ call: 'x' });
      warnOnly.info('not written');
      warnOnly.debug('not written');
      warnOnly.warn('written');
      const silent = createLogger('debug', { silent: true, format: 'json' });
      silent.error('not written');
    });
    assert.deepEqual(out, []);
    assert.deepEqual(
      parse(err).map((l) => l['message']),
      ['written'],
    );
  });

  it('writes debug lines at debug level, and an Error given as fields adds its message', () => {
    const { out, err } = capture(() => {
      const log = createLogger('debug', { format: 'json' });
      log.debug('detail', { n: 1 });
      log.error('store failed', new Error('connection lost') as unknown as Record<string, unknown>);
    });
    assert.equal(parse(out)[0]!['message'], 'detail');
    const [e] = parse(err);
    assert.equal(e!['message'], 'store failed connection lost');
    assert.match(String(e!['stack']), /connection lost/);
  });
});
