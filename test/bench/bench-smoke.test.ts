import { expect } from 'chai';
import { dropDatabase } from '../../bench/bench-db.js';
import { runStep } from '../../bench/load.js';
import { startStack, type Stack } from '../../bench/stack.js';
import { audit } from '../../bench/verify.js';

/** The benchmark's own smoke run (MariaDB only): a few real calls through the daemon, billed exactly. */
const base = process.env.ASTBILL_TEST_MYSQL;

(base ? describe : describe.skip)(
  'the benchmark (npm run bench), in a tiny smoke run',
  function () {
    this.timeout(60_000);
    const u = new URL((base ?? 'mysql://x/y').replace(/^mariadb:/, 'mysql:'));
    u.pathname = `/${u.pathname.replace(/^\//, '') || 'astbill_test'}_bench_${process.pid}`;
    const url = u.toString();
    let stack: Stack | undefined;

    after(async () => {
      await stack?.close();
      await dropDatabase(url);
    });

    it('completes answered calls through the real daemon and leaves every account billed exactly', async () => {
      stack = await startStack(
        { dbUrl: url, accounts: 5, talkMs: 200, name: 'smoke', cpuProfDir: null, daemonEnv: {} },
        () => undefined,
      );
      const step = await runStep(stack, 10, 1, 200, 15_000);
      expect(step.placed).to.equal(10);
      expect(step.failures).to.deep.equal({});
      expect(step.drained).to.equal(true);
      expect(step.latency.count).to.equal(10);
      const a = await audit(stack.opened, stack.tracker.calls);
      expect(a.cdrs).to.equal(10);
      expect(a.misbilled).to.equal(0);
    });
  },
);
