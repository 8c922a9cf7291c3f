/**
 * Where a call's time bands come from: read with the account (store/setup-read.ts) when the
 * store can, so that a call on a flat tariff asks the database nothing more before it
 * authorises; asked separately (BandStore.bandingFor) only when the set-up read did not say.
 */
import assert from 'node:assert/strict';
import type { Banding } from '../../daemon/src/rating/index.js';
import type { AccountWithRate } from '../../daemon/src/session/ports.js';
import { FakeStore, RATE, rig } from './fakes.js';

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
