import assert from 'node:assert/strict';
import type { Rate } from '../../daemon/src/rating/index.js';
import { forEachDatabase } from '../support/db.js';
import { startHarness, type Harness } from './harness.js';
import { answeredCall, refusedCall, unansweredCall } from './seed-calls.js';

/** Splits RFC 4180 CSV (quoted fields, CRLF) into rows of fields. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  return rows;
}

describe('API /cdrs', () => {
  forEachDatabase((tdb) => {
    let h: Harness;
    let rate: Rate;
    const day = (d: string, hms = '10:00:00') => new Date(`${d}T${hms}.000Z`);
    const ids: Record<string, string> = {};

    before(async () => {
      h = await startHarness(tdb);
      rate = await h.t.seedRate({
        tariff: 'default',
        prefix: '44',
        rate: '0.05',
        connect: '0.10',
        initial: 60,
        increment: 6,
      });
      const alice = await h.t.seedAccount({ name: 'alice', balance: '10' });
      const bob = await h.t.seedAccount({ name: 'bob', balance: '10' });
      ids.a1 = (
        await answeredCall(h.t.store, {
          accountId: alice.id,
          rate,
          dst: '447700900001',
          start: day('2030-05-01'),
          billsec: 95,
        })
      ).uniqueid;
      ids.a2 = (
        await unansweredCall(h.t.store, {
          accountId: alice.id,
          rate,
          dst: '447700900002',
          start: day('2030-05-02'),
          disposition: 'BUSY',
        })
      ).uniqueid;
      ids.b1 = (
        await answeredCall(h.t.store, {
          accountId: bob.id,
          rate,
          dst: '447700900003',
          start: day('2030-05-02', '23:59:59'),
          billsec: 30,
        })
      ).uniqueid;
      ids.r1 = (
        await refusedCall(h.t.store, {
          accountId: null,
          dst: '=cmd|calc',
          start: day('2030-05-03'),
          reason: 'NOACCOUNT',
        })
      ).uniqueid;
    });
    after(async () => h.close());

    it('lists every CDR oldest first, refused attempts included, money as strings', async () => {
      const r = await h.req('GET', '/cdrs');
      assert.equal(r.status, 200);
      assert.equal(r.json.truncated, false);
      assert.deepEqual(
        r.json.cdrs.map((c: { uniqueid: string }) => c.uniqueid),
        [ids.a1, ids.a2, ids.b1, ids.r1],
      );
      const [a1, a2, , r1] = r.json.cdrs;
      assert.deepEqual(
        [a1.disposition, a1.billsec, a1.cost, a1.ratePerMin, a1.connectFee, a1.status],
        ['ANSWERED', 95, '0.18', '0.05', '0.10', 'settled'],
      );
      assert.deepEqual([a2.disposition, a2.cost], ['BUSY', '0.00']);
      assert.deepEqual(
        [r1.disposition, r1.reason, r1.account, r1.cost],
        ['FAILED', 'NOACCOUNT', null, '0.00'],
      );
    });

    it('filters by account', async () => {
      const r = await h.req('GET', '/cdrs?account=bob');
      assert.deepEqual(
        r.json.cdrs.map((c: { uniqueid: string }) => c.uniqueid),
        [ids.b1],
      );
    });

    it('filters by start time: since <= start < until, dates being UTC midnight', async () => {
      const r = await h.req('GET', '/cdrs?since=2030-05-02&until=2030-05-03');
      assert.deepEqual(
        r.json.cdrs.map((c: { uniqueid: string }) => c.uniqueid),
        [ids.a2, ids.b1],
      );
      const t = await h.req(
        'GET',
        `/cdrs?since=${encodeURIComponent('2030-05-02T12:00:00+02:00')}&account=alice`,
      );
      assert.deepEqual(
        t.json.cdrs.map((c: { uniqueid: string }) => c.uniqueid),
        [ids.a2],
      );
    });

    it('says when a limit cut the list', async () => {
      const r = await h.req('GET', '/cdrs?limit=2');
      assert.equal(r.json.cdrs.length, 2);
      assert.equal(r.json.truncated, true);
    });

    it('exports CSV with a header row, exact money and formula-safe text', async () => {
      const r = await h.req('GET', '/cdrs?format=csv&until=2030-05-04');
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type') ?? '', /^text\/csv/);
      assert.equal(r.headers.get('x-astbill-truncated'), 'false');
      const rows = parseCsv(r.text);
      const header = rows[0]!;
      assert.deepEqual(header.slice(0, 6), ['id', 'uniqueid', 'account', 'node', 'src', 'dst']);
      assert.equal(rows.length, 5);
      const col = (row: string[], name: string) => row[header.indexOf(name)];
      assert.equal(col(rows[1]!, 'cost'), '0.18');
      assert.equal(col(rows[1]!, 'account'), 'alice');
      assert.equal(col(rows[4]!, 'dst'), "'=cmd|calc", 'a leading = is defused');
      assert.equal(col(rows[4]!, 'account'), '');
    });

    const bad: Array<[string, RegExp]> = [
      ['/cdrs?since=yesterday', /'since' must be YYYY-MM-DD/],
      ['/cdrs?until=2030-02-30', /'until' must be a date YYYY-MM-DD, got '2030-02-30'/],
      ['/cdrs?since=2030-05-03&until=2030-05-01', /'since' must be before 'until'/],
      ['/cdrs?format=xml', /'format' must be one of json, csv/],
      ['/cdrs?limit=0', /'limit' must be 1\.\.100000/],
      ['/cdrs?limit=-1', /'limit' is not valid/],
      ['/cdrs?account=a%20b', /'account' is not valid/],
      ['/cdrs?acount=alice', /unknown field 'acount'/],
    ];
    for (const [path, message] of bad) {
      it(`answers 400 for ${path}`, async () => {
        const r = await h.req('GET', path);
        assert.equal(r.status, 400, r.text);
        assert.match(r.json.error, message);
      });
    }
  });
});
