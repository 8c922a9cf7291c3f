/**
 * The pure part of routing: number rewriting, ranking, the margin guard, the failover table;
 * and the property that buy and sell sides are rated exactly alike (seeded generator).
 */
import assert from 'node:assert/strict';
import {
  callCost,
  chooseRoutes,
  compareAsr,
  dialTemplateProblem,
  hasCostTie,
  parsePlanTrunks,
  profitable,
  rankCandidates,
  rewriteNumber,
  trunkEndpoint,
  type Candidate,
  type Rate,
  type Trunk,
} from '../../daemon/src/rating/index.js';
import { shouldFailOver } from '../../daemon/src/session/failover.js';
import { prng } from '../support/prng.js';

const trunk = (name: string, over: Partial<Trunk> = {}): Trunk => ({
  id: name.length,
  name,
  dial: `PJSIP/{number}@${name}`,
  stripDigits: 0,
  techPrefix: '',
  maxChannels: null,
  enabled: true,
  ...over,
});

const rate = (ratePerMin: bigint, over: Partial<Rate> = {}): Rate => ({
  tariff: 't',
  prefix: '44',
  description: '',
  ratePerMin,
  connectFee: 0n,
  initialSecs: 1,
  incrementSecs: 1,
  minSecs: 0,
  ...over,
});

/** Billed seconds and cost computed another way: blocks counted one by one, exact rationals. */
function slowCost(r: Rate, billsec: number): bigint {
  if (billsec === 0) return 0n;
  let billed = r.initialSecs;
  const wanted = Math.max(billsec, r.minSecs);
  while (billed < wanted) billed += r.incrementSecs;
  const num = r.ratePerMin * BigInt(billed);
  const price = num % 60n === 0n ? num / 60n : num / 60n + 1n;
  return r.connectFee + price;
}

