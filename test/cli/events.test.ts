import assert from 'node:assert/strict';
import { parseMoney } from '../../daemon/src/rating/index.js';
import { forEachDatabase, type TestStore } from '../support/db.js';
import { astbill, parsed, refused } from './run-cli.js';

describe('astbill events', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let t: TestStore;
    const cli = (...args: string[]) => astbill(tdb.url, args);
    before(async () => {
      t = await tdb.open();
      await t.seedRate({ tariff: 'default', prefix: '44' });
    });

    it('lists the event a large top-up wrote and queues it again on resend', async () => {
      const a = await t.seedAccount({ balance: '1' });
      await t.store.setCaps(a.name, { largeTopup: parseMoney('20') });
      await t.store.topup(a.name, parseMoney('25'), { reference: 'cli-big' });
      const events = parsed<
        Array<{ id: number; kind: string; state: string; payload: { amount: string } }>
      >(await cli('events', 'list', '--account', a.name, '--channel', 'webhook', '--json'));
      assert.deepEqual(
        events.map((e) => [e.kind, e.state, e.payload.amount]),
        [['large_topup', 'pending', '25.00']],
      );
      await t.knex('astoutbox').where({ id: events[0]!.id }).update({ state: 'dead', attempts: 8 });
      const r = await cli('events', 'resend', String(events[0]!.id));
      assert.equal(r.code, 0, r.stderr);
      const [again] = await t.store.listEvents({ account: a.name, channel: 'webhook' });
      assert.deepEqual([again?.state, again?.attempts], ['pending', 0]);
    });

    it('queues a mail row only when a mail transport is configured', async () => {
      const smtp = {
        ASTBILL_SMTP_HOST: '127.0.0.1',
        ASTBILL_MAIL_FROM: 'billing@example.com',
        ASTBILL_MAIL_TO: 'ops@example.com',
      };
      const channels = async (env: Record<string, string>) => {
        const a = await t.seedAccount({ balance: '1' });
        await t.store.setCaps(a.name, { largeTopup: parseMoney('20') });
        const r = await astbill(tdb.url, ['account', 'topup', a.name, '25'], env);
        assert.equal(r.code, 0, r.stderr);
        return (await t.store.listEvents({ account: a.name })).map((e) => e.channel).sort();
      };
      assert.deepEqual(await channels({}), ['webhook'], 'no SMTP: no mail that nothing sends');
      assert.deepEqual(await channels(smtp), ['mail', 'webhook']);
    });

    it('refuses an unknown event and a bad state', async () => {
      refused(await cli('events', 'resend', '999999'), /no event 999999/);
      refused(await cli('events', 'list', '--state', 'lost'), /--state must be one of/);
    });
  });
});
