/**
 * The voucher access number and card expiry through the real daemon, real ari-client and the
 * simulator: a caller identified by accountcode dials ASTBILL_VOUCHER_NUMBER, keys a code and
 * hears the new balance; wrong codes are announced and, counted by the PIN guessing limits, lock
 * the caller ID out (the right code is then refused unasked); a used code credits nothing; and
 * a batch card past its expiry is refused EXPIRED with the stock announcement.
 */
import assert from 'node:assert/strict';
import { parseMoney } from '../../daemon/src/rating/index.js';
import { forEachDatabase } from '../support/db.js';
import { driveUntil, quiet, settledCdr, startE2e, timesPlayed, type E2e } from './harness.js';

const VOUCHER_NUMBER = '8100';
const DAY = 86_400_000;

describe('the voucher access number', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, {
        daemonOnSimClock: true,
        env: {
          ASTBILL_VOUCHER_NUMBER: VOUCHER_NUMBER,
          ASTBILL_PIN_TRIES: '3',
          ASTBILL_PIN_LOCKOUT_FAILURES: '3',
        },
      });
      await e.t.seedRate({ prefix: '44', rate: '0.06' });
    });
    after(async () => e?.close());

    const codes = async (n: number, value = '7.5') =>
      (await e.t.store.generateVouchers({ count: n, value: parseMoney(value), operator: 'test' }))
        .codes;
    const voucherCall = (account: string, callerId: string) =>
      e.sim.placeCall({ exten: VOUCHER_NUMBER, peer: 'desk', accountcode: account, callerId })
        .channelId;
    const askedFor = (A: string, n: number) =>
      driveUntil(e, `code prompt ${n}`, () => timesPlayed(e, 'sound:agent-pass', A) >= n);

    it('credits a good code once and announces the new balance', async () => {
      const a = await e.t.seedAccount({ balance: '2' });
      const [code] = await codes(1);
      const A = voucherCall(a.name, '15550101');
      await askedFor(A, 1);
      e.sim.sendDtmf(A, `${code}#`);
      await driveUntil(e, 'the hangup', () => e.sim.ended(A) !== undefined);
      assert.equal(timesPlayed(e, 'sound:auth-thankyou', A), 1);
      assert.equal(timesPlayed(e, 'number:9', A), 1, '2 + 7.50 = 9 whole units announced');
      assert.equal(e.sim.ended(A)?.hungUpBy, 'app');
      const now = (await e.t.store.accountDetails(a.name))!;
      assert.equal(now.balance, parseMoney('9.5'));
      assert.equal(await e.t.store.ledgerSum(a.id), now.balance);
      const entry = (await e.t.store.ledger(a.id)).at(-1)!;
      assert.match(entry.reference ?? '', /^voucher:\d+$/);
      const cdr = await settledCdr(e, A);
      assert.equal(cdr.reason, 'VOUCHER');
      assert.equal(cdr.disposition, 'CANCEL');
      assert.equal(cdr.cost, 0n);
      assert.match(cdr.note ?? '', /credited 7\.5/);
      const events = await e.t.store.listEvents({ account: a.name });
      assert.deepEqual(
        events.map((ev) => ev.kind),
        ['voucher_redeemed'],
      );
      await quiet(e);
    });

    it('announces wrong codes, locks the caller ID out after three, then refuses even a good code', async () => {
      const a = await e.t.seedAccount({ balance: '2' });
      const [good] = await codes(1);
      const caller = '15550102';
      const A = voucherCall(a.name, caller);
      for (let i = 1; i <= 3; i++) {
        await askedFor(A, i);
        e.sim.sendDtmf(A, `9999000011${i}#`);
      }
      await driveUntil(e, 'the hangup', () => e.sim.ended(A) !== undefined);
      assert.equal(timesPlayed(e, 'sound:invalid', A), 2, 'after the first two');
      assert.equal(timesPlayed(e, 'sound:confbridge-pin-bad', A), 1, 'the third locks out');
      const fails = await e.t
        .knex('astpinfail')
        .where({ kind: 'voucher', caller })
        .count({ n: '*' });
      assert.equal(Number(fails[0]!.n), 3);
      assert.match((await settledCdr(e, A)).note ?? '', /locked/);

      const B = voucherCall(a.name, caller);
      await askedFor(B, 1);
      e.sim.sendDtmf(B, `${good}#`);
      await driveUntil(e, 'the second hangup', () => e.sim.ended(B) !== undefined);
      assert.equal(timesPlayed(e, 'sound:confbridge-pin-bad', B), 1);
      assert.equal(timesPlayed(e, 'sound:auth-thankyou', B), 0);
      assert.equal((await e.t.store.accountDetails(a.name))!.balance, parseMoney('2'));
      const unused = await e.t.store.redeemVoucher(a.name, good!, 'cli');
      assert.ok(unused.ok && unused.credited, 'the good code was never used up');
      await quiet(e);
    });

    it('credits nothing for a code used before, and says so', async () => {
      const a = await e.t.seedAccount({ balance: '2' });
      const b = await e.t.seedAccount({ balance: '2' });
      const [code] = await codes(1);
      assert.ok((await e.t.store.redeemVoucher(b.name, code!, 'api')).ok);
      const A = voucherCall(a.name, '15550103');
      await askedFor(A, 1);
      e.sim.sendDtmf(A, `${code}#`);
      await driveUntil(
        e,
        'the used-code message',
        () => timesPlayed(e, 'sound:is-in-use', A) === 1,
      );
      e.sim.hangup(A);
      await driveUntil(e, 'the hangup', () => e.sim.ended(A) !== undefined);
      assert.equal((await e.t.store.accountDetails(a.name))!.balance, parseMoney('2'));
      assert.equal((await e.t.store.accountDetails(b.name))!.balance, parseMoney('9.5'));
      await quiet(e);
    });
  });
});

