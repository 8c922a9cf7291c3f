/**
 * Hostile input through the real flow (simulator → ari-client → daemon → database): SQL
 * metacharacters, Unicode, 10 kB strings and empty values in caller IDs, accountcodes, dialled
 * strings and DTMF; PIN guessing; ARI events with missing fields or for unknown channels; an
 * Asterisk that answers slowly, with HTTP 500s, or not at all. Each ends clean: the call is
 * refused (with its CDR) or billed correctly, a log line says what happened, nothing crashes,
 * no reservation or channel is left, and the books balance.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import winston from 'winston';
import type { CallHandle } from '../../daemon/src/sim/index.js';
import { forEachDatabase } from '../support/db.js';
import {
  bridgesLeft,
  driveUntil,
  quiet,
  settled,
  settledCdr,
  startE2e,
  talking,
  waitFor,
  type E2e,
} from '../e2e/harness.js';
import { PER_SECOND_44, type LogLine } from './rig.js';

function captureLogger(): { logger: winston.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) {
        if (!l.trim()) continue;
        try {
          lines.push(JSON.parse(l) as LogLine);
        } catch {
          lines.push({ level: 'raw', message: l });
        }
      }
      cb();
    },
  });
  const logger = winston.createLogger({
    level: 'debug',
    format: winston.format.printf((info) =>
      JSON.stringify(info, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
    ),
    transports: [new winston.transports.Stream({ stream })],
  });
  return { logger, lines };
}

const KB10 = (c: string) => c.repeat(10_240);
const SQL1 = "' OR 1=1 --";
const SQL2 = '"; DROP TABLE astcdr; --';

interface InputRow {
  what: string;
  /** 'VALID' = the seeded account's name. */
  accountcode: string;
  callerId: { name: string; number: string };
  exten: string;
  expect: 'ANSWERED' | 'BADPIN' | 'BADNUMBER';
}

const INPUTS: InputRow[] = [
  {
    what: 'SQL in the accountcode and caller ID (unknown caller)',
    accountcode: SQL1,
    callerId: { name: SQL2, number: SQL1 },
    exten: '4420',
    expect: 'BADPIN',
  },
  {
    what: 'SQL DROP TABLE in the accountcode',
    accountcode: SQL2,
    callerId: { name: '', number: '15550001' },
    exten: '4420',
    expect: 'BADPIN',
  },
  {
    what: 'SQL in the dialled string',
    accountcode: 'VALID',
    callerId: { name: '', number: '15550002' },
    exten: SQL1,
    expect: 'BADNUMBER',
  },
  {
    what: 'SQL DROP TABLE in the dialled string',
    accountcode: 'VALID',
    callerId: { name: '', number: '15550003' },
    exten: SQL2,
    expect: 'BADNUMBER',
  },
  {
    what: 'SQL in the caller name and number of a paying caller',
    accountcode: 'VALID',
    callerId: { name: "Robert'); DROP TABLE astaccount;--", number: "1' OR '1'='1" },
    exten: '4421',
    expect: 'ANSWERED',
  },
  {
    what: 'Unicode caller ID of a paying caller',
    accountcode: 'VALID',
    callerId: { name: '李小龍 📞 Zoë', number: '+٤٤١٢٣٤' },
    exten: '4422',
    expect: 'ANSWERED',
  },
  {
    what: 'Unicode accountcode (unknown)',
    accountcode: 'Zoë☎️📞',
    callerId: { name: 'Zoë', number: '☎️' },
    exten: '4423',
    expect: 'BADPIN',
  },
  {
    what: 'Unicode digits dialled',
    accountcode: 'VALID',
    callerId: { name: '', number: '15550004' },
    exten: '٤٤١٢٣',
    expect: 'BADNUMBER',
  },
  {
    what: '10 kB accountcode, caller ID and dialled string',
    accountcode: KB10('A'),
    callerId: { name: KB10('N'), number: KB10('9') },
    exten: KB10('4'),
    expect: 'BADPIN',
  },
  // Uncapped, 10 kB would overflow the originate request's query string; the daemon caps what it passes on.
  {
    what: '10 kB caller ID of a paying caller',
    accountcode: 'VALID',
    callerId: { name: KB10('N'), number: KB10('9') },
    exten: '4424',
    expect: 'ANSWERED',
  },
  {
    what: '200-character caller ID of a paying caller',
    accountcode: 'VALID',
    callerId: { name: 'N'.repeat(200), number: '9'.repeat(200) },
    exten: '4424',
    expect: 'ANSWERED',
  },
  {
    what: '10 kB dialled string of a paying caller',
    accountcode: 'VALID',
    callerId: { name: '', number: '15550005' },
    exten: KB10('4'),
    expect: 'BADNUMBER',
  },
  {
    what: 'empty accountcode, caller ID and extension',
    accountcode: '',
    callerId: { name: '', number: '' },
    exten: '',
    expect: 'BADPIN',
  },
  {
    what: 'empty dialled string of a paying caller',
    accountcode: 'VALID',
    callerId: { name: '', number: '15550006' },
    exten: '',
    expect: 'BADNUMBER',
  },
];

