/**
 * /cards and /vouchers: batches of prepaid cards and of voucher codes (admin makes and disables
 * them; support reads them and redeems codes), and POST /vouchers/redeem. A new batch's PINs or
 * codes are in the answer once, as CSV (`csv`, written by csv.ts): only their hashes are stored.
 */
import { batchFields, batchSecrets } from '../../batch-fields.js';
import { csvRows } from '../../csv.js';
import { Nullable, StringEnum, Type } from '../../schema/index.js';
import type { Batch, BatchDetails, BatchKind } from '../../store/batches/index.js';
import type { ApiDeps } from '../deps.js';
import { HttpError, badRequest, notFound } from '../http-error.js';
import { moneyParam } from '../params.js';
import { money } from '../present.js';
import { defineRoute, type Route } from '../route.js';
import { currencySchema, moneySchema } from '../schema.js';

const ITEM_STATES = ['new', 'active', 'depleted', 'expired', 'unused', 'used'] as const;

const batchSchema = Type.Object(
  {
    id: Type.Integer(),
    kind: StringEnum(['card', 'voucher']),
    created: Type.String({ format: 'date-time' }),
    value: Type.String({ description: "each card's opening balance, or each voucher's credit" }),
    currency: Type.String(),
    count: Type.Integer(),
    tariff: Nullable(Type.String()),
    expires: Nullable(Type.String({ format: 'date-time' })),
    validDays: Nullable(
      Type.Integer({ description: 'cards: days of validity from the first call' }),
    ),
    prefix: Type.String(),
    operator: Type.String({ description: 'who made the batch' }),
    state: StringEnum(['active', 'disabled']),
    states: Type.Optional(
      Type.Object(Object.fromEntries(ITEM_STATES.map((s) => [s, Type.Optional(Type.Integer())])), {
        additionalProperties: false,
        description:
          'how many are in each state (cards: new/active/depleted/expired; vouchers: unused/used)',
      }),
    ),
  },
  { additionalProperties: false },
);

const batchParam = { batch: Type.String({ pattern: '^\\d{1,9}$', description: 'batch number' }) };
const expiresField = Type.Optional(
  Type.String({ format: 'date-time', description: 'refused (cards) or unredeemable from then on' }),
);
const prefixField = Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.]{1,40}$' }));
const currencyField = Type.Optional(currencySchema('default EUR'));

const newCardsSchema = Type.Object(
  {
    count: Type.Integer({ minimum: 1, maximum: 10_000 }),
    value: moneySchema('opening balance of each card, > 0'),
    tariff: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,40}$' }),
    expires: expiresField,
    validDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    prefix: prefixField,
    pinLength: Type.Optional(Type.Integer({ minimum: 10, maximum: 20 })),
    currency: currencyField,
  },
  { additionalProperties: false },
);

const newVouchersSchema = Type.Object(
  {
    count: Type.Integer({ minimum: 1, maximum: 10_000 }),
    value: moneySchema('credit of each voucher, > 0'),
    expires: expiresField,
    prefix: prefixField,
    codeLength: Type.Optional(Type.Integer({ minimum: 10, maximum: 20 })),
    currency: currencyField,
  },
  { additionalProperties: false },
);

const createdSchema = Type.Object(
  {
    batch: batchSchema,
    csv: Type.String({ description: 'the PINs (cards) or codes (vouchers), shown this once' }),
  },
  { additionalProperties: false },
);

const redeemSchema = Type.Object(
  {
    account: Type.String({ pattern: '^[A-Za-z0-9_.@+-]{1,80}$' }),
    code: Type.String({ pattern: '^\\d{1,20}$' }),
  },
  { additionalProperties: false },
);

const redeemedSchema = Type.Object(
  {
    credited: Type.Boolean({ description: 'false: this account redeemed this code before' }),
    account: Type.String(),
    amount: Type.String(),
    balance: Type.String({ description: 'the balance right after the redemption' }),
    reference: Type.String({ description: 'the ledger reference, voucher:<id>' }),
  },
  { additionalProperties: false },
);

const present = (b: Batch | BatchDetails) => batchFields(b, money);

function positive(text: string) {
  const v = moneyParam('value', text);
  if (v <= 0n) throw badRequest("'value' must be > 0");
  return v;
}

const expiry = (text: string | undefined) => (text === undefined ? undefined : new Date(text));

