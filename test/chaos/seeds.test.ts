/**
 * The chaos simulation in CI: the fixed seeds (CI_CALLS calls each, under random crashes,
 * database errors and outages, websocket drops, REST failures, duplicated and late events and
 * clock steps) must keep every money invariant; a seed replays to the same run; every fault kind
 * is exercised. A failure prints the seed, the step and a trace; replay it with
 * `npm run chaos -- --seed N`.
 */
import assert from 'node:assert/strict';
import { CI_CALLS, CI_SEEDS, OPEN_DEFECTS } from './ci-seeds.js';
import { FAULT_KINDS, type FaultKind } from './faults.js';
import { formatViolation, runSeed, type RunSummary } from './run.js';

/** What a replay must reproduce besides its trace. */
const essence = (s: RunSummary) => ({ ...s, trace: undefined });

describe('chaos: seeded fault simulation of the real daemon', function () {
  this.timeout(300_000);
  const injected = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  let calls = 0;

  for (const seed of CI_SEEDS) {
    it(`seed ${seed}: ${CI_CALLS} calls under random faults break no money invariant`, async () => {
      const s = await runSeed(seed, { calls: CI_CALLS });
      const open = Object.keys(s.violations).filter((c) => OPEN_DEFECTS[c] !== undefined);
      for (const c of open)
        console.log(
          `      open defect (seed ${seed}): ${c} ×${s.violations[c]}: ${OPEN_DEFECTS[c]}`,
        );
      const other = Object.keys(s.violations).filter((c) => OPEN_DEFECTS[c] === undefined);
      assert.deepEqual(other, [], formatViolation(s));
      assert.equal(s.calls, CI_CALLS);
      assert.ok(
        (s.outcomes.ANSWERED ?? 0) > CI_CALLS / 5,
        'a good share of the calls were answered',
      );
      calls += s.calls;
      for (const k of FAULT_KINDS) injected[k] += s.faults[k];
    });
  }

  it('the CI seeds inject every kind of fault', () => {
    assert.equal(calls, CI_CALLS * CI_SEEDS.length, 'every CI seed ran');
    const missing = FAULT_KINDS.filter((k) => injected[k] === 0);
    assert.deepEqual(missing, [], `fault kinds never injected: ${missing.join(', ')}`);
  });

  it('replaying a seed reproduces its run, event for event', async () => {
    const first = await runSeed(101, { calls: 60, faultRate: 0.08, trace: true });
    const again = await runSeed(101, { calls: 60, faultRate: 0.08, trace: true });
    assert.ok(
      Object.values(first.faults).some((n) => n > 0),
      'the run had faults',
    );
    assert.ok(
      first.faults.crash + first.faults['db-outage'] > 0,
      'a crash or an outage among them',
    );
    // Every event each simulator sent, every fault, channel end and CDR, in order.
    const diverged = first.trace!.findIndex((line, i) => again.trace![i] !== line);
    assert.equal(
      diverged,
      -1,
      `the replay diverged at line ${diverged}: ${first.trace![diverged]} / ${again.trace![diverged]}`,
    );
    assert.equal(again.trace!.length, first.trace!.length);
    assert.deepEqual(essence(again), essence(first));
  });

  if (process.env.ASTBILL_TEST_MYSQL) {
    it('on MariaDB: a seed keeps every invariant', async () => {
      const s = await runSeed(CI_SEEDS[0], {
        calls: 120,
        mysqlUrl: process.env.ASTBILL_TEST_MYSQL,
      });
      assert.equal(s.violation, null, formatViolation(s));
    });
  }
});
