/**
 * The 'mail' channel of the outbox (delivered by the one loop, ./outbox-worker.ts): each event is
 * one plain-text mail to the operator's addresses, sent with nodemailer over SMTP. A send the
 * server does not accept (refused, down, timed out) throws and is retried with backoff; the
 * Message-ID is derived from the event's key, so a receiving system can drop a repeat if one ever
 * arrives (a crash between the server's accept and the 'sent' mark). The password never reaches
 * a log: errors are logged by their message only.
 */
import nodemailer from 'nodemailer';
import type { OutboxEvent } from '../store/outbox.js';
import type { MailConfig } from './mail-config.js';
import type { Transport } from './outbox-worker.js';

const TIMEOUT_MS = 20_000;

const SUBJECTS: Record<string, (p: Record<string, unknown>) => string> = {
  low_balance: (p) => `low balance: ${s(p.account)} has ${s(p.balance)} (below ${s(p.threshold)})`,
  credit_exhausted: (p) => `credit exhausted: ${s(p.account)} has ${s(p.balance)}`,
  large_topup: (p) => `payment received: ${s(p.amount)} for ${s(p.account)}`,
  'account.auto_blocked': (p) =>
    `account blocked automatically: ${s(p.account)} (${s(p.trigger)}: ${s(p.measured)} over ${s(p.threshold)})`,
  'card.expired': (p) => `calling card expired: ${s(p.account)}`,
};

function s(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
}

/** Subject and body of an event's mail (amounts are the payload's decimal strings). */
export function mailOf(e: OutboxEvent): { subject: string; text: string } {
  const subject = `[astbill] ${SUBJECTS[e.kind]?.(e.payload) ?? e.kind}`;
  const lines = Object.entries(e.payload).map(
    ([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`,
  );
  return { subject, text: `${lines.join('\n')}\n\nevent ${e.key}\n` };
}

export function mailTransport(config: MailConfig): Transport & { close(): void } {
  const smtp = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure,
    ...(config.auth ? { auth: config.auth } : {}),
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
    logger: false,
  });
  return {
    channel: 'mail',
    maxAttempts: config.maxAttempts,
    retrySeconds: config.retrySeconds,
    timeoutMs: 3 * TIMEOUT_MS,
    async send(e: OutboxEvent) {
      const { subject, text } = mailOf(e);
      await smtp.sendMail({
        from: config.from,
        to: config.to,
        subject,
        text,
        messageId: `<${e.key}@astbill>`,
        headers: { 'X-Astbill-Event': e.kind },
      });
    },
    close: () => smtp.close(),
  };
}
