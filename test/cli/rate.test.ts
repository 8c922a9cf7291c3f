import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forEachDatabase, type TestStore } from '../support/db.js';
import { astbill, parsed } from './run-cli.js';

interface RateJson {
  tariff: string;
  prefix: string;
  description: string;
  ratePerMin: string;
  connectFee: string;
  initialSecs: number;
  incrementSecs: number;
  minSecs: number;
}

const HEADER =
  'tariff,prefix,description,rate_per_min,connect_fee,initial_secs,increment_secs,min_secs';

describe('astbill rate', function () {
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
      dir = mkdtempSync(join(tmpdir(), 'astbill-rates-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('adds a rate and lists it as JSON with exact amounts', async () => {
      const add = await cli(
        'rate',
        'add',
        '--tariff',
        'std',
        '--prefix',
        '44',
        '--rate',
        '0.05',
        '--connect',
        '0.10',
        '--initial',
        '60',
        '--increment',
        '6',
        '--description',
        'United Kingdom',
      );
      assert.equal(add.code, 0, add.stderr);
      const list = parsed<RateJson[]>(await cli('rate', 'list', '--tariff', 'std', '--json'));
      assert.deepEqual(list, [
        {
          tariff: 'std',
          prefix: '44',
          description: 'United Kingdom',
          ratePerMin: '0.05000',
          connectFee: '0.10000',
          initialSecs: 60,
          incrementSecs: 6,
          minSecs: 0,
        },
      ]);
    });

    it('imports a file with nested prefixes in one go and updates rates that exist (upsert)', async () => {
      await t.seedRate({ tariff: 'imp', prefix: '44', rate: '9.99', description: 'old' });
      await t.seedRate({ tariff: 'imp', prefix: '33', rate: '0.07', description: 'kept' });
      const path = file('good.csv', [
        HEADER,
        '# comments and blank lines are skipped',
        '',
        'imp,44,"United Kingdom, fixed",0.05,0.10,60,6,0',
        'imp,447,UK mobile,0.12,,,,',
        'imp2,1,"North America ""NANP""",0.00125,0,1,1,30',
      ]);
      const r = await cli('rate', 'import', path);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /imported 3 rate\(s\) .*: 2 added, 1 updated/);
      const imp = await t.store.listRates('imp');
      assert.deepEqual(
        imp.map((x) => [
          x.prefix,
          x.description,
          x.ratePerMin,
          x.connectFee,
          x.initialSecs,
          x.incrementSecs,
          x.minSecs,
        ]),
        [
          ['33', 'kept', 7000n, 0n, 60, 6, 0],
          ['44', 'United Kingdom, fixed', 5000n, 10000n, 60, 6, 0],
          ['447', 'UK mobile', 12000n, 0n, 60, 60, 0],
        ],
      );
      assert.equal(
        (await t.store.rateFor('imp2', '15551234'))?.description,
        'North America "NANP"',
      );
      assert.equal((await t.store.rateFor('imp', '447700900'))?.prefix, '447');
    });

    it('reads a carrier deck with line breaks inside quoted fields, keeping line numbers right', async () => {
      const deck = [
        HEADER,
        'deck,44,"United Kingdom,',
        'fixed ""geo""",0.05,0.10,60,6,0',
        'deck,447,"UK mobile',
        '(all networks)",0.12,0,60,6,0',
      ];
      const bad = await cli(
        'rate',
        'import',
        file('deck-bad.csv', [...deck, 'deck,4x,"bad, prefix",0.05,0,60,6,0']),
      );
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /: line 6: .*prefix '4x'/);
      const r = await cli('rate', 'import', file('deck.csv', deck));
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        (await t.store.listRates('deck')).map((x) => [x.prefix, x.description, x.ratePerMin]),
        [
          ['44', 'United Kingdom,\nfixed "geo"', 5000n],
          ['447', 'UK mobile\n(all networks)', 12000n],
        ],
      );
    });

    it('refuses a file with an unterminated quote in one line', async () => {
      const r = await cli('rate', 'import', file('open.csv', [HEADER, 'q,44,"open,0.05,0,60,6,0']));
      assert.equal(r.code, 2);
      assert.match(r.stderr, /Quote Not Closed/);
      assert.equal(await t.store.tariffExists('q'), false);
    });

    it('reports every bad line of a file with its number and imports nothing', async () => {
      const path = file('bad.csv', [
        HEADER,
        'bad,44,ok,0.05,0,60,6,0',
        'bad,45,negative,-0.05,0,60,6,0',
        'bad,4x,letters,0.05,0,60,6,0',
        'bad,46,fine,0.05,0,60,6,0',
        'bad,47,zero block,0.05,0,0,6,0',
        'bad,44,again,0.06,0,60,6,0',
        'bad,48,too precise,0.000001,0,60,6,0',
        'bad,49,short',
      ]);
      const r = await cli('rate', 'import', path);
      assert.equal(r.code, 2);
      const lines = r.stderr.trimEnd().split('\n');
      assert.deepEqual(
        lines.slice(0, -1).map((l) => /: line (\d+):/.exec(l)?.[1]),
        ['3', '4', '6', '7', '8', '9'],
      );
      assert.match(lines[1]!, /prefix '4x'/);
      assert.match(lines[3]!, /already on line 2/);
      assert.match(lines.at(-1)!, /6 bad line\(s\) in .*bad\.csv; nothing imported/);
      assert.equal(await t.store.tariffExists('bad'), false);
    });

    it('refuses a file with a wrong header, naming the expected one', async () => {
      const r = await cli(
        'rate',
        'import',
        file('header.csv', ['tariff,prefix,colour', 'x,1,0.1']),
      );
      assert.equal(r.code, 2);
      assert.match(
        r.stderr,
        /line 1: bad header: unknown column\(s\) colour .*; missing column\(s\) rate_per_min/,
      );
      assert.equal(await t.store.tariffExists('x'), false);
    });

    it('imports a carrier’s semicolon deck by its own header names, decimal commas, into --tariff', async () => {
      const path = file('carrier.csv', [
        'Code;Destination;Rate;Connection Fee;First Increment;Next Increment',
        '44;United Kingdom;0,0125;0,05;30;6',
        '447;"UK; mobile";0,09;0;60;1',
      ]);
      const r = await cli('rate', 'import', path, '--tariff', 'carrier');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        (await t.store.listRates('carrier')).map((x) => [
          x.prefix,
          x.description,
          x.ratePerMin,
          x.connectFee,
          x.initialSecs,
          x.incrementSecs,
        ]),
        [
          ['44', 'United Kingdom', 1250n, 5000n, 30, 6],
          ['447', 'UK; mobile', 9000n, 0n, 60, 1],
        ],
      );
    });

    it('reads other headers through --map, leaving the rest unread, and refuses unknown ones without it', async () => {
      const lines = ['Dial;Zone;Tarif/min;ISO', '33;France;0,02;FR', '331;Paris;0,015;FR'];
      const refused = await cli('rate', 'import', file('mapped.csv', lines), '--tariff', 'mapped');
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /unknown column\(s\) Dial, Zone, Tarif\/min, ISO/);
      assert.equal(await t.store.tariffExists('mapped'), false);
      const r = await cli(
        'rate',
        'import',
        file('mapped.csv', lines),
        '--tariff',
        'mapped',
        '--map',
        'prefix=Dial,description=Zone,rate_per_min=Tarif/min',
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /2 added.*columns not read: ISO/);
      assert.deepEqual(
        (await t.store.listRates('mapped')).map((x) => [x.prefix, x.description, x.ratePerMin]),
        [
          ['33', 'France', 2000n],
          ['331', 'Paris', 1500n],
        ],
      );
    });

    it('imports nothing from a carrier deck with one bad line', async () => {
      const path = file('half.csv', ['Code,Rate', '44,0.01', '45,-0.01', '46,0.01']);
      const r = await cli('rate', 'import', path, '--tariff', 'half');
      assert.equal(r.code, 2);
      assert.match(r.stderr, /line 3: rate_per_min must not be negative/);
      assert.equal(await t.store.tariffExists('half'), false);
    });

    it('imports a deck version with --effective: shows the diff first, writes only with --yes', async () => {
      await t.seedRate({ tariff: 'v', prefix: '44', rate: '0.05', description: 'UK' });
      await t.seedRate({ tariff: 'v', prefix: '33', rate: '0.07', description: 'France' });
      const deck = file('v2.csv', ['Code;Destination;Rate', '44;UK;0,055', '4930;Berlin;0,01']);
      const args = ['rate', 'import', deck, '--tariff', 'v', '--effective', '2030-01-01 00:00'];
      const dry = await cli(...args, '--dry-run');
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(
        dry.stdout,
        /tariff v: version effective 2030-01-01T00:00:00.000Z takes over from the version in force since always/,
      );
      assert.match(dry.stdout, /\+ 4930 .*0\.01\/min.*Berlin/);
      assert.match(dry.stdout, /~ 44 .*0\.05\/min.* → 0\.055\/min.*\(\+0\.005\/min, \+10\.0%\)/);
      assert.match(dry.stdout, /- 33 .*France/);
      assert.match(
        dry.stdout,
        /added 1, changed 1, removed 1, unchanged 0\ndry run: nothing written/,
      );
      const unconfirmed = await cli(...args);
      assert.equal(unconfirmed.code, 2);
      assert.match(unconfirmed.stderr, /nothing written; run again with --yes/);
      assert.equal((await t.store.rateVersions('v')).length, 1);
      const yes = await cli(...args, '--yes');
      assert.equal(yes.code, 0, yes.stderr);
      const versions = parsed<Array<{ effective: string; rates: number; inForce: boolean }>>(
        await cli('rate', 'versions', '--tariff', 'v', '--json'),
      );
      assert.deepEqual(versions, [
        { tariff: 'v', effective: '1970-01-01T00:00:00.000Z', rates: 2, inForce: true },
        { tariff: 'v', effective: '2030-01-01T00:00:00.000Z', rates: 2, inForce: false },
      ]);
      assert.equal(
        (await t.store.rateFor('v', '4930123', new Date('2030-01-01T00:00:01Z')))?.prefix,
        '4930',
      );
    });
  });
});
