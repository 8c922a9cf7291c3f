/**
 * E-mail notifications through the real daemon: a low balance left by a settled call is mailed
 * (the outbox's 'mail' channel, nodemailer) to a real SMTP sink on loopback (smtp-server), with the
 * operator's address, a subject naming the account and the balance as a decimal string. While the
 * SMTP server is down the mail is retried with backoff, not lost; once it is up it arrives ONCE.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { forEachDatabase } from '../support/db.js';
import { quiet, settledCdr, startE2e, talking, waitFor, type E2e } from './harness.js';
import { parseMoney } from '../../daemon/src/rating/index.js';

interface Mail {
  from: string;
  to: string[];
  raw: string;
}

class Sink {
  readonly got: Mail[] = [];
  private server: SMTPServer | null = null;
  /** Listens on `port` (0: any free one); returns the port. */
  async start(port: number): Promise<number> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, session, done) => {
        let raw = '';
        stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
        stream.on('end', () => {
          this.got.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
          });
          done();
        });
      },
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    this.server = server;
    return (server.server.address() as AddressInfo).port;
  }
  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}

describe('e-mail notifications (outbox → SMTP)', function () {
  this.timeout(60_000);
  forEachDatabase((tdb) => {
    let e: E2e;
    const sink = new Sink();
    let port = 0;
    before(async () => {
      // A port known to be free, then left closed: the SMTP server is down at first.
      port = await sink.start(0);
      await sink.stop();
      e = await startE2e(tdb, {
        env: {
          ASTBILL_SMTP_HOST: '127.0.0.1',
          ASTBILL_SMTP_PORT: String(port),
          ASTBILL_MAIL_FROM: 'astbill@example.net',
          ASTBILL_MAIL_TO: 'ops@example.net',
          ASTBILL_MAIL_RETRY_SECONDS: '1',
        },
      });
      await e.t.seedRate({ prefix: '44', rate: '0.60', connect: '0', initial: 60, increment: 60 });
    });
    after(async () => {
      await e?.close();
      await sink.stop();
    });

    it('mails a low balance to the operator, retried while SMTP is down and delivered once when it is up', async () => {
      const a = await e.t.seedAccount({ balance: '1.20' });
      await e.t.store.setCaps(a.name, { lowBalance: parseMoney('1') });
      const call = e.sim.placeCall({ exten: '4412', accountcode: a.name });
      await waitFor('talking', () => talking(e, call.channelId));
      e.advance(60_000);
      e.sim.hangupCaller(call.channelId);
      assert.equal((await settledCdr(e, call.channelId)).cost, parseMoney('0.60'));

      const mailRow = async () =>
        (await e.t.store.listEvents({ account: a.name, channel: 'mail' })).find(
          (ev) => ev.kind === 'low_balance',
        );
      await waitFor('a failed attempt while SMTP is down', async () => {
        const ev = await mailRow();
        return ev !== undefined && ev.attempts >= 1 && ev.state === 'pending' && ev.lastError;
      });
      assert.equal(sink.got.length, 0);

      await sink.start(port);
      await waitFor(
        'the mail marked sent',
        async () => (await mailRow())?.state === 'sent',
        20_000,
      );
      const mine = sink.got.filter((m) => m.raw.includes(a.name));
      assert.equal(mine.length, 1, 'delivered once');
      const [mail] = mine;
      assert.deepEqual([mail!.from, mail!.to], ['astbill@example.net', ['ops@example.net']]);
      const subject = /^Subject: (.*)$/m.exec(mail!.raw)?.[1] ?? '';
      assert.match(subject, new RegExp(`low balance: ${a.name} has 0\\.60 \\(below 1\\.00\\)`));
      assert.ok((await mailRow())!.attempts >= 2, 'retried');

      // The same event as a webhook row stays apart (no webhook configured: still pending).
      const hook = await e.t.store.listEvents({ account: a.name, channel: 'webhook' });
      assert.deepEqual(
        hook.map((ev) => [ev.kind, ev.state]),
        [['low_balance', 'pending']],
      );
      await quiet(e);
    });
  });
});
