/**
 * ari-client's swagger-client prints a deprecation notice with console.log at every connect;
 * the daemon's logs are JSON lines, so the ARI connection drops exactly that message.
 */
import assert from 'node:assert/strict';
import { quietSwagger } from '../../daemon/src/ari/quiet-swagger.js';
import { forEachDatabase } from '../support/db.js';
import { startE2e } from '../e2e/harness.js';

const NOTICE =
  'This API is using a deprecated version of Swagger!  Please see http://github.com/wordnik/swagger-core/wiki for more info';

function captureConsole(): { lines: unknown[][]; restore(): void } {
  const original = console.log;
  const lines: unknown[][] = [];
  console.log = (...args: unknown[]) => void lines.push(args);
  return { lines, restore: () => void (console.log = original) };
}

describe('the swagger deprecation notice', function () {
  this.timeout(20_000);

  it('is dropped while connecting; every other console.log passes, and console.log is restored after', async () => {
    const cap = captureConsole();
    const patched = console.log;
    try {
      await quietSwagger(async () => {
        console.log([NOTICE]);
        console.log(NOTICE);
        console.log('something else', 1);
        await Promise.all([
          quietSwagger(async () => console.log([NOTICE])),
          quietSwagger(async () => undefined),
        ]);
      });
      assert.equal(console.log, patched, 'restored after the last overlapping call');
      console.log([NOTICE]);
    } finally {
      cap.restore();
    }
    assert.deepEqual(cap.lines, [['something else', 1], [[NOTICE]]]);
  });

  forEachDatabase((tdb) => {
    it('never reaches stdout when the daemon connects to ARI', async () => {
      const cap = captureConsole();
      let e;
      try {
        e = await startE2e(tdb);
      } finally {
        cap.restore();
      }
      await e.close();
      const printed = cap.lines.map((args) => JSON.stringify(args));
      assert.ok(
        !printed.some((l) => l.includes('deprecated version of Swagger')),
        printed.join('\n'),
      );
    });
  });
});
