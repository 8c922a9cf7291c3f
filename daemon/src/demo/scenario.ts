/**
 * What `astbill demo` does: one sample tariff, four prepaid accounts identified in the three
 * ways astbill knows (accountcode, caller ID, calling-card PIN), far ends scripted by number
 * prefix, and the calls placed on the simulator's real clock with the outcome each must have.
 *
 * Two carrier trunks carry the calls, least cost first: carrier-a (cheapest, sends the number as
 * dialled) and carrier-b (sends it in 00 international format, so its far ends are the rules for
 * 00…). carrier-a is congested for Italy (SIP 503, cause 34): that call fails over to carrier-b
 * and is bought at carrier-b's rate. A destination whose only carrier costs more than it sells for
 * is refused as LOSS.
 *
 * The tariff's billing blocks are chosen so that a second of scheduling jitter on the real clock
 * never changes a cost (a 2-4 s call is one 6 s or 30 s block), and the call cut for lack of
 * credit is billed at exactly its grant: the demo's final balances are the same on every run.
 */
import type { Disposition, RefusalReason } from '../session/ports.js';
import type { FarEndRule, PlaceCallOptions } from '../sim/index.js';
import {
  BANDED_RATES,
  DEMO_ACCOUNTS,
  DEMO_RATES,
  DEMO_TRUNKS,
  PEAK_RATES,
  type DemoAccount,
  type DemoRate,
  type DemoTrunk,
} from './catalogue.js';

export {
  BANDED_TARIFF,
  DEMO_TARIFF,
  PEAK_TARIFF,
  type DemoAccount,
  type DemoRate,
  type DemoTrunk,
} from './catalogue.js';

/**
 * When a call is placed: `at` ms after the first call, `delayMs` after another call has ended
 * and settled, or the first time the simulated Asterisk's clock shows `second` ms into a minute
 * (the band-split call: its answer then falls just before the minute its peak band starts).
 */
export type DemoStart =
  { at: number } | { after: string; delayMs: number } | { secondOfMinute: number };

export interface ExpectedOutcome {
  disposition: Disposition;
  reason?: RefusalReason;
  /** True when TIMEOUT(absolute) must cut the call at its grant (billsec = granted seconds). */
  cutAtLimit?: boolean;
  /** The trunk attempts in order as `trunk OUTCOME` (absent: not checked). */
  attempts?: string[];
  /** True when the call must be charged in more than one time band (CDR band_split). */
  bandSplit?: boolean;
}

export interface DemoCall {
  /** Short id used in the tables and in --json. */
  id: string;
  /** What the call shows. */
  title: string;
  /** The account that must pay for it. */
  account: string;
  start: DemoStart;
  /** The phone: what the dialplan hands to Stasis(astbill). */
  phone: Pick<PlaceCallOptions, 'exten' | 'callerId' | 'accountcode' | 'peer'>;
  /** Digits keyed once the daemon answers the call (calling-card flow). */
  dtmf?: { digits: string; delayMs: number; gapMs: number };
  expect: ExpectedOutcome;
}

export interface DemoScenario {
  fast: boolean;
  rates: DemoRate[];
  trunks: DemoTrunk[];
  /** BANDED_TARIFF's rates (off-peak) and PEAK_TARIFF's (its peak band, set by the runner). */
  bandedRates: DemoRate[];
  peakRates: DemoRate[];
  accounts: DemoAccount[];
  farEnds: FarEndRule[];
  calls: DemoCall[];
  /** Daemon settings (the same names as `astbill start` reads from the environment). */
  daemonEnv: Record<string, string>;
}

/**
 * The scripted demo. `fast` shortens rings, talk times and DTMF gaps (for CI); the calls, their
 * outcomes and every amount are the same in both modes.
 */
