/**
 * `astbill demo --console`: after the scripted calls, keeps the simulator, the daemon and its
 * console up until Ctrl-C, with a demo admin login, and places a call every few seconds (talking
 * about 45 s) so that the dashboard and live calls move. Alice is topped up when she runs low.
 */
import { randomBytes } from 'node:crypto';
import { OperatorStore } from '../store/operators/index.js';
import type { FarEndRule } from '../sim/index.js';
import type { DemoParts } from './run-demo.js';

export const DEMO_OPERATOR = 'demo';
const CALL_EVERY_MS = 20_000;
const LOW: bigint = 200_000n;

export function consoleEnv(port: number): Record<string, string> {
  return {
    ASTBILL_API_PORT: String(port),
    ASTBILL_API_HOST: '127.0.0.1',
    ASTBILL_API_TOKEN: randomBytes(24).toString('base64url'),
  };
}

export async function keepConsoleUp(
  p: DemoParts,
  farEnds: readonly FarEndRule[],
  write: (text: string) => void,
  stop: Promise<void>,
): Promise<void> {
  const password = randomBytes(9).toString('base64url');
  await new OperatorStore(p.store.db).add({ name: DEMO_OPERATOR, role: 'admin', password });
  p.sim.setRules([
    { prefix: '4420', action: 'answer', answerAfterMs: 1500, hangupAfterMs: 45_000 },
    ...farEnds,
  ]);
  const { port } = p.daemon.apiAddress!;
  write(
    `\nconsole: http://127.0.0.1:${port}/console/\nlogin:   ${DEMO_OPERATOR} / ${password}\n` +
      `a call every ${CALL_EVERY_MS / 1000} s keeps the dashboard moving; Ctrl-C stops everything\n`,
  );
  let n = 0;
  const placeOne = async () => {
    const alice = await p.store.accountDetails('alice');
    if (alice && alice.balance + alice.creditLimit - alice.reserved < LOW)
      await p.store.topup('alice', 1_000_000n, { note: 'demo top-up', actor: 'demo' });
    p.sim.placeCall({
      accountcode: 'alice',
      peer: 'alice',
      callerId: 'Alice <1001>',
      exten: `4420794600${String(n++ % 100).padStart(2, '0')}`,
      app: p.daemon.config.ari.app,
    });
  };
  await placeOne();
  const timer = setInterval(() => void placeOne().catch(() => undefined), CALL_EVERY_MS);
  try {
    await stop;
  } finally {
    clearInterval(timer);
  }
}