/** Why a code credited nothing, as an HTTP answer. */
const REFUSED: Record<string, [number, string]> = {
  unknown: [404, 'no such voucher code'],
  used: [409, 'this voucher was redeemed already'],
  disabled: [410, 'this voucher batch is disabled'],
  expired: [410, 'this voucher has expired'],
  currency: [422, "the voucher's currency is not the account's"],
};

function readRoutes(deps: ApiDeps, kind: BatchKind): Route[] {
  const path = `/${kind}s`;
  const tag = `${kind}s`;
  return [
    defineRoute({
      method: 'GET',
      path,
      operationId: kind === 'card' ? 'listCardBatches' : 'listVoucherBatches',
      summary: `The ${kind} batches`,
      tag,
      role: 'support',
      responses: {
        200: {
          description: 'the batches',
          schema: Type.Object({ batches: Type.Array(batchSchema) }),
        },
      },
      async handler() {
        return { json: { batches: (await deps.store.listBatches(kind)).map(present) } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: `${path}/{batch}`,
      operationId: kind === 'card' ? 'getCardBatch' : 'getVoucherBatch',
      summary: `One ${kind} batch, with how many of its ${kind}s are in each state`,
      tag,
      role: 'support',
      params: batchParam,
      responses: { 200: { description: 'the batch', schema: batchSchema } },
      async handler({ params }) {
        const b = await deps.store.batch(kind, Number(params.batch));
        if (!b) throw notFound(`no ${kind} batch ${params.batch}`);
        return { json: present(b) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: `${path}/{batch}/disable`,
      operationId: kind === 'card' ? 'disableCardBatch' : 'disableVoucherBatch',
      summary:
        kind === 'card'
          ? 'Disable a card batch: its cards are blocked'
          : 'Disable a voucher batch: its unused codes are refused',
      tag,
      role: 'admin',
      params: batchParam,
      responses: { 200: { description: 'the batch after the change', schema: batchSchema } },
      async handler({ params, principal }) {
        return {
          json: present(await deps.store.disableBatch(kind, Number(params.batch), principal.actor)),
        };
      },
    }),
  ];
}

export function batchRoutes(deps: ApiDeps): Route[] {
  const { store } = deps;
  return [
    ...readRoutes(deps, 'card'),
    defineRoute({
      method: 'POST',
      path: '/cards',
      operationId: 'generateCards',
      summary: 'Make a batch of prepaid calling cards (the PINs are in the answer, once)',
      tag: 'cards',
      role: 'admin',
      body: newCardsSchema,
      responses: { 201: { description: 'the batch and its cards as CSV', schema: createdSchema } },
      async handler({ body, principal }) {
        const made = await store.generateCards({
          ...body,
          value: positive(body.value),
          expires: expiry(body.expires),
          operator: principal.actor,
        });
        const { headers, rows } = batchSecrets(made);
        return { status: 201, json: { batch: present(made.batch), csv: csvRows(headers, rows) } };
      },
    }),
    ...readRoutes(deps, 'voucher'),
    defineRoute({
      method: 'POST',
      path: '/vouchers',
      operationId: 'generateVouchers',
      summary: 'Make a batch of single-use voucher codes (the codes are in the answer, once)',
      tag: 'vouchers',
      role: 'admin',
      body: newVouchersSchema,
      responses: { 201: { description: 'the batch and its codes as CSV', schema: createdSchema } },
      async handler({ body, principal }) {
        const made = await store.generateVouchers({
          ...body,
          value: positive(body.value),
          expires: expiry(body.expires),
          operator: principal.actor,
        });
        const { headers, rows } = batchSecrets(made);
        return { status: 201, json: { batch: present(made.batch), csv: csvRows(headers, rows) } };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/vouchers/redeem',
      operationId: 'redeemVoucher',
      summary: 'Credit an account with a voucher code (at most once per code, atomically)',
      tag: 'vouchers',
      role: 'support',
      body: redeemSchema,
      responses: {
        200: {
          description: 'credited, or credited before to this account',
          schema: redeemedSchema,
        },
      },
      async handler({ body, principal }) {
        const r = await store.redeemVoucher(body.account, body.code, 'api', principal.actor);
        if (!r.ok) {
          const [status, message] = REFUSED[r.why]!;
          throw new HttpError(status, message);
        }
        return {
          json: {
            credited: r.credited,
            account: body.account,
            amount: money(r.value),
            balance: money(r.entry.balanceAfter),
            reference: r.entry.reference ?? '',
          },
        };
      },
    }),
  ];
}