export function demoScenario(opts: { fast?: boolean } = {}): DemoScenario {
  const fast = opts.fast ?? false;
  const ms = (normal: number, quick: number): number => (fast ? quick : normal);
  const ring = ms(1500, 600);
  const ringTimeout = ms(5, 2);

  const answerAfter = ms(1000, 400);

  const farEnds: FarEndRule[] = [
    // The band-split call talks 4 s: about 2 s off-peak, 2 s in peak.
    { prefix: '44116', action: 'answer', answerAfterMs: answerAfter, hangupAfterMs: 4000 },
    { prefix: '442', action: 'answer', answerAfterMs: ring, hangupAfterMs: ms(4000, 2000) },
    { prefix: '447', action: 'busy', ringMs: ring },
    { prefix: '1', action: 'noanswer' },
    {
      prefix: '4930',
      action: 'answer',
      answerAfterMs: ms(1000, 400),
      hangupAfterMs: ms(4000, 2000),
    },
    {
      prefix: '4989',
      action: 'answer',
      answerAfterMs: ms(1000, 400),
      hangupAfterMs: ms(3000, 2000),
    },
    {
      prefix: '4940',
      action: 'answer',
      answerAfterMs: ms(1000, 400),
      hangupAfterMs: ms(3000, 2000),
    },
    // The satellite phone never hangs up: only the credit limit ends the call.
    { prefix: '8816', action: 'answer', answerAfterMs: ms(1000, 400), hangupAfterMs: null },
    // carrier-a has no circuit to Italy: SIP 503, cause 34 (congestion).
    { prefix: '39', action: 'congestion', ringMs: ms(500, 200) },
    // Whatever reaches carrier-b (00 + number) answers.
    { prefix: '00', action: 'answer', answerAfterMs: ms(1000, 400), hangupAfterMs: ms(3000, 2000) },
  ];

  const alicePhone = { accountcode: 'alice', peer: 'alice', callerId: 'Alice <1001>' };
  const bobPhone = { peer: 'bob-desk', callerId: 'Bob <15551230001>' };
  const carolPhone = { accountcode: 'carol', peer: 'carol', callerId: 'Carol <1003>' };
  const davePhone = { accountcode: 'dave', peer: 'dave', callerId: 'Dave <1004>' };

  const calls: DemoCall[] = [
    {
      id: 'answered',
      title: 'alice calls London; the far end hangs up after a short talk',
      account: 'alice',
      start: { at: 0 },
      phone: { ...alicePhone, exten: '442079460000' },
      expect: { disposition: 'ANSWERED', attempts: ['carrier-a ANSWERED'] },
    },
    {
      id: 'busy',
      title: 'bob (known by caller ID) calls a UK mobile that is busy',
      account: 'bob',
      start: { at: ms(300, 100) },
      phone: { ...bobPhone, exten: '447700900123' },
      // Busy ends the call: carrier-b, next in line for 447, never rings the callee again.
      expect: { disposition: 'BUSY', attempts: ['carrier-a BUSY'] },
    },
    {
      id: 'no-answer',
      title: `alice calls New York; nobody answers within the ${ringTimeout} s ring timeout`,
      account: 'alice',
      start: { at: ms(600, 200) },
      phone: { ...alicePhone, exten: '12125550100' },
      expect: { disposition: 'NO ANSWER' },
    },
    {
      id: 'card',
      title: 'calling card: wrong PIN, right PIN, then a Hamburg number',
      account: 'card-1001',
      start: { at: ms(900, 300) },
      phone: { peer: 'payphone', callerId: '5550100', exten: '8000' },
      dtmf: { digits: '1111#246800#494012345#', delayMs: ms(1200, 500), gapMs: ms(300, 120) },
      expect: { disposition: 'ANSWERED' },
    },
    {
      id: 'concurrent-1',
      title: 'bob calls Berlin ...',
      account: 'bob',
      start: { at: ms(1200, 400) },
      phone: { ...bobPhone, exten: '493012345678' },
      expect: { disposition: 'ANSWERED' },
    },
    {
      id: 'concurrent-2',
      title: '... and, at the same time on the same account, Munich',
      account: 'bob',
      start: { at: ms(1700, 600) },
      phone: { ...bobPhone, exten: '498912345678' },
      expect: { disposition: 'ANSWERED' },
    },
    {
      id: 'cut',
      title: 'carol calls a satellite phone at 3.00/min with 0.15: cut after 3 s',
      account: 'carol',
      start: { at: ms(2000, 700) },
      phone: { ...carolPhone, exten: '881612345678' },
      expect: { disposition: 'ANSWERED', cutAtLimit: true },
    },
    {
      id: 'no-credit',
      title: 'carol tries again with nothing left: refused',
      account: 'carol',
      start: { after: 'cut', delayMs: ms(500, 200) },
      phone: { ...carolPhone, exten: '881612345678' },
      expect: { disposition: 'FAILED', reason: 'NOCREDIT' },
    },
    {
      id: 'no-route',
      title: 'alice dials Paris: no rate for 33 in her tariff, refused',
      account: 'alice',
      start: { at: ms(2500, 800) },
      phone: { ...alicePhone, exten: '33142685300' },
      expect: { disposition: 'FAILED', reason: 'NOROUTE' },
    },
    {
      id: 'failover',
      title: 'bob calls Rome: carrier-a is congested (503), carrier-b carries it',
      account: 'bob',
      start: { at: ms(2800, 900) },
      phone: { ...bobPhone, exten: '390612345678' },
      expect: {
        disposition: 'ANSWERED',
        attempts: ['carrier-a CONGESTION', 'carrier-b ANSWERED'],
      },
    },
    {
      id: 'loss',
      title: 'alice dials an international network sold below its cost: refused',
      account: 'alice',
      start: { at: ms(3100, 1000) },
      phone: { ...alicePhone, exten: '88234123456' },
      expect: { disposition: 'FAILED', reason: 'LOSS', attempts: [] },
    },
    {
      id: 'band-split',
      title: 'dave calls Leicester 2 s before his peak band starts: charged per band',
      account: 'dave',
      start: { secondOfMinute: 58_000 - answerAfter },
      phone: { ...davePhone, exten: '441162496000' },
      expect: { disposition: 'ANSWERED', bandSplit: true },
    },
  ];

  return {
    fast,
    rates: DEMO_RATES,
    trunks: DEMO_TRUNKS,
    bandedRates: BANDED_RATES,
    peakRates: PEAK_RATES,
    accounts: DEMO_ACCOUNTS,
    farEnds,
    calls,
    daemonEnv: {
      ARI_APP: 'astbill',
      ASTBILL_DIAL: 'PJSIP/{number}@trunk',
      ASTBILL_NODE: 'demo',
      ASTBILL_RING_TIMEOUT: String(ringTimeout),
      ASTBILL_MAX_CALL_SECONDS: '600',
      ASTBILL_ANNOUNCE: 'false',
      ASTBILL_WARN_BEFORE: '0',
      ASTBILL_DIGIT_TIMEOUT: '3',
    },
  };
}
