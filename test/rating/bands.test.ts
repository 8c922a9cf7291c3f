import assert from 'node:assert/strict';
import { expect } from 'chai';
import {
  bandAt,
  bandedCallCost,
  bandedMaxAffordableSeconds,
  bandedPricing,
  bandShares,
  costOf,
  billedSeconds,
  callCost,
  firstBoundary,
  localTime,
  maxAffordableSeconds,
  nextGrantPriced,
  parseMoney,
  type Band,
  type BandedRate,
  type Money,
} from '../../daemon/src/rating/index.js';
import { prng } from '../support/prng.js';

const WEEKDAYS = [1, 2, 3, 4, 5];
const ALL = [1, 2, 3, 4, 5, 6, 7];
const at = (iso: string) => Date.parse(iso);

/** Peak Mon–Fri 08:00–18:00 Berlin at 0.12, off-peak (the base) 0.06, 1/1 billing. */
const BERLIN: BandedRate = {
  base: {
    ratePerMin: parseMoney('0.06'),
    connectFee: 0n,
    initialSecs: 1,
    incrementSecs: 1,
    minSecs: 0,
  },
  zone: 'Europe/Berlin',
  bands: [
    { name: 'peak', days: WEEKDAYS, from: 8 * 60, to: 18 * 60, ratePerMin: parseMoney('0.12') },
  ],
};

/** The price by its definition: every billing block at the band of its first second, summed, rounded up once. */
function reference(b: BandedRate, answerMs: number, billsec: number): Money {
  const billed = billedSeconds(b.base, billsec);
  if (billed === 0) return 0n;
  const b0 = firstBoundary(b.base);
  // Zone offsets and band edges are whole minutes, so one lookup per UTC minute gives every
  // second of it the same band as a lookup per second (which made this test take seconds).
  const perMinute = new Map<number, Band | undefined>();
  const bandOf = (ms: number): Band | undefined => {
    const minute = Math.floor(ms / 60_000);
    if (!perMinute.has(minute)) perMinute.set(minute, bandAt(b, ms));
    return perMinute.get(minute);
  };
  let sum = 0n;
  for (let s = 0; s < billed; s = s === 0 ? b0 : s + b.base.incrementSecs) {
    const len = s === 0 ? b0 : b.base.incrementSecs;
    sum += (bandOf(answerMs + s * 1000)?.ratePerMin ?? b.base.ratePerMin) * BigInt(len);
  }
  const fee = bandAt(b, answerMs)?.connectFee ?? b.base.connectFee;
  return fee + (sum + 59n) / 60n;
}