describe('hostile input through the real flow', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    let log: ReturnType<typeof captureLogger>;
    let acct: Awaited<ReturnType<E2e['t']['seedAccount']>>;
    let card: Awaited<ReturnType<E2e['t']['seedAccount']>>;
    const charged = new Map<string, bigint>();

    before(async () => {
      log = captureLogger();
      e = await startE2e(tdb, {
        deps: { logger: log.logger },
        daemonOnSimClock: true,
        env: { ASTBILL_PIN_LOCKOUT_FAILURES: '5', ASTBILL_PIN_LOCKOUT_MINUTES: '15' },
        // The requests the daemon makes time out after 3 s (harness); slow answers below are 1 s and 4 s.
      });
      await e.t.seedRate(PER_SECOND_44);
      acct = await e.t.seedAccount({ balance: '10' });
      card = await e.t.seedAccount({ balance: '10', pin: '471100' });
    });
    after(async () => {
      // The daemon's timers run on the simulator's clock: keep it moving while calls are ended.
      let closed = false;
      const closing = e?.close().finally(() => (closed = true));
      while (e && !closed) {
        e.advance(1_000);
        await settled(e);
      }
      await closing;
    });
    afterEach(function () {
      if (process.env.ASTBILL_TEST_DEBUG && this.currentTest?.state === 'failed') {
        for (const l of log.lines.slice(-40))
          process.stdout.write(`${JSON.stringify(l).slice(0, 400)}\n`);
      }
    });

    /** Books after every row: only the answered calls were charged, nothing is reserved or left. */
    async function clean(): Promise<void> {
      await quiet(e);
      assert.deepEqual(
        e.sim.liveChannels().map((c) => c.id),
        [],
      );
      assert.deepEqual(bridgesLeft(e), []);
      for (const a of [acct, card]) {
        const now = (await e.t.store.accountDetails(a.name))!;
        const mine = [...charged]
          .filter(([id]) => id.startsWith(`${a.name}:`))
          .reduce((s, [, c]) => s + c, 0n);
        assert.equal(now.balance, a.balance - mine, `balance of ${a.name}`);
        assert.equal(now.reserved, 0n);
        assert.equal(await e.t.store.ledgerSum(a.id), now.balance);
      }
      // The tables are all still there.
      for (const table of ['astcdr', 'astaccount', 'astcreditres', 'astledger', 'astrate'])
        await e.t.knex(table).count({ n: '*' });
    }

    async function talkAndHangUp(
      call: CallHandle,
      seconds: number,
      who: { name: string },
    ): Promise<void> {
      await waitFor('talking', () => talking(e, call.channelId));
      e.advance(seconds * 1000);
      e.sim.hangupCaller(call.channelId);
      const cdr = await settledCdr(e, call.channelId);
      assert.equal(cdr.disposition, 'ANSWERED');
      assert.equal(cdr.billsec, seconds);
      charged.set(`${who.name}:${call.channelId}`, cdr.cost);
    }

    for (const row of INPUTS) {
      it(`${row.what}: ${row.expect === 'ANSWERED' ? 'billed normally' : `refused ${row.expect}`}`, async () => {
        const before = Number(
          ((await e.t.knex('astcdr').count({ n: '*' }))[0] as { n: unknown }).n,
        );
        const call = e.sim.placeCall({
          exten: row.exten,
          args: [row.exten],
          accountcode: row.accountcode === 'VALID' ? acct.name : row.accountcode,
          callerId: row.callerId,
        });
        assert.ok(call.enteredStasis);
        if (row.expect === 'ANSWERED') {
          await talkAndHangUp(call, 3, acct);
          const cdr = (await e.t.store.cdr(call.channelId))!;
          assert.equal(
            cdr.src,
            row.callerId.number.slice(0, 80),
            'the caller number is stored as given (cut to the column)',
          );
        } else {
          await driveUntil(
            e,
            `refusal ${row.expect}`,
            async () =>
              (await e.t.store.cdr(call.channelId))?.reason === row.expect &&
              e.sim.ended(call.channelId),
            { maxSimMs: 180_000, stepMs: 500 },
          );
          const cdr = (await e.t.store.cdr(call.channelId))!;
          assert.equal(cdr.cost, 0n);
          assert.ok(cdr.dst.length <= 80 && cdr.src.length <= 80);
          assert.ok(
            log.lines.some((l) => l.message === 'call refused' && l.reason === row.expect),
            'a log line says why',
          );
        }
        const after = Number(((await e.t.knex('astcdr').count({ n: '*' }))[0] as { n: unknown }).n);
        assert.equal(after, before + 1, 'exactly one CDR for the attempt');
        await clean();
      });
    }

    it('DTMF events carrying SQL, quotes and 10 kB are ignored; the real PIN still works and the call is billed', async () => {
      const call = e.sim.placeCall({
        exten: 's',
        args: [],
        callerId: { name: '', number: '15550100' },
      });
      await waitFor('the PIN prompt', () => e.sim.stateOf(call.channelId) === 'Up');
      const ch = e.sim.engine.channels.get(call.channelId)!;
      for (const digit of [SQL1, SQL2, KB10('1'), '', '١', '\u0000', '12'])
        e.sim.engine.publishChannel(ch, 'ChannelDtmfReceived', { digit, duration_ms: 100 });
      e.sim.engine.publishChannel(ch, 'ChannelDtmfReceived', { duration_ms: 100 });
      e.sim.sendDtmf(call.channelId, '471100#');
      await driveUntil(
        e,
        'the destination prompt',
        () => log.lines.some((l) => l.message === 'caller identified' && l.via === 'pin'),
        { stepMs: 200 },
      );
      e.sim.sendDtmf(call.channelId, '4425#');
      await driveUntil(e, 'talking', () => talking(e, call.channelId), { stepMs: 200 });
      await talkAndHangUp(call, 4, card);
      assert.ok(log.lines.some((l) => /ignored a DTMF event without a digit/.test(l.message)));
      await clean();
    });

    it('PIN guessing: three wrong PINs end the call (BADPIN); after five from one caller ID it is locked out, right PIN or not', async () => {
      const guess = async (): Promise<CallHandle> => {
        const call = e.sim.placeCall({
          exten: 's',
          args: [],
          callerId: { name: 'guesser', number: '15550666' },
        });
        await waitFor(
          'the PIN prompt',
          () => e.sim.stateOf(call.channelId) === 'Up' || e.sim.ended(call.channelId),
        );
        return call;
      };
      const first = await guess();
      e.sim.sendDtmf(first.channelId, '0000#1111#2222#', { gapMs: 400 });
      await driveUntil(
        e,
        'first call refused',
        async () =>
          (await e.t.store.cdr(first.channelId))?.reason === 'BADPIN' &&
          e.sim.ended(first.channelId),
        { maxSimMs: 120_000 },
      );
      const second = await guess();
      e.sim.sendDtmf(second.channelId, '3333#4444#5555#', { gapMs: 400 });
      await driveUntil(
        e,
        'second call refused',
        async () => {
          const r = (await e.t.store.cdr(second.channelId))?.reason;
          return (r === 'BADPIN' || r === 'LOCKED') && e.sim.ended(second.channelId);
        },
        { maxSimMs: 120_000 },
      );
      const third = await guess();
      if (e.sim.channel(third.channelId))
        e.sim.sendDtmf(third.channelId, '471100#', { gapMs: 400 });
      await driveUntil(
        e,
        'third call refused',
        async () =>
          (await e.t.store.cdr(third.channelId))?.reason === 'LOCKED' &&
          e.sim.ended(third.channelId),
        { maxSimMs: 120_000 },
      );
      assert.ok(
        !log.lines.some((l) => l.message === 'caller identified' && l.channel === third.channelId),
        'the right PIN did not get through the lockout',
      );
      await clean();
    });

    it('ARI events with missing fields, wrong types or for unknown channels are logged and skipped; the next call is billed', async () => {
      const engine = e.sim.engine;
      const bad: [string, Record<string, unknown>][] = [
        ['StasisStart', { args: [] }],
        ['StasisStart', { channel: { id: 42 }, args: 'not-a-list' }],
        ['StasisEnd', { channel: { id: 'no-such-channel' } }],
        ['ChannelDestroyed', { channel: { id: 'no-such-channel' }, cause: 'sixteen' }],
        ['ChannelHangupRequest', { channel: {} }],
        ['ChannelDtmfReceived', { channel: { id: 'no-such-channel' }, digit: '5' }],
        ['Dial', { dialstatus: 'ANSWER' }],
        ['Dial', { peer: { id: 'astbill-e2e-unknown-1' }, dialstatus: 'BUSY' }],
        ['PlaybackFinished', { playback: {} }],
        [
          'PlaybackFinished',
          { playback: { id: 'astbill-e2e-x-pb', target_uri: 'channel:nobody', state: 'done' } },
        ],
        ['ChannelDtmfReceived', {}],
      ];
      for (const [type, fields] of bad) engine.publish(type, fields, ['astbill']);
      engine.publish(
        'StasisStart',
        {
          channel: { id: 'ghost-1', name: 'PJSIP/ghost-00000001' },
          args: ['4426'],
          timestamp: 'yesterday',
        },
        ['astbill'],
      );
      // A StasisStart for a channel Asterisk does not have: the daemon's requests for it fail (404),
      // the call fails closed and is forgotten (no CDR: it never reached identification).
      await waitFor(
        'the ghost call to be given up',
        () =>
          log.lines.some(
            (l) =>
              l.call === 'ghost-1' && /call failed|hangup failed|caller went away/.test(l.message),
          ),
        10_000,
      );
      await driveUntil(e, 'the ghost call forgotten', () => e.daemon.liveCalls === 0, {
        stepMs: 1_000,
      });
      const call = e.sim.placeCall({ exten: '4427', accountcode: acct.name });
      await talkAndHangUp(call, 2, acct);
      assert.ok(
        log.lines.some((l) => /without a channel id/.test(l.message)),
        'a log line for the event without a channel',
      );
      assert.ok(!log.lines.some((l) => /uncaught|unhandled/i.test(l.message)));
      await clean();
    });

    const faultRows: {
      what: string;
      rule: Parameters<E2e['sim']['faults']['add']>[0];
      expect: 'ANSWERED' | 'FAILED' | 'KILLED';
    }[] = [
      {
        what: 'originate answered with HTTP 500',
        rule: {
          method: 'POST',
          path: '/channels',
          status: 500,
          body: { error: 'Allocation failed' },
          times: 1,
        },
        expect: 'FAILED',
      },
      {
        what: 'bridge creation answered with HTTP 500',
        rule: { method: 'POST', path: /^\/bridges/, status: 500, times: 1 },
        expect: 'KILLED',
      },
      {
        what: 'TIMEOUT(absolute) refused with HTTP 500 (never an unlimited call)',
        rule: { method: 'POST', path: /\/variable$/, status: 500, times: 1 },
        expect: 'KILLED',
      },
      {
        what: 'every request answered 1 s late',
        rule: { path: /^\/(channels|bridges)/, delayMs: 1_000, times: 6 },
        expect: 'ANSWERED',
      },
      {
        what: 'originate answered only after the request timeout',
        rule: { method: 'POST', path: '/channels', delayMs: 4_000, times: 1 },
        expect: 'FAILED',
      },
    ];
    for (const row of faultRows) {
      it(`an Asterisk whose ${row.what}: ${row.expect === 'ANSWERED' ? 'the call is billed' : row.expect === 'FAILED' ? 'the attempt is released at no cost' : 'the call is ended and settled'}`, async () => {
        const remove = e.sim.faults.add(row.rule);
        const hits = e.sim.faults.hits.length;
        try {
          const call = e.sim.placeCall({ exten: '4428', accountcode: acct.name });
          if (row.expect === 'ANSWERED') {
            await waitFor('talking', () => talking(e, call.channelId), 15_000);
            e.advance(5_000);
            e.sim.hangupCaller(call.channelId);
            const cdr = await settledCdr(e, call.channelId, 10_000);
            assert.equal(cdr.billsec, 5);
            charged.set(`${acct.name}:${call.channelId}`, cdr.cost);
          } else {
            let polls = 0;
            const cdr = await waitFor(
              'settled',
              async () => {
                if (++polls % 20 === 0) e.advance(1_000);
                const c = await e.t.store.cdr(call.channelId);
                return c?.status === 'settled' && e.sim.ended(call.channelId) ? c : undefined;
              },
              20_000,
            );
            if (row.expect === 'FAILED') {
              assert.notEqual(cdr.disposition, 'ANSWERED');
              assert.equal(cdr.cost, 0n);
            } else {
              charged.set(`${acct.name}:${call.channelId}`, cdr.cost);
              assert.ok(cdr.billsec <= 10, `ended at once (${cdr.billsec} s)`);
              assert.match(cdr.note ?? '', /ended by astbill/);
            }
          }
          assert.ok(e.sim.faults.hits.length > hits, 'the fault was injected');
          // A leg that answered after its attempt was given up is hung up, not billed.
          await waitFor('no channel left', () => e.sim.liveChannels().length === 0, 15_000).catch(
            () => {
              e.advance(10_000);
            },
          );
          await clean();
        } finally {
          remove();
        }
      });
    }
  });
});
