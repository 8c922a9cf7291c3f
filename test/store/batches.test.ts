/**
 * Card and voucher batches on the real store (SQLite, and MariaDB with ASTBILL_TEST_MYSQL):
 * 1,000 cards with 1,000 unique PINs that each find their card, expiry enforced by authorise
 * (a fixed date, and validity counted from the first call), and a voucher code redeemed at the
 * same moment through two stores (two daemons' pools) credited exactly once.
 */
import assert from 'node:assert/strict';
import { parseMoney, type Rate } from '../../daemon/src/rating/index.js';
import { forEachDatabase, uniqueName, type TestStore } from '../support/db.js';

const DAY = 86_400_000;

describe('card and voucher batches', function () {
  this.timeout(120_000);
  forEachDatabase((tdb) => {
    let t: TestStore;
    let rate: Rate;
    before(async () => {
      t = await tdb.open({ poolMax: 8 });
      rate = await t.seedRate({
        tariff: 'cards',
        prefix: '44',
        rate: '0.60',
        initial: 60,
        increment: 60,
      });
    });

    const call = (accountId: number, start: Date, store = t.store) =>
      store.authorise({
        uniqueid: uniqueName('call'),
        accountId,
        src: '',
        dst: '442071234567',
        rate,
        node: 'node1',
        defaultMaxSeconds: 3600,
        start,
      });

    it('makes 1,000 cards with 1,000 unique PINs, each of which finds its card at once', async () => {
      const { batch, cards } = await t.store.generateCards({
        count: 1000,
        value: parseMoney('5'),
        tariff: 'cards',
        operator: 'test',
      });
      assert.equal(batch.count, 1000);
      assert.equal(cards.length, 1000);
      assert.equal(new Set(cards.map((c) => c.pin)).size, 1000);
      assert.ok(cards.every((c) => /^\d{12}$/.test(c.pin)));
      const found = await Promise.all(cards.map((c) => t.store.accountByPin(c.pin)));
      assert.deepEqual(
        found.map((a) => a?.name),
        cards.map((c) => c.account),
      );
      assert.ok(found.every((a) => a!.balance === parseMoney('5') && a!.tariff === 'cards'));
      const some = found.slice(0, 100);
      const granted = await Promise.all(some.map((a) => call(a!.id, new Date())));
      assert.ok(granted.every((r) => r.ok));
      for (const a of some.slice(0, 5))
        assert.equal(
          await t.store.ledgerSum(a!.id),
          parseMoney('5'),
          'opening balance in the ledger',
        );
      assert.deepEqual((await t.store.batch('card', batch.id))!.states, { new: 900, active: 100 });
    });

    it('refuses a card from its batch expiry on (EXPIRED, FAILED CDR, nothing reserved)', async () => {
      const now = Date.now();
      const { cards } = await t.store.generateCards({
        count: 1,
        value: parseMoney('5'),
        tariff: 'cards',
        expires: new Date(now + DAY),
        operator: 'test',
      });
      const card = (await t.store.accountByPin(cards[0]!.pin))!;
      const late = await call(card.id, new Date(now + DAY + 1000));
      assert.deepEqual(late, { ok: false, reason: 'EXPIRED', available: parseMoney('5') });
      const cdrs = await t.store.cdrs({ account: card.name });
      assert.equal(cdrs.length, 1);
      assert.equal(cdrs[0]!.disposition, 'FAILED');
      assert.equal(cdrs[0]!.reason, 'EXPIRED');
      assert.equal((await t.store.reservations()).filter((r) => r.accountId === card.id).length, 0);
      await call(card.id, new Date(now + DAY + 2000));
      const told = await t.store.listEvents({ account: card.name, channel: 'webhook' });
      assert.deepEqual(
        told.map((e) => [e.kind, e.payload.expires]),
        [['card.expired', new Date(now + DAY).toISOString()]],
        'one card.expired event for the card, however often it is refused',
      );
      assert.equal(
        (await call(card.id, new Date(now + 1000))).ok,
        true,
        'before the date it works',
      );
    });

    it('never grants talk past a card’s expiry: not at authorise, not at an extension', async () => {
      const now = Date.now();
      const start = new Date(now);
      // Expires 150 s after the call starts; billing blocks are 60 s (rate: 60/60).
      const { cards } = await t.store.generateCards({
        count: 1,
        value: parseMoney('50'),
        tariff: 'cards',
        expires: new Date(now + 150_000),
        operator: 'test',
      });
      const card = (await t.store.accountByPin(cards[0]!.pin))!;
      const single = await call(card.id, start);
      assert.ok(single.ok);
      assert.equal(single.maxSeconds, 120, 'the last billing block that ends before the expiry');

      const uniqueid = uniqueName('call');
      const granted = await t.store.authorise({
        uniqueid,
        accountId: card.id,
        src: '',
        dst: '442071234567',
        rate,
        node: 'node1',
        defaultMaxSeconds: 3600,
        start,
        charging: { mode: 'grant', grantSeconds: 60 },
      });
      assert.ok(granted.ok);
      assert.equal(granted.maxSeconds, 60);
      await t.store.markAnswered(uniqueid, new Date(now + 5000));
      const extend = (fromSeconds: number) =>
        t.store.extend({
          uniqueid,
          fromSeconds,
          confirmedSeconds: fromSeconds - 10,
          at: new Date(now + 5000 + (fromSeconds - 10) * 1000),
          defaultMaxSeconds: 3600,
          defaultGrantSeconds: 60,
        });
      const second = await extend(60);
      // Answered 5 s in: 145 s of card left, so 120 s (a whole block), and that is the last.
      assert.deepEqual(second.ok && [second.maxSeconds, second.final, second.why], [
        120,
        true,
        'expiry',
      ]);
      const third = await extend(120);
      assert.deepEqual(
        third.ok && [third.maxSeconds, third.extended, third.final],
        [120, false, true],
        'nothing past the expiry, however much money is left',
      );

      const soon = await t.store.generateCards({
        count: 1,
        value: parseMoney('50'),
        tariff: 'cards',
        expires: new Date(now + 30_000),
        operator: 'test',
      });
      const late = (await t.store.accountByPin(soon.cards[0]!.pin))!;
      const short = await call(late.id, start);
      assert.equal(short.ok && short.maxSeconds, 30, 'less than a block left: until the expiry');
    });

    it('counts valid days from the first call, not from the batch', async () => {
      const now = Date.now();
      const { batch, cards } = await t.store.generateCards({
        count: 2,
        value: parseMoney('50'),
        tariff: 'cards',
        validDays: 7,
        operator: 'test',
      });
      const [used, unused] = await Promise.all(cards.map((c) => t.store.accountByPin(c.pin)));
      const firstCall = new Date(now + 30 * DAY);
      const reason = (r: Awaited<ReturnType<typeof call>>) => (r.ok ? 'ok' : r.reason);
      assert.equal(reason(await call(used!.id, firstCall)), 'ok', 'a card sold late still works');
      assert.equal(reason(await call(used!.id, new Date(firstCall.getTime() + 6 * DAY))), 'ok');
      const after = await call(used!.id, new Date(firstCall.getTime() + 7 * DAY + 1));
      assert.equal(after.ok ? 'ok' : after.reason, 'EXPIRED');
      assert.equal(
        (await call(unused!.id, new Date(now + 60 * DAY))).ok,
        true,
        'never used: not expired',
      );
      const states = (await t.store.batch('card', batch.id))!.states;
      assert.deepEqual(states, { active: 2 });
    });

    it('credits a code once when two daemons redeem it at the same moment', async () => {
      const other = await tdb.open({ poolMax: 8 });
      const { codes } = await t.store.generateVouchers({
        count: 20,
        value: parseMoney('2.5'),
        operator: 'test',
      });
      const a = await t.seedAccount({ balance: '1', tariff: 'cards' });
      const b = await t.seedAccount({ balance: '1', tariff: 'cards' });
      const results = await Promise.all(
        codes.flatMap((code) => [
          t.store.redeemVoucher(a.name, code, 'phone'),
          other.store.redeemVoucher(b.name, code, 'phone'),
          other.store.redeemVoucher(a.name, code, 'api'),
        ]),
      );
      const credited = results.filter((r) => r.ok && r.credited).length;
      assert.equal(credited, 20, 'each code once');
      for (let i = 0; i < 20; i++) {
        const three = results.slice(3 * i, 3 * i + 3);
        assert.equal(three.filter((r) => r.ok && r.credited).length, 1, `code ${i}`);
      }
      const total =
        (await t.store.accountDetails(a.name))!.balance +
        (await t.store.accountDetails(b.name))!.balance;
      assert.equal(total, parseMoney('2') + 20n * parseMoney('2.5'));
      for (const acct of [a, b]) {
        const now = (await t.store.accountDetails(acct.name))!;
        assert.equal(await t.store.ledgerSum(acct.id), now.balance, 'balance = ledger sum');
      }
      const events = [
        ...(await t.store.listEvents({ account: a.name })),
        ...(await t.store.listEvents({ account: b.name })),
      ].filter((e) => e.kind === 'voucher_redeemed');
      assert.equal(events.length, 20, 'one event per credit');
      const again = await other.store.redeemVoucher(b.name, codes[0]!, 'api');
      assert.ok(again.ok ? !again.credited : again.why === 'used');
      await other.close();
    });
  });
});
