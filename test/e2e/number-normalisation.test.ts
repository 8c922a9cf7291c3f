/**
 * Number normalisation through the real daemon: what subscribers dial in 00, 011, 0 and + form is
 * rated and dialled as E.164, the CDR keeps both; a number the rules cannot make E.164 is refused
 * BADNUMBER with the digits as dialled; a caller ID in national form finds its E.164 ANI.
 */
import assert from 'node:assert/strict';
import { parseMoney, parseRule } from '../../daemon/src/rating/index.js';
import { forEachDatabase } from '../support/db.js';
import {
  quiet,
  settledCdr,
  startE2e,
  talking,
  timesPlayed,
  driveUntil,
  waitFor,
  type E2e,
} from './harness.js';

const rules = (...t: string[]) => t.map(parseRule);

describe('number normalisation in the call flow', function () {
  this.timeout(30_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb);
      // 60/60 at 0.06/min: a 30 s call costs 0.06 whatever its prefix, so the rate found shows in the prefix.
      await e.t.seedRate({ tariff: 'uk', prefix: '44', rate: '0.06', initial: 60, increment: 60 });
      await e.t.seedRate({
        tariff: 'uk',
        prefix: '4930',
        rate: '0.06',
        initial: 60,
        increment: 60,
      });
      await e.t.store.setNumberRules({
        scope: 'tariff',
        owner: 'uk',
        rules: rules('strip:1010', 'plus', 'intl:00', 'intl:011', 'national:0:44'),
      });
    });
    after(async () => e?.close());

    /** The numbers the simulated Asterisk was asked to dial (B legs, ended or up). */
    const dialledLegs = (): string[] =>
      [...e.sim.endedChannels(), ...e.sim.liveChannels()]
        .filter((c) => c.kind === 'outbound')
        .map((c) => ('number' in c ? c.number : c.dialplan.exten));

    const forms: Array<[string, string, string]> = [
      ['00 international', '00447700900123', '447700900123'],
      ['011 international', '011493012345678', '493012345678'],
      ['0 national', '07700900124', '447700900124'],
      ['+ international', '+447700900125', '447700900125'],
    ];
    for (const [what, dialled, e164] of forms)
      it(`rates and dials ${what} ${dialled} as ${e164}; the CDR keeps both`, async () => {
        const acct = await e.t.seedAccount({ balance: '1', tariff: 'uk' });
        const call = e.sim.placeCall({ exten: dialled, accountcode: acct.name, callerId: '1001' });
        await waitFor('the call to talk', () => talking(e, call.channelId));
        assert.ok(dialledLegs().includes(e164), `dialled ${e164}: ${dialledLegs().join(' ')}`);
        assert.ok(!dialledLegs().includes(dialled));
        e.advance(30_000);
        e.sim.hangupCaller(call.channelId);
        const cdr = await settledCdr(e, call.channelId);
        await quiet(e);
        assert.equal(cdr.disposition, 'ANSWERED');
        assert.equal(cdr.dst, e164);
        assert.equal(cdr.dialled, dialled);
        assert.equal(cdr.prefix, e164.startsWith('4930') ? '4930' : '44');
        assert.equal(cdr.billsec, 30);
        assert.equal(cdr.cost, parseMoney('0.06'));
        const after = (await e.t.store.accountDetails(acct.name))!;
        assert.equal(after.balance, parseMoney('0.94'));
        assert.equal(await e.t.store.ledgerSum(acct.id), after.balance);
      });

    it('uses the account’s own rules over its tariff’s, and refuses what they cannot make E.164: BADNUMBER, digits as dialled', async () => {
      const acct = await e.t.seedAccount({ balance: '1', tariff: 'uk' });
      await e.t.store.setNumberRules({
        scope: 'account',
        owner: acct.name,
        rules: rules('intl:00'),
      });
      const legs = dialledLegs().length;
      const call = e.sim.placeCall({ exten: '07700900126', accountcode: acct.name });
      await driveUntil(
        e,
        'the announcement',
        () => timesPlayed(e, 'sound:ss-noservice', call.channelId) === 1,
      );
      await driveUntil(e, 'the hangup', () => e.sim.ended(call.channelId) !== undefined);
      const cdr = await settledCdr(e, call.channelId);
      await quiet(e);
      assert.equal(cdr.disposition, 'FAILED');
      assert.equal(cdr.reason, 'BADNUMBER');
      assert.equal(cdr.dst, '07700900126', 'the digits as dialled');
      assert.equal(cdr.cost, 0n);
      assert.equal(dialledLegs().length, legs, 'nothing was dialled');
      assert.equal((await e.t.store.accountDetails(acct.name))!.balance, parseMoney('1'));
    });

    it('finds the account of a caller ID in national form by its E.164 ANI (default rules)', async () => {
      await e.t.store.setNumberRules({
        scope: 'default',
        owner: '',
        rules: rules('plus', 'intl:00', 'national:0:44'),
      });
      const acct = await e.t.seedAccount({ balance: '1', tariff: 'uk', anis: ['447700900555'] });
      const call = e.sim.placeCall({ exten: '00447700900127', callerId: '07700900555' });
      await waitFor('the call to talk', () => talking(e, call.channelId));
      e.advance(10_000);
      e.sim.hangupCaller(call.channelId);
      const cdr = await settledCdr(e, call.channelId);
      await quiet(e);
      assert.equal(cdr.account, acct.name);
      assert.equal(cdr.src, '07700900555', 'the caller ID as it came');
      assert.equal(cdr.dst, '447700900127');
      assert.equal(cdr.cost, parseMoney('0.06'));
    });
  });
});

describe('number normalisation of callback calls', function () {
  this.timeout(30_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    before(async () => {
      e = await startE2e(tdb, { daemonOnSimClock: true });
      await e.t.seedRate({ tariff: 'uk', prefix: '44', rate: '0.06', initial: 60, increment: 60 });
      await e.t.seedRate({
        tariff: 'uk',
        prefix: '4930',
        rate: '0.06',
        initial: 60,
        increment: 60,
      });
      await e.t.store.setNumberRules({
        scope: 'tariff',
        owner: 'uk',
        rules: rules('intl:00', 'national:0:44'),
      });
    });
    after(async () => e?.close());
    const dialledLegs = (): string[] =>
      [...e.sim.endedChannels(), ...e.sim.liveChannels()]
        .filter((c) => c.kind === 'outbound')
        .map((c) => ('number' in c ? c.number : c.dialplan.exten));

    it('normalises both numbers of a callback call before rating and dialling them', async () => {
      const acct = await e.t.seedAccount({ balance: '1', tariff: 'uk' });
      const cb = await e.daemon.callbacks.start({
        account: acct.name,
        a: '07700900300',
        b: '0049301234567',
      });
      await driveUntil(e, 'A and B bridged', () =>
        e.sim
          .bridges()
          .some((b) => b.channels.includes(cb.legs.a) && b.channels.includes(cb.legs.b)),
      );
      assert.ok(dialledLegs().includes('447700900300') && dialledLegs().includes('49301234567'));
      e.advance(10_000);
      e.sim.hangupCaller(cb.legs.b);
      const [a, b] = [await settledCdr(e, cb.legs.a), await settledCdr(e, cb.legs.b)];
      await quiet(e);
      assert.deepEqual([a.dst, a.prefix], ['447700900300', '44']);
      assert.deepEqual([b.dst, b.prefix], ['49301234567', '4930']);
    });
  });
});
