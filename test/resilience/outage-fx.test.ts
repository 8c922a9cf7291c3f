/**
 * During a database outage (policy 'allow-capped'), a call whose tariff is in another currency
 * than its account is refused: the exchange rate in force cannot be read from memory. A call in
 * the account's currency still gets its capped grant.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { NO_CAPS_SNAPSHOT, parseMoney, type Rate } from '../../daemon/src/rating/index.js';
import { Journal } from '../../daemon/src/resilience/journal.js';
import { OutagePolicy } from '../../daemon/src/resilience/outage-policy.js';
import type { Account } from '../../daemon/src/session/ports.js';
import { authoriseReq, journalDir } from './support.js';

const rate: Rate = {
  tariff: 'default',
  prefix: '44',
  description: '',
  ratePerMin: parseMoney('0.06'),
  connectFee: 0n,
  initialSecs: 1,
  incrementSecs: 1,
  minSecs: 0,
};

const eur: Account = {
  id: 7,
  name: 'erin',
  status: 'active',
  balance: parseMoney('10'),
  creditLimit: 0n,
  reserved: 0n,
  currency: 'EUR',
  tariff: 'default',
  maxCalls: null,
  maxCallSeconds: null,
  hasPin: false,
};

const seen = { ok: true, maxSeconds: 60, maxCost: 0n, available: 0n } as const;

describe('outage grants and currencies', () => {
  let dir: string;
  let journal: Journal;
  beforeEach(async () => {
    dir = journalDir();
    journal = await Journal.open(dir);
  });
  afterEach(async () => {
    await journal.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a call that would need converting, grants one in the account currency', async () => {
    const policy = new OutagePolicy({ journal, failureSeconds: 60, knownAccount: () => eur });
    // An authorise the database answered before: the account has no caps.
    policy.noteAuthorised(eur.id, { ...seen, caps: NO_CAPS_SNAPSHOT });
    const usd = await policy.allowCapped(
      authoriseReq('fx-1', eur.id, { ...rate, currency: 'USD' }),
    );
    assert.deepEqual(usd, { ok: false, reason: 'DBERROR', available: 0n });
    assert.equal(policy.calls.size, 0);
    const same = await policy.allowCapped(
      authoriseReq('fx-2', eur.id, { ...rate, currency: 'EUR' }),
    );
    assert.deepEqual(same.ok && [same.maxSeconds, same.maxCost], [60, parseMoney('0.06')]);
    const plain = await policy.allowCapped(authoriseReq('fx-3', eur.id, rate));
    assert.equal(plain.ok, true);
    assert.deepEqual([...policy.calls.keys()], ['fx-2', 'fx-3']);
  });
});
