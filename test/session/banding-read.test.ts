/**
 * Where a call's time bands come from: read with the account (store/setup-read.ts) when the
 * store can, so that a call on a flat tariff asks the database nothing more before it
 * authorises; asked separately (BandStore.bandingFor) only when the set-up read did not say. And
 * what a banded call is billed when its grant cannot be priced at the answer: nothing.
 */
import assert from 'node:assert/strict';
import type { Banding } from '../../daemon/src/rating/index.js';
import type { PlaybackHandle } from '../../daemon/src/session/call-control-port.js';
import type { AccountWithRate } from '../../daemon/src/session/ports.js';
import { FakeControl, FakeStore, RATE, rig } from './fakes.js';

const PEAK: Banding = {
  zone: 'UTC',
  bands: [{ name: 'peak', days: [1, 2, 3, 4, 5, 6, 7], from: 0, to: 1440, ratePerMin: 1n }],
};

/** A store whose set-up read answers `banding` (absent: it does not read bands). */
class SetupStore extends FakeStore {
  constructor(private readonly banding?: Banding | null) {
    super();
  }
  async accountByNameWithRate(name: string, number: string): Promise<AccountWithRate | undefined> {
    const account = await this.accountByName(name);
    return (
      account && {
        account,
        rate: await this.rateFor(account.tariff, number),
        ...(this.banding !== undefined ? { banding: this.banding } : {}),
      }
    );
  }
}

/** Authorises one call and answers the rate it was authorised with and the bandingFor calls. */
async function authorised(store: FakeStore) {
  const asked: string[] = [];
  const r = rig({
    store,
    bands: {
      bandingFor: async (_rate, number) => {
        asked.push(number);
        return PEAK;
      },
      answerBanded: () => Promise.reject(new Error('not answered in this test')),
    },
  });
  void r.session.start();
  await r.flush();
  assert.equal(r.session.state, 'dialling');
  return { rate: [...store.open.values()][0]!.req.rate, asked };
}

describe('the time bands of a call before it authorises', () => {
  it('asks nothing more for a flat tariff when the set-up read found no bands', async () => {
    const { rate, asked } = await authorised(new SetupStore(null));
    assert.deepEqual(asked, []);
    assert.equal(rate.banding, undefined);
    assert.equal(rate.ratePerMin, RATE.ratePerMin);
  });

  it('takes the bands the set-up read found', async () => {
    const { rate, asked } = await authorised(new SetupStore(PEAK));
    assert.deepEqual(asked, []);
    assert.deepEqual(rate.banding, PEAK);
  });

  it('asks for them once when the store did not read them with the account', async () => {
    for (const store of [new SetupStore(), new FakeStore()]) {
      const { rate, asked } = await authorised(store);
      assert.deepEqual(asked, ['442071234567']);
      assert.deepEqual(rate.banding, PEAK);
    }
  });
});

/** Prompts that play until stopped: the error prompt takes its full 3 s on the daemon's clock. */
class HeldPrompts extends FakeControl {
  override async play(_channelId: string, media: readonly string[]): Promise<PlaybackHandle> {
    this.played.push([...media]);
    return { id: `held${this.played.length}`, finished: new Promise(() => undefined) };
  }
}

describe('a banded call whose grant cannot be priced at the answer', () => {
  const cases: Array<[string, () => Promise<never | { ok: false; reason: 'NOCREDIT' }>]> = [
    ['the store fails', () => Promise.reject(new Error('database down'))],
    [
      'no time is affordable in the band of the answer',
      async () => ({ ok: false, reason: 'NOCREDIT' }),
    ],
  ];
  for (const [what, answerBanded] of cases)
    it(`${what}: the caller was never put through, so the call is billed 0 s`, async () => {
      const r = rig({
        store: new SetupStore(PEAK),
        control: new HeldPrompts(),
        bands: { bandingFor: async () => PEAK, answerBanded: answerBanded as never },
      });
      void r.session.start();
      await r.flush();
      assert.equal(r.session.state, 'dialling');
      const b = r.control.originated[0]!.channelId;
      r.send({ kind: 'leg-answered', at: r.clock.now(), channelId: b });
      // The error prompt (3 s) and the hang-ups take time on the daemon's clock.
      for (let i = 0; i < 8; i++) {
        await r.flush();
        r.clock.advance(1_000);
      }
      await r.session.finished;
      const [s] = r.store.settles;
      assert.equal(s?.disposition, 'ANSWERED');
      assert.equal(s?.billsec, 0);
      assert.ok(!r.control.calls.some((c) => c.startsWith('addToBridge')), 'never bridged');
      assert.ok(r.control.hungUp.includes('A1') && r.control.hungUp.includes(b));
    });
});
