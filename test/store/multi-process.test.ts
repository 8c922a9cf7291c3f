import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { money } from '../support/db.js';
import { forEachDatabase, type TestStore } from '../support/db.js';

const run = promisify(execFile);
const worker = fileURLToPath(new URL('./fixtures/storm-worker.ts', import.meta.url));
const DAEMONS = 4;
const EACH = 50;

describe('several daemons (processes) on one database', function () {
  this.timeout(60_000);

  forEachDatabase((tdb) => {
    let t: TestStore;
    before(async () => {
      t = await tdb.open();
      await t.seedRate({
        tariff: 'multi',
        prefix: '1',
        rate: '0.90',
        connect: '0.10',
        initial: 60,
        increment: 60,
      });
    });

    it(`lets ${DAEMONS} daemons × ${EACH} simultaneous calls reserve exactly what one account has`, async () => {
      const a = await t.seedAccount({ tariff: 'multi', balance: '61.5', maxSeconds: 60 });
      const outputs = await Promise.all(
        Array.from({ length: DAEMONS }, (_, i) =>
          run(
            process.execPath,
            [
              '--import',
              'tsx',
              worker,
              String(a.id),
              'multi',
              '15550000',
              String(EACH),
              `d${i}-${a.name}`,
            ],
            {
              env: { ...process.env, ASTBILL_DB: tdb.url },
            },
          ),
        ),
      );
      const reports = outputs.map(
        (o) => JSON.parse(o.stdout) as { granted: number; reserved: string; retries: number },
      );
      assert.equal(
        reports.reduce((s, r) => s + r.granted, 0),
        61,
      );
      const acct = await t.store.accountByName(a.name);
      assert.equal(acct?.reserved, money('61'));
      assert.equal(
        reports.reduce((s, r) => s + BigInt(r.reserved), 0n),
        money('61'),
      );
      const live = (await t.store.reservations()).filter((r) => r.accountId === a.id);
      assert.equal(live.length, 61);
      assert.equal(
        new Set(live.map((r) => r.node)).size > 1,
        true,
        'more than one daemon got grants',
      );
    });
  });
});