describe('routing rules (pure)', () => {
  it('rewrites the number: strip leading digits, then the tech prefix', () => {
    const t = trunk('b', { stripDigits: 2, techPrefix: '0044' });
    assert.equal(rewriteNumber(t, '447700900123'), '00447700900123');
    assert.equal(trunkEndpoint(t, '447700900123'), 'PJSIP/00447700900123@b');
    assert.equal(rewriteNumber(trunk('c', { stripDigits: 30 }), '44'), '');
  });

  it('refuses a dial template without {number}', () => {
    assert.match(dialTemplateProblem('PJSIP/447700@x')!, /has no \{number\}/);
    assert.equal(dialTemplateProblem('PJSIP/{number}@x'), undefined);
    assert.throws(() => parsePlanTrunks('a,a'), /appears twice/);
    assert.throws(() => parsePlanTrunks('a:0'), /at least 1/);
  });

  it('orders least-cost by the cost of a minute (connection fee and blocks included), ties by name', () => {
    const c: Candidate[] = [
      { trunk: trunk('x'), buy: rate(1000n, { connectFee: 5000n }) },
      { trunk: trunk('y'), buy: rate(2000n) },
      { trunk: trunk('a'), buy: rate(2000n) },
    ];
    const order = rankCandidates(c, { mode: 'lcr', trunks: [] }).map((r) => r.trunk.name);
    assert.deepEqual(order, ['a', 'y', 'x']);
    const prio = rankCandidates(c, {
      mode: 'priority',
      trunks: [
        { name: 'x', weight: 1 },
        { name: 'y', weight: 1 },
      ],
    });
    assert.deepEqual(
      prio.map((r) => r.trunk.name),
      ['x', 'y'],
      'a plan that names trunks keeps only those',
    );
  });

  it('breaks least-cost ties by recent ASR, best first; a trunk without a record counts as 100 %', () => {
    const c: Candidate[] = [
      { trunk: trunk('a'), buy: rate(2000n) },
      { trunk: trunk('b'), buy: rate(2000n) },
      { trunk: trunk('c'), buy: rate(2000n) },
      { trunk: trunk('cheap'), buy: rate(1000n) },
      { trunk: trunk('dear'), buy: rate(3000n) },
    ];
    const lcr = { mode: 'lcr' as const, trunks: [] };
    const byTrunk = new Map([
      ['a', { attempts: 10, answered: 2 }], // 20 %
      ['b', { attempts: 4, answered: 3 }], // 75 %
      ['cheap', { attempts: 10, answered: 0 }], // cheapest: cost comes first, whatever its ASR
      ['dear', { attempts: 10, answered: 10 }],
    ]);
    const order = (minAttempts: number) =>
      rankCandidates(c, lcr, { asr: { byTrunk, minAttempts } }).map((r) => r.trunk.name);
    assert.deepEqual(order(1), ['cheap', 'c', 'b', 'a', 'dear'], 'c has no record: 100 %');
    assert.deepEqual(order(5), ['cheap', 'b', 'c', 'a', 'dear'], "b's 4 attempts are no record");
    assert.deepEqual(
      rankCandidates(c, lcr).map((r) => r.trunk.name),
      ['cheap', 'a', 'b', 'c', 'dear'],
      'without ASR: ties by name',
    );
    // Exact: 1/3 and 2/6 are equal (no float rounding), so the name decides.
    const third = new Map([
      ['a', { attempts: 6, answered: 2 }],
      ['b', { attempts: 3, answered: 1 }],
    ]);
    assert.equal(compareAsr('a', 'b', { byTrunk: third, minAttempts: 1 }), 0);
    assert.equal(hasCostTie(c), true);
    assert.equal(hasCostTie(c.slice(2)), false);
  });

  it('shares weighted plans by weight', () => {
    const c: Candidate[] = ['a', 'b'].map((n) => ({ trunk: trunk(n), buy: rate(1000n) }));
    const plan = {
      mode: 'weighted' as const,
      trunks: [
        { name: 'a', weight: 3 },
        { name: 'b', weight: 1 },
      ],
    };
    const random = prng(7);
    let first = 0;
    for (let i = 0; i < 4000; i++)
      if (rankCandidates(c, plan, { random })[0]!.trunk.name === 'a') first++;
    assert.ok(first > 2800 && first < 3200, `a first ${first} times of 4000 (expected ~3000)`);
  });

  it('skips a trunk that earns less than the minimum margin per minute', () => {
    const sell = rate(5000n);
    assert.equal(profitable(sell, rate(4000n), 1000n), true);
    assert.equal(profitable(sell, rate(4001n), 1000n), false);
    // Per-minute blocks on the buy side lose on short calls sold per second.
    assert.equal(profitable(sell, rate(1000n, { initialSecs: 60, incrementSecs: 60 }), 0n), false);
    const ranked = chooseRoutes(
      [
        { trunk: trunk('ok'), buy: rate(3000n) },
        { trunk: trunk('loss'), buy: rate(6000n) },
      ],
      { mode: 'lcr', trunks: [] },
      sell,
      0n,
    );
    assert.deepEqual(
      ranked.map((r) => [r.trunk.name, r.profitable, r.minuteMargin]),
      [
        ['ok', true, 2000n],
        ['loss', false, -1000n],
      ],
    );
  });

  it('fails over on congestion, unallocated and 5xx; never on busy, no answer or rejected', () => {
    const f = (cause: number | null, techCause: number | null = null) =>
      shouldFailOver({ kind: 'failed', failure: 'CONGESTION', cause, techCause, at: new Date(0) });
    for (const c of [1, 34, 38, 41, 42, 47]) assert.equal(f(c), true, `cause ${c}`);
    for (const c of [17, 18, 19, 21]) assert.equal(f(c, 503), false, `cause ${c} ends the call`);
    assert.equal(f(127, 503), true, 'a 503 from the carrier');
    assert.equal(f(127, 404), true);
    assert.equal(f(16, 200), false);
    assert.equal(
      shouldFailOver({ kind: 'failed', failure: 'CHANUNAVAIL', cause: null, at: new Date(0) }),
      true,
      'the originate request failed',
    );
  });

  it('rates buy and sell sides exactly alike (property, seeded)', () => {
    const random = prng(15);
    const int = (max: number) => Math.floor(random() * max);
    const anyRate = (): Rate =>
      rate(BigInt(int(10_000_000)), {
        connectFee: BigInt(int(100_000)),
        initialSecs: 1 + int(120),
        incrementSecs: 1 + int(60),
        minSecs: int(90),
      });
    for (let i = 0; i < 5000; i++) {
      const sell = anyRate();
      const buy = anyRate();
      const billsec = int(4000);
      const s = callCost(sell, billsec);
      const b = callCost(buy, billsec);
      assert.equal(s, slowCost(sell, billsec));
      assert.equal(b, slowCost(buy, billsec));
      assert.equal(typeof s, 'bigint');
      const margin = BigInt(int(10_000));
      const expected = [1, 60, 600].every(
        (sec) => (slowCost(sell, sec) - slowCost(buy, sec)) * 60n >= margin * BigInt(sec),
      );
      assert.equal(profitable(sell, buy, margin), expected);
    }
  });
});