describe('an expired calling card', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    // Asterisk's clock two days ahead: the batch below (valid for one day from now) has expired.
    before(async () => {
      e = await startE2e(tdb, { startTime: Date.now() + 2 * DAY });
      await e.t.seedRate({ prefix: '44', rate: '0.06' });
    });
    after(async () => e?.close());

    it('is refused EXPIRED with the stock announcement and a FAILED CDR, nothing dialled', async () => {
      const { cards } = await e.t.store.generateCards({
        count: 1,
        value: parseMoney('5'),
        tariff: 'default',
        expires: new Date(Date.now() + DAY),
        operator: 'test',
      });
      const A = e.sim.placeCall({
        exten: 's',
        args: [],
        context: 'calling-card',
        peer: 'trunk',
        callerId: '15550104',
      }).channelId;
      await driveUntil(e, 'the PIN prompt', () => timesPlayed(e, 'sound:agent-pass', A) === 1);
      e.sim.sendDtmf(A, `${cards[0]!.pin}#`);
      await driveUntil(
        e,
        'the destination prompt',
        () => timesPlayed(e, 'sound:vm-enter-num-to-call', A) === 1,
      );
      e.sim.sendDtmf(A, '442079460000#');
      await driveUntil(e, 'the hangup', () => e.sim.ended(A) !== undefined);
      assert.equal(timesPlayed(e, 'sound:de-activated', A), 1);
      const cdr = await settledCdr(e, A);
      assert.equal(cdr.reason, 'EXPIRED');
      assert.equal(cdr.disposition, 'FAILED');
      assert.equal(cdr.account, cards[0]!.account);
      assert.equal(e.sim.liveChannels().filter((c) => c.kind === 'outbound').length, 0);
      assert.equal(
        e.sim.endedChannels().filter((c) => c.kind === 'outbound').length,
        0,
        'nothing dialled',
      );
      assert.equal((await e.t.store.accountDetails(cards[0]!.account))!.balance, parseMoney('5'));
      await quiet(e);
    });
  });
});

describe('one voucher keyed at the same moment on two daemons', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let one: E2e;
    let two: E2e;
    before(async () => {
      const env = { ASTBILL_VOUCHER_NUMBER: VOUCHER_NUMBER };
      one = await startE2e(tdb, { daemonOnSimClock: true, env: { ...env, ASTBILL_NODE: 'box1' } });
      // Another Asterisk: another clock start, so that its channel ids differ.
      two = await startE2e(tdb, {
        daemonOnSimClock: true,
        env: { ...env, ASTBILL_NODE: 'box2' },
        startTime: Date.parse('2026-11-22T11:00:00.000Z'),
      });
      await one.t.seedRate({ prefix: '44', rate: '0.06' });
    });
    after(async () => {
      await one?.close();
      await two?.close();
    });

    it('credits it once: one caller hears the new balance, the other that it is in use', async () => {
      const a = await one.t.seedAccount({ balance: '1' });
      const b = await one.t.seedAccount({ balance: '1' });
      const [code] = (
        await one.t.store.generateVouchers({ count: 1, value: parseMoney('5'), operator: 'test' })
      ).codes;
      const calls = [
        [one, one.sim.placeCall({ exten: VOUCHER_NUMBER, accountcode: a.name }).channelId],
        [two, two.sim.placeCall({ exten: VOUCHER_NUMBER, accountcode: b.name }).channelId],
      ] as const;
      for (const [e, A] of calls)
        await driveUntil(e, 'the code prompt', () => timesPlayed(e, 'sound:agent-pass', A) === 1);
      for (const [e, A] of calls) e.sim.sendDtmf(A, `${code}#`, { gapMs: 0 });
      const answered = (e: E2e, A: string) =>
        timesPlayed(e, 'sound:auth-thankyou', A) + timesPlayed(e, 'sound:is-in-use', A) > 0;
      for (const [e, A] of calls) await driveUntil(e, 'the answer', () => answered(e, A));
      for (const [e, A] of calls) if (!e.sim.ended(A)) e.sim.hangup(A);
      for (const [e, A] of calls)
        await driveUntil(e, 'the hangup', () => e.sim.ended(A) !== undefined);
      const heard = calls.map(([e, A]) =>
        timesPlayed(e, 'sound:auth-thankyou', A) === 1
          ? 'credited'
          : timesPlayed(e, 'sound:is-in-use', A) === 1
            ? 'in use'
            : 'nothing',
      );
      assert.deepEqual([...heard].sort(), ['credited', 'in use']);
      const balances = [
        (await one.t.store.accountDetails(a.name))!.balance,
        (await one.t.store.accountDetails(b.name))!.balance,
      ];
      assert.deepEqual(
        [...balances].sort((x, y) => (x < y ? -1 : 1)),
        [parseMoney('1'), parseMoney('6')],
      );
      for (const acct of [a, b])
        assert.equal(
          await one.t.store.ledgerSum(acct.id),
          (await one.t.store.accountDetails(acct.name))!.balance,
        );
      await quiet(one);
      await quiet(two);
    });
  });
});
