import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forEachDatabase, type TestStore } from '../support/db.js';
import { astbill, parsed, refused } from './run-cli.js';

const DECK = 'prefix,description,rate_per_min,connect_fee,initial_secs,increment_secs,min_secs';

interface RouteJson {
  trunk: string;
  buyPerMin: string;
  sellPerMin: string;
  marginPerMin: string;
  sentAs: string;
  profitable: boolean;
}

describe('astbill trunk and route', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let t: TestStore;
    let dir: string;
    const cli = (...args: string[]) => astbill(tdb.url, args);
    const file = (name: string, lines: string[]) => {
      const path = join(dir, name);
      writeFileSync(path, lines.join('\n') + '\n');
      return path;
    };
    before(async () => {
      t = await tdb.open();
      dir = mkdtempSync(join(tmpdir(), 'astbill-trunks-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('adds trunks with rewriting and limits, imports decks, ranks them least-cost first', async () => {
      assert.equal(
        (await cli('trunk', 'add', 'ta', '--dial', 'PJSIP/{number}@ta', '--max-channels', '3'))
          .code,
        0,
      );
      const b = await cli(
        'trunk',
        'add',
        'tb',
        '--dial',
        'PJSIP/{number}@tb',
        '--strip',
        '2',
        '--prefix',
        '0044',
      );
      assert.equal(b.code, 0, b.stderr);
      assert.equal(
        (await cli('trunk', 'rates', 'import', 'ta', file('ta.csv', [DECK, '44,UK,0.02,0,1,1,0'])))
          .code,
        0,
      );
      const imp = await cli(
        'trunk',
        'rates',
        'import',
        'tb',
        file('tb.csv', [DECK, '44,UK,0.01,0,1,1,0', '447,UK mobile,0.09,0,1,1,0']),
      );
      assert.match(imp.stdout, /imported 2 buy rate\(s\) for trunk tb/);
      await t.seedRate({ tariff: 'default', prefix: '44', rate: '0.05', initial: 1, increment: 1 });

      const land = parsed<RouteJson[]>(await cli('route', '441234567', '--json'));
      assert.deepEqual(
        land.map((r) => [r.trunk, r.buyPerMin, r.marginPerMin, r.sentAs, r.profitable]),
        [
          ['tb', '0.01000', '0.04000', '00441234567', true],
          ['ta', '0.02000', '0.03000', '441234567', true],
        ],
      );
      const mobile = parsed<RouteJson[]>(await cli('route', '447700900123', '--json'));
      assert.deepEqual(
        mobile.map((r) => [r.trunk, r.profitable]),
        [
          ['ta', true],
          ['tb', false],
        ],
        'the 447 deck line of tb costs more than the call sells for: skipped',
      );
      const list = parsed<Array<{ name: string; maxChannels: number | null }>>(
        await cli('trunk', 'list', '--json'),
      );
      assert.deepEqual(
        list.map((x) => [x.name, x.maxChannels]),
        [
          ['ta', 3],
          ['tb', null],
        ],
      );
    });

    it('priority plans keep their order; a disabled trunk is no candidate', async () => {
      assert.equal(
        (await cli('trunk', 'plan', 'default', '--mode', 'priority', '--trunks', 'ta,tb')).code,
        0,
      );
      const ranked = parsed<RouteJson[]>(await cli('route', '441234567', '--json'));
      assert.deepEqual(
        ranked.map((r) => r.trunk),
        ['ta', 'tb'],
      );
      assert.equal((await cli('trunk', 'disable', 'ta')).code, 0);
      assert.deepEqual(
        parsed<RouteJson[]>(await cli('route', '441234567', '--json')).map((r) => r.trunk),
        ['tb'],
      );
      assert.equal((await cli('trunk', 'enable', 'ta')).code, 0);
      assert.equal((await cli('trunk', 'plan', 'default', '--mode', 'lcr')).code, 0);
    });

    it('refuses bad input with a clear message and changes nothing', async () => {
      const before = await cli('trunk', 'list', '--json');
      const ratesBefore = await cli('trunk', 'rates', 'list', 'ta', '--json');
      refused(await cli('trunk', 'add', 'tc', '--dial', 'PJSIP/447700@tc'), /has no \{number\}/);
      refused(await cli('trunk', 'add', 'ta', '--dial', 'PJSIP/{number}@x'), /trunk 'ta' exists/);
      refused(await cli('trunk', 'disable', 'nope'), /no trunk 'nope'/);
      refused(
        await cli('trunk', 'rates', 'import', 'nope', file('n.csv', [DECK, '44,UK,0.01,0,1,1,0'])),
        /no trunk 'nope'/,
      );
      refused(
        await cli('trunk', 'plan', 'default', '--mode', 'priority', '--trunks', 'ta,nope'),
        /no trunk 'nope'/,
      );
      const bad = await cli(
        'trunk',
        'rates',
        'import',
        'ta',
        file('bad.csv', [DECK, '44,UK,0.50,0,1,1,0', '4x,bad,0.01,0,1,1,0']),
      );
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /line 3: prefix '4x' must be 1 to 20 digits/);
      assert.match(bad.stderr, /1 bad line\(s\) in .*bad.csv; nothing imported/);
      assert.equal((await cli('trunk', 'list', '--json')).stdout, before.stdout);
      assert.equal(
        (await cli('trunk', 'rates', 'list', 'ta', '--json')).stdout,
        ratesBefore.stdout,
      );
      refused(await cli('route', '44x'), /usage: astbill route NUMBER/);
    });
  });
});
