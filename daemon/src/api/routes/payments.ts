/**
 * POST /payments: a payment provider's (or a shim's) notice that money was paid for an account.
 * Not under the bearer token: authenticated by X-Astbill-Signature = "sha256=" + hex
 * HMAC-SHA256(ASTBILL_PAYMENT_SECRET, X-Astbill-Timestamp + "." + raw body), the timestamp within
 * ASTBILL_PAYMENT_WINDOW_SECONDS of now. Idempotent by the payment's reference (a unique ledger
 * key): the same notice again credits nothing and answers what the first booked. The format is
 * documented in docs/payments.md.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Type } from '../../schema/index.js';
import type { ApiDeps } from '../deps.js';
import { HttpError, badRequest, notFound } from '../http-error.js';
import { moneyParam } from '../params.js';
import { money } from '../present.js';
import { defineRoute, type Route } from '../route.js';
import { currencySchema, moneySchema, validate } from '../schema.js';

const paymentSchema = Type.Object(
  {
    reference: Type.String({
      pattern: '^[A-Za-z0-9_.:-]{1,120}$',
      description: "the provider's unique payment id",
    }),
    account: Type.String({ pattern: '^[A-Za-z0-9_.@+-]{1,80}$' }),
    amount: moneySchema('amount paid, > 0'),
    currency: currencySchema("must be the account's currency"),
  },
  { additionalProperties: false },
);

const answerSchema = Type.Object(
  {
    credited: Type.Boolean({ description: 'false: this reference was already booked (a replay)' }),
    reference: Type.String(),
    account: Type.String(),
    amount: Type.String(),
    balance: Type.String({ description: 'the balance right after this payment was booked' }),
  },
  { additionalProperties: false },
);

const unauthorised = (why: string) => new HttpError(401, why);

function verify(
  secret: string,
  windowSeconds: number,
  headers: Record<string, unknown>,
  body: string,
) {
  const ts = String(headers['x-astbill-timestamp'] ?? '');
  const sig = String(headers['x-astbill-signature'] ?? '');
  if (!/^\d{1,12}$/.test(ts)) throw unauthorised('X-Astbill-Timestamp (unix seconds) is missing');
  if (Math.abs(Date.now() / 1000 - Number(ts)) > windowSeconds)
    throw unauthorised('X-Astbill-Timestamp is outside the replay window');
  const want = Buffer.from(
    'sha256=' + createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex'),
  );
  const got = Buffer.from(sig);
  if (got.length !== want.length || !timingSafeEqual(got, want))
    throw unauthorised('X-Astbill-Signature does not match the body');
}

export function paymentRoutes(deps: ApiDeps): Route[] {
  const { store } = deps;
  return [
    defineRoute({
      method: 'POST',
      path: '/payments',
      operationId: 'postPayment',
      summary: 'Book a payment (signed webhook; idempotent by reference)',
      description: 'No bearer token: signed with ASTBILL_PAYMENT_SECRET, see docs/payments.md.',
      tag: 'accounts',
      signedBody: true,
      responses: { 200: { description: 'booked, or already booked', schema: answerSchema } },
      async handler({ raw, rawBody }) {
        const cfg = deps.payments;
        if (!cfg) throw notFound('payments are not configured (ASTBILL_PAYMENT_SECRET)');
        const text = rawBody ?? '';
        verify(cfg.secret, cfg.windowSeconds, raw.headers, text);
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          throw badRequest('the body is not valid JSON');
        }
        const p = validate(paymentSchema, parsed);
        const amount = moneyParam('amount', p.amount);
        if (amount <= 0n) throw badRequest("'amount' must be > 0");
        const account = await store.accountDetails(p.account);
        if (!account) throw notFound(`no account '${p.account}'`);
        if (account.currency !== p.currency)
          throw new HttpError(
            422,
            `account ${p.account} is in ${account.currency}, not ${p.currency}`,
          );
        const reference = `payment:${p.reference}`;
        const answer = (credited: boolean, balance: bigint) => ({
          json: {
            credited,
            reference: p.reference,
            account: p.account,
            amount: money(amount),
            balance: money(balance),
          },
        });
        const booked = await store.topupByReference(p.account, amount, reference);
        if (booked.entry.accountId !== account.id || booked.entry.amount !== amount)
          throw new HttpError(409, `payment ${p.reference} was already booked with other details`);
        return answer(booked.credited, booked.entry.balanceAfter);
      },
    }),
  ];
}