describe('rating: time bands', () => {
  it('reads the local weekday and time in the tariff’s zone, DST included', () => {
    expect(localTime('Europe/Berlin', at('2026-11-23T07:00:00Z'))).to.deep.equal({
      weekday: 1,
      minute: 8 * 60,
    });
    expect(localTime('Europe/Berlin', at('2026-07-06T06:00:00Z'))).to.deep.equal({
      weekday: 1,
      minute: 8 * 60,
    });
    expect(localTime('America/New_York', at('2026-11-23T04:30:00Z'))).to.deep.equal({
      weekday: 7,
      minute: 23 * 60 + 30,
    });
  });

  it('charges a call that starts off-peak and ends in peak per band for its seconds', () => {
    // Monday 07:59:00 Berlin (06:59Z): 60 s off-peak, then 60 s peak.
    const cost = bandedCallCost(BERLIN, at('2026-11-23T06:59:00Z'), 120);
    expect(cost).to.equal(parseMoney('0.06') + parseMoney('0.12'));
  });

  it('prices a block that straddles a boundary at the band it starts in', () => {
    const b: BandedRate = {
      ...BERLIN,
      base: { ...BERLIN.base, initialSecs: 60, incrementSecs: 60 },
    };
    // 07:59:30 → the first block (to 08:00:30) starts off-peak, the second (08:00:30) in peak.
    expect(bandedCallCost(b, at('2026-11-23T06:59:30Z'), 61)).to.equal(parseMoney('0.18'));
    // Friday 17:59:30 → the first block starts in peak, the second off-peak.
    expect(bandedCallCost(b, at('2026-11-27T16:59:30Z'), 61)).to.equal(parseMoney('0.18'));
    expect(bandedCallCost(b, at('2026-11-27T16:58:30Z'), 61)).to.equal(parseMoney('0.24'));
  });

  it('takes the connection fee of the band at the answer', () => {
    const b: BandedRate = {
      ...BERLIN,
      bands: [{ ...BERLIN.bands[0]!, connectFee: parseMoney('0.20') }],
    };
    expect(bandedCallCost(b, at('2026-11-23T07:00:00Z'), 60)).to.equal(parseMoney('0.32'));
    expect(bandedCallCost(b, at('2026-11-23T06:59:00Z'), 60)).to.equal(parseMoney('0.06'));
  });

  it('follows the wall clock over the spring DST change (the skipped hour never applies)', () => {
    // 2026-03-29 in Berlin: 02:00 CET becomes 03:00 CEST at 01:00Z. Night 00:00–03:00 at 0.01.
    const b: BandedRate = {
      ...BERLIN,
      bands: [{ name: 'night', days: ALL, from: 0, to: 3 * 60, ratePerMin: parseMoney('0.01') }],
    };
    // 01:59 CET: 60 s of night, then it is 03:00 CEST: 60 s at the base 0.06.
    expect(bandedCallCost(b, at('2026-03-29T00:59:00Z'), 120)).to.equal(parseMoney('0.07'));
    expect(bandedCallCost(b, at('2026-03-29T00:59:00Z'), 120)).to.equal(
      reference(b, at('2026-03-29T00:59:00Z'), 120),
    );
  });

  it('follows the wall clock over the autumn DST change (the repeated hour applies twice)', () => {
    // 2026-10-25 in Berlin: 03:00 CEST becomes 02:00 CET at 01:00Z; night lasts until 02:00Z.
    const b: BandedRate = {
      ...BERLIN,
      bands: [{ name: 'night', days: ALL, from: 0, to: 3 * 60, ratePerMin: parseMoney('0.01') }],
    };
    expect(bandedCallCost(b, at('2026-10-25T00:59:00Z'), 3660)).to.equal(parseMoney('0.61'));
    expect(bandedCallCost(b, at('2026-10-25T01:59:00Z'), 120)).to.equal(parseMoney('0.07'));
  });

  it('costs exactly callCost with no bands, and the longest call is the same', () => {
    const r = { ...BERLIN.base, initialSecs: 60, incrementSecs: 6, connectFee: parseMoney('0.1') };
    const b: BandedRate = { base: r, zone: 'UTC', bands: [] };
    for (const s of [0, 1, 59, 60, 61, 95, 3601])
      expect(bandedCallCost(b, 0, s), `${s}`).to.equal(callCost(r, s));
    for (const money of ['0.09', '0.16', '1', '3.33'])
      expect(bandedMaxAffordableSeconds(b, 0, parseMoney(money), 3600)).to.equal(
        maxAffordableSeconds(r, parseMoney(money), 3600),
      );
  });

  it('splits a call from off-peak into peak by band, the straddling block at its first second', () => {
    // Monday 07:59:30 Berlin, 60/30 billing: blocks at 0 (60 s, off-peak), 60, 90 (peak).
    const r = { ...BERLIN.base, initialSecs: 60, incrementSecs: 30, connectFee: parseMoney('0.1') };
    const b: BandedRate = { ...BERLIN, base: r };
    const answer = at('2026-11-23T06:59:30Z');
    expect(bandShares(b, answer, 100)).to.deep.equal([
      { band: 'base', seconds: 60, cost: parseMoney('0.16') },
      { band: 'peak', seconds: 60, cost: parseMoney('0.12') },
    ]);
    // Through the one pricing door, with the bands on the rate.
    const rate = { ...r, banding: { zone: b.zone, bands: b.bands } };
    expect(costOf(rate, answer, 100)).to.equal(parseMoney('0.28'));
    expect(costOf({ ...r, banding: null }, answer, 100)).to.equal(callCost(r, 100));
  });

  describe('property tests (seeded)', () => {
    const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'UTC'];
    // Starts near DST changes and band edges as well as anywhere in 2026.
    const ANCHORS = [
      at('2026-03-29T00:30:00Z'),
      at('2026-10-25T00:30:00Z'),
      at('2026-03-08T06:30:00Z'),
      at('2026-11-01T05:30:00Z'),
      at('2026-11-23T06:45:00Z'),
      at('2026-11-27T16:45:00Z'),
    ];
    function randomCase(rand: () => number) {
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
      const int = (n: number) => Math.floor(rand() * n);
      const bands: Band[] = Array.from({ length: int(4) }, () => {
        const from = int(1440);
        const to = from + 1 + int(1440 - from);
        const days = ALL.filter(() => rand() < 0.6);
        return {
          name: `b${int(100)}`,
          days: days.length ? days : [1 + int(7)],
          from,
          to,
          ratePerMin: BigInt(int(30_000)),
          ...(rand() < 0.3 ? { connectFee: BigInt(int(20_000)) } : {}),
        };
      });
      const b: BandedRate = {
        base: {
          ratePerMin: BigInt(int(30_000)),
          connectFee: BigInt(int(10_000)),
          initialSecs: pick([1, 6, 30, 60, 60]),
          incrementSecs: pick([1, 6, 30, 60]),
          minSecs: pick([0, 0, 0, 45, 90]),
        },
        zone: pick(ZONES),
        bands,
      };
      const answerMs =
        rand() < 0.6
          ? pick(ANCHORS) + int(3 * 3600_000)
          : at('2026-01-01T00:00:00Z') + int(365 * 86_400_000);
      return { b, answerMs, int };
    }

    it('prices every call as its definition does, across several boundaries and DST changes', () => {
      const rand = prng(18_001);
      for (let i = 0; i < 200; i++) {
        const { b, answerMs, int } = randomCase(rand);
        const billsec = int(4 * 3600);
        expect(bandedCallCost(b, answerMs, billsec), `case ${i}`).to.equal(
          reference(b, answerMs, billsec),
        );
        // The CDR's split explains the whole charge: shares add up to the cost and the billed time.
        const shares = bandShares(b, answerMs, billsec);
        expect(
          shares.reduce((s, x) => s + x.cost, 0n),
          `case ${i}`,
        ).to.equal(bandedCallCost(b, answerMs, billsec));
        expect(shares.reduce((s, x) => s + x.seconds, 0)).to.equal(billedSeconds(b.base, billsec));
      }
    });

    it('the longest affordable call costs no more than the money, and one more block would cost more', () => {
      const rand = prng(18_002);
      for (let i = 0; i < 400; i++) {
        const { b, answerMs, int } = randomCase(rand);
        const available = BigInt(int(2_000_000));
        const cap = 1 + int(4 * 3600);
        const t = bandedMaxAffordableSeconds(b, answerMs, available, cap);
        const what = `case ${i}: ${JSON.stringify({ zone: b.zone, answerMs, available: `${available}`, cap, t })}`;
        expect(t, what).to.be.at.most(Math.max(cap, 0));
        if (t === 0) {
          expect(bandedCallCost(b, answerMs, firstBoundary(b.base)) > available, what).to.equal(
            true,
          );
          continue;
        }
        expect(bandedCallCost(b, answerMs, t) <= available, what).to.equal(true);
        const b0 = firstBoundary(b.base);
        const next = t < b0 ? b0 : t + b.base.incrementSecs;
        if (next <= cap) expect(bandedCallCost(b, answerMs, next) > available, what).to.equal(true);
      }
    });

    it('grant-mode slices reach exactly the longest affordable call, each within the money', () => {
      const rand = prng(18_003);
      for (let i = 0; i < 150; i++) {
        const { b, answerMs, int } = randomCase(rand);
        const budget = BigInt(int(1_000_000));
        const cap = 60 + int(2 * 3600);
        const grantSeconds = 1 + int(600);
        const p = bandedPricing(b, answerMs);
        let granted = 0;
        let held = 0n;
        for (let step = 0; step < 10_000; step++) {
          const g = nextGrantPriced(b.base, p, {
            granted,
            held,
            available: budget - held,
            grantSeconds,
            capSeconds: cap,
          });
          // node:assert in this loop: chai's expect chain per step made it take a second.
          assert.ok(p.cost(g.total) <= budget, `case ${i} step ${step}`);
          assert.equal(held + g.more, g.total === 0 ? 0n : p.cost(g.total));
          held += g.more;
          if (g.final || g.total === granted) {
            granted = g.total;
            break;
          }
          granted = g.total;
        }
        expect(granted, `case ${i}`).to.equal(bandedMaxAffordableSeconds(b, answerMs, budget, cap));
      }
    });
  });
});
