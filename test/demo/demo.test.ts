/**
 * `astbill demo` run to completion as a child process (`node bin/astbill.js demo --fast`), as a
 * user on a fresh clone would, once with --json (final balances, CDR dispositions, the verdict)
 * and once for people (the live timeline and the final tables). Both runs go in parallel, each
 * in its own working directory (the demo writes ./data/demo.sqlite there).
 * Plus the verdict's own checks on made-up mis-billed results (a demo that bills right cannot show them).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoScenario } from '../../daemon/src/demo/scenario.js';
import { verify, type AccountResult, type CallResult } from '../../daemon/src/demo/verify.js';
import { parseMoney } from '../../daemon/src/rating/index.js';
import type { CallAttempt, Cdr } from '../../daemon/src/store/index.js';

const bin = fileURLToPath(new URL('../../bin/astbill.js', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  cwd: string;
}

function demo(args: string[]): Promise<Run> {
  const cwd = mkdtempSync(join(tmpdir(), 'astbill-demo-'));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, 'demo', ...args],
      { cwd, env: { ...process.env }, timeout: 60_000, maxBuffer: 10 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr, cwd });
      },
    );
  });
}

interface DemoJson {
  ok: boolean;
  verdict: string;
  problems: string[];
  reservationsLeft: number;
  database: string;
  calls: Array<{
    id: string;
    cdrCount: number;
    account: string | null;
    dst: string;
    disposition: string | null;
    reason: string | null;
    status: string | null;
    billsec: number | null;
    maxSeconds: number | null;
    cost: string | null;
    trunk: string | null;
    buyCost: string | null;
    margin: string | null;
    attempts: Array<{
      trunk: string;
      outcome: string | null;
      cause: number | null;
      sip: number | null;
    }>;
    ended: string;
    answer: string | null;
    end: string | null;
    bandSplit: Array<{ band: string; seconds: number; cost: string }> | null;
  }>;
  balances: Array<{
    account: string;
    start: string;
    charged: string;
    end: string;
    reserved: string;
  }>;
}

describe('astbill demo', function () {
  this.timeout(60_000);
  let jsonRun: Run;
  let humanRun: Run;
  let result: DemoJson;

  before(async () => {
    [jsonRun, humanRun] = await Promise.all([demo(['--fast', '--json']), demo(['--fast'])]);
    assert.equal(
      jsonRun.code,
      0,
      `demo --json exited ${jsonRun.code}\n${jsonRun.stderr}\n${jsonRun.stdout}`,
    );
    result = JSON.parse(jsonRun.stdout) as DemoJson;
  });
  after(() => {
    for (const r of [jsonRun, humanRun]) if (r) rmSync(r.cwd, { recursive: true, force: true });
  });

  it('bills every scripted call exactly once and leaves no reservation', () => {
    assert.deepEqual(result.problems, []);
    assert.equal(result.ok, true);
    assert.equal(result.verdict, 'all 12 calls billed exactly once; 0 reservations left');
    assert.equal(result.reservationsLeft, 0);
    for (const c of result.calls) {
      assert.equal(c.cdrCount, 1, `${c.id}: one CDR`);
      assert.equal(c.status, 'settled', `${c.id}: settled`);
    }
    assert.equal(result.database, './data/demo.sqlite');
    assert.ok(
      existsSync(join(jsonRun.cwd, 'data', 'demo.sqlite')),
      'the database is left for inspection',
    );
  });

  it('ends each call with its scripted disposition, on the right account', () => {
    const got = Object.fromEntries(
      result.calls.map((c) => [c.id, [c.account, c.disposition, c.reason, c.cost]]),
    );
    const split = result.calls.find((c) => c.id === 'band-split')!;
    delete got['band-split'];
    assert.deepEqual([split.account, split.disposition], ['dave', 'ANSWERED']);
    // Per-second billing: 0.001/s off-peak (the base), 0.005/s in the peak minute.
    assert.deepEqual(
      split.bandSplit?.map((b) => b.band),
      ['base', 'peak'],
      'answered 2 s before the peak minute: charged in both bands',
    );
    const perSecond: Record<string, bigint> = { base: 100n, peak: 500n };
    let total = 0n;
    for (const b of split.bandSplit!) {
      assert.equal(BigInt(b.cost.replace('.', '')), perSecond[b.band]! * BigInt(b.seconds));
      total += BigInt(b.cost.replace('.', ''));
    }
    assert.equal(BigInt(split.cost!.replace('.', '')), total, 'the split adds up to the cost');
    assert.equal(
      split.bandSplit!.reduce((s, b) => s + b.seconds, 0),
      split.billsec,
    );
    assert.deepEqual(got, {
      answered: ['alice', 'ANSWERED', null, '0.02500'], // 30/6 at 0.05/min: one 30 s block
      busy: ['bob', 'BUSY', null, '0.00000'],
      'no-answer': ['alice', 'NO ANSWER', null, '0.00000'],
      card: ['card-1001', 'ANSWERED', null, '0.01400'], // 0.01 connection + a 6 s block at 0.04/min
      'concurrent-1': ['bob', 'ANSWERED', null, '0.01400'],
      'concurrent-2': ['bob', 'ANSWERED', null, '0.01400'],
      cut: ['carol', 'ANSWERED', null, '0.15000'],
      'no-credit': ['carol', 'FAILED', 'NOCREDIT', '0.00000'],
      'no-route': ['alice', 'FAILED', 'NOROUTE', '0.00000'],
      failover: ['bob', 'ANSWERED', null, '0.03000'], // one 30 s block at 0.06/min
      loss: ['alice', 'FAILED', 'LOSS', '0.00000'],
    });
    const card = result.calls.find((c) => c.id === 'card')!;
    assert.equal(card.dst, '494012345', 'the destination keyed after the PIN');
  });

  it('fails the Rome call over from congested carrier-a to carrier-b and buys it there; refuses the call sold below cost', () => {
    const failover = result.calls.find((c) => c.id === 'failover')!;
    assert.deepEqual(failover.attempts, [
      { trunk: 'carrier-a', outcome: 'CONGESTION', cause: 34, sip: 503 },
      { trunk: 'carrier-b', outcome: 'ANSWERED', cause: null, sip: null },
    ]);
    // 30 s block sold at 0.06/min, bought at carrier-b's 0.03/min (carrier-a's 0.02 never applied).
    assert.deepEqual(
      [failover.trunk, failover.cost, failover.buyCost, failover.margin],
      ['carrier-b', '0.03000', '0.01500', '0.01500'],
    );
    const busy = result.calls.find((c) => c.id === 'busy')!;
    assert.deepEqual(
      busy.attempts.map((a) => a.trunk),
      ['carrier-a'],
      'a busy callee is not rung again on carrier-b',
    );
    const loss = result.calls.find((c) => c.id === 'loss')!;
    assert.deepEqual([loss.attempts, loss.trunk, loss.cost], [[], null, '0.00000']);
  });

  it('cuts the call that runs out of credit at its grant, through TIMEOUT(absolute)', () => {
    const cut = result.calls.find((c) => c.id === 'cut')!;
    assert.equal(cut.maxSeconds, 3, '0.15 at 3.00/min buys 3 s');
    assert.equal(cut.billsec, 3);
    assert.match(cut.ended, /TIMEOUT\(absolute\)/);
  });

  it('had the two calls on one account up at the same time', () => {
    const [a, b] = ['concurrent-1', 'concurrent-2'].map((id) =>
      result.calls.find((c) => c.id === id)!,
    );
    const t = (s: string | null | undefined) => Date.parse(s ?? '');
    assert.ok(
      t(a!.answer) < t(b!.end) && t(b!.answer) < t(a!.end),
      `overlap: ${a!.answer}..${a!.end} and ${b!.answer}..${b!.end}`,
    );
  });

  it('leaves the final balances start − Σ cost, exactly', () => {
    // dave's band split depends on the second his call is answered in: checked by its sum.
    const dave = result.balances.find((b) => b.account === 'dave')!;
    const minor = (x: string) => BigInt(x.replace('.', ''));
    assert.equal(minor(dave.end), minor(dave.start) - minor(dave.charged));
    assert.equal(dave.charged, result.calls.find((c) => c.id === 'band-split')!.cost);
    assert.deepEqual(
      result.balances.filter((b) => b !== dave),
      [
        {
          account: 'alice',
          start: '10.00000',
          charged: '0.02500',
          end: '9.97500',
          reserved: '0.00000',
        },
        {
          account: 'bob',
          start: '5.00000',
          charged: '0.05800',
          end: '4.94200',
          reserved: '0.00000',
        },
        {
          account: 'card-1001',
          start: '2.00000',
          charged: '0.01400',
          end: '1.98600',
          reserved: '0.00000',
        },
        {
          account: 'carol',
          start: '0.15000',
          charged: '0.15000',
          end: '0.00000',
          reserved: '0.00000',
        },
      ],
    );
  });

  it('prints only JSON with --json', () => {
    assert.equal(jsonRun.stdout.trimStart()[0], '{');
    assert.doesNotMatch(jsonRun.stdout, /Swagger/);
  });

  it('shows people a timeline while the calls run, then the CDR and balance tables and the verdict', () => {
    assert.equal(
      humanRun.code,
      0,
      `demo exited ${humanRun.code}\n${humanRun.stderr}\n${humanRun.stdout}`,
    );
    const out = humanRun.stdout;
    assert.match(out, /database {4}\.\/data\/demo\.sqlite \(fresh each run\)/);
    // Not a terminal: one line per change instead of a redrawn table.
    assert.doesNotMatch(out, /\x1b\[/);
    assert.match(out, /^ +\+\d+\.\ds {2}card {10}wrong PIN/m);
    assert.match(out, /^ +\+\d+\.\ds {2}cut {11}answered; talking \(limit 3 s/m);
    assert.match(
      out,
      /^call +account +src +dst +disposition +billsec +cost +trunk +margin +reason$/m,
    );
    assert.match(
      out,
      /^busy +bob +15551230001 +447700900123 +BUSY +0 +0\.00 +user busy \(cause 17\)$/m,
    );
    assert.match(
      out,
      /^cut +carol +1003 +881612345678 +ANSWERED +3 +0\.15 +carrier-a +0\.075 +credit limit/m,
    );
    assert.match(
      out,
      /^failover +bob +15551230001 +390612345678 +ANSWERED +\d +0\.03 +carrier-b +0\.015 +callee hung up \(after carrier-a congestion: cause 34, SIP 503\)$/m,
    );
    assert.match(out, /^loss +alice +1001 +88234123456 +FAILED +0 +0\.00 +LOSS$/m);
    assert.match(out, /^ +carrier-b +00\+number +44 0\.03, 447 0\.10, 39 0\.03$/m);
    assert.match(out, /^no-route +alice +1001 +33142685300 +FAILED +0 +0\.00 +NOROUTE$/m);
    assert.match(out, /^band-split: base \d s [\d.]+ \+ peak \d s [\d.]+ = [\d.]+$/m);
    assert.match(out, /^account +start +charged +end$/m);
    assert.match(out, /^alice +10\.00 +0\.025 +9\.975$/m);
    assert.match(out, /^carol +0\.15 +0\.15 +0\.00$/m);
    assert.match(out, /^OK: all 12 calls billed exactly once; 0 reservations left$/m);
    assert.doesNotMatch(out, /"level"|Swagger/, 'no daemon log lines in the output');
  });
});

describe('the demo verdict', () => {
  const call = demoScenario().calls.find((c) => c.id === 'answered')!;
  const rate = {
    ratePerMin: parseMoney('0.05'),
    connectFee: 0n,
    initialSecs: 30,
    incrementSecs: 6,
    minSecs: 0,
  };
  const cdr = (over: Partial<Cdr> = {}): Cdr => ({
    id: 1,
    uniqueid: 'A1',
    accountId: 1,
    account: 'alice',
    node: 'demo',
    src: '1001',
    dst: '442079460000',
    tariff: 'demo',
    prefix: '44',
    rate,
    start: new Date(0),
    answer: new Date(1000),
    end: new Date(5000),
    duration: 5,
    billsec: 4,
    disposition: 'ANSWERED',
    hangupCause: 16,
    reason: null,
    maxSeconds: 600,
    maxCost: parseMoney('0.5'),
    cost: parseMoney('0.025'),
    trunk: 'carrier-a',
    buyCost: parseMoney('0.01'),
    margin: parseMoney('0.015'),
    status: 'settled',
    note: null,
    endSource: null,
    dialled: null,
    ...over,
  });
  const ended = {
    id: 'A1',
    name: 'PJSIP/alice-1',
    kind: 'inbound' as const,
    number: '442079460000',
    createdAt: 0,
    endedAt: 5000,
    cause: 16,
    causeTxt: 'Normal Clearing',
    hungUpBy: 'app' as const,
  };
  const attempt = (trunk: string, outcome: string, ratePerMin: string): CallAttempt => ({
    trunk,
    outcome,
    cause: outcome === 'ANSWERED' ? null : 34,
    techCause: outcome === 'ANSWERED' ? null : 503,
    start: new Date(0),
    buy: {
      ...rate,
      tariff: trunk,
      prefix: '44',
      description: '',
      ratePerMin: parseMoney(ratePerMin),
    },
  });
  const calls = (...cdrs: Cdr[]): CallResult[] => [
    {
      call,
      channelId: 'A1',
      cdrs,
      attempts: [attempt('carrier-a', 'ANSWERED', '0.02')],
      aEnded: ended,
      bEnded: undefined,
    },
  ];
  const alice = (over: Partial<AccountResult> = {}): AccountResult[] => [
    {
      name: 'alice',
      start: parseMoney('10'),
      end: parseMoney('9.975'),
      reserved: 0n,
      ledgerSum: parseMoney('9.975'),
      charged: parseMoney('0.025'),
      ...over,
    },
  ];

  it('passes a call billed exactly once', () => {
    assert.deepEqual(verify(calls(cdr()), alice(), 0), {
      ok: true,
      line: 'all 1 calls billed exactly once; 0 reservations left',
      problems: [],
    });
  });

  it('fails a balance that is not start − Σ cost, a ledger that disagrees, money left reserved', () => {
    const v = verify(
      calls(cdr()),
      alice({ end: parseMoney('9.95'), ledgerSum: parseMoney('9.95'), reserved: 1n }),
      0,
    );
    assert.equal(v.ok, false);
    assert.equal(v.problems.length, 2);
    assert.match(v.problems[0]!, /alice: balance .* is not start/);
    assert.match(v.problems[1]!, /still reserved/);
    assert.match(verify(calls(cdr()), alice({ ledgerSum: 0n }), 0).problems[0]!, /ledger sums to/);
  });

  it('fails a reservation left, an unsettled or doubled CDR, a wrong price, a charge for an unanswered call', () => {
    assert.match(verify(calls(cdr()), alice(), 1).problems[0]!, /1 reservation\(s\) left/);
    assert.match(verify(calls(cdr({ status: 'open' })), alice(), 0).problems[0]!, /not settled/);
    assert.match(
      verify(calls(cdr(), cdr({ uniqueid: 'A1.1' })), alice(), 0).problems[0]!,
      /2 CDRs instead of exactly one/,
    );
    assert.match(
      verify(calls(cdr({ cost: parseMoney('0.02') })), alice(), 0).problems[0]!,
      /is not the price of 4 s/,
    );
    const busy = verify(
      calls(cdr({ disposition: 'BUSY', answer: null, billsec: 0, cost: 1n })),
      alice(),
      0,
    );
    assert.deepEqual(
      busy.problems.map((p) => p.replace(/:.*/, '')),
      ['answered', 'answered'],
    );
    assert.match(busy.problems.join('\n'), /disposition BUSY, expected ANSWERED/);
    assert.match(busy.problems.join('\n'), /BUSY call charged 1/);
    assert.equal(busy.ok, false);
  });

  it('fails a call bought at a trunk that did not answer it, at the wrong price, or routed otherwise than scripted', () => {
    const [one] = calls(cdr());
    const failedOver = (c: Cdr): CallResult[] => [
      {
        ...one!,
        cdrs: [c],
        attempts: [
          attempt('carrier-a', 'CONGESTION', '0.02'),
          attempt('carrier-b', 'ANSWERED', '0.03'),
        ],
      },
    ];
    // Billed at the congested first carrier instead of the one that carried the call:
    assert.match(
      verify(failedOver(cdr()), alice(), 0).problems.join('\n'),
      /CDR trunk carrier-a, but carrier-b answered/,
    );
    assert.match(
      verify(failedOver(cdr({ trunk: 'carrier-b' })), alice(), 0).problems.join('\n'),
      /buy cost 1000 is not 1500 at carrier-b/,
    );
    assert.match(
      verify(
        failedOver(cdr({ trunk: 'carrier-b', buyCost: parseMoney('0.015') })),
        alice(),
        0,
      ).problems.join('\n'),
      /trunks tried carrier-a CONGESTION, carrier-b ANSWERED, expected carrier-a ANSWERED/,
    );
    assert.match(
      verify(calls(cdr({ margin: 0n })), alice(), 0).problems[0]!,
      /margin 0 is not cost − buy cost/,
    );
  });
});
