/** /accounts: list, create, show, top up, block and unblock prepaid accounts. */
import { Nullable, Type } from '../../schema/index.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../http-error.js';
import { moneyParam } from '../params.js';
import { accountSchema, ledgerSchema, presentAccount, presentLedger } from '../present.js';
import { defineRoute, type Route } from '../route.js';
import { currencySchema, moneySchema } from '../schema.js';

/** An account's limits, shared with POST /accounts/{name}/limits (routes/account-limits.ts). */
export const maxCallsSchema = Nullable(
  Type.Integer({
    minimum: 0,
    maximum: 100_000,
    description: 'simultaneous calls allowed (null: unlimited)',
  }),
);
export const maxCallSecondsSchema = Nullable(
  Type.Integer({
    minimum: 1,
    maximum: 86_400,
    description: "longest call in seconds (null: the daemon's default)",
  }),
);

const nameParam = {
  name: Type.String({ pattern: '^[A-Za-z0-9_.@+-]{1,80}$', description: 'account name' }),
};

const newAccountSchema = Type.Object(
  {
    name: Type.String({
      pattern: '^[A-Za-z0-9_.@+-]{1,80}$',
      description: "1-80 letters, digits or _ . @ + - (the phone endpoint's accountcode)",
    }),
    balance: Type.Optional(
      moneySchema('opening balance, default 0 (booked in the ledger as a top-up)'),
    ),
    creditLimit: Type.Optional(moneySchema('how far the balance may go below zero, default 0')),
    pin: Type.Optional(
      Type.String({
        pattern: '^\\d{4,20}$',
        description:
          'calling-card PIN, ASTBILL_PIN_MIN_LENGTH (default 6) to 20 digits (stored only as a keyed hash)',
      }),
    ),
    anis: Type.Optional(
      Type.Array(Type.String({ pattern: '^\\+?\\d{1,39}$', description: 'caller ID number' }), {
        maxItems: 100,
        description: 'caller IDs that identify the account',
      }),
    ),
    tariff: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_.-]{1,40}$',
        description: "tariff name, default 'default'; it must have at least one rate",
      }),
    ),
    currency: Type.Optional(currencySchema('ISO 4217 code, default EUR')),
    maxCalls: Type.Optional(maxCallsSchema),
    maxCallSeconds: Type.Optional(maxCallSecondsSchema),
  },
  { additionalProperties: false },
);

const topupSchema = Type.Object(
  {
    amount: moneySchema('amount to credit, > 0'),
    reference: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 150,
        description: 'payment reference; the same reference cannot be booked twice (safe retries)',
      }),
    ),
    note: Type.Optional(Type.String({ maxLength: 255, description: 'free text for the ledger' })),
  },
  { additionalProperties: false },
);

export function accountRoutes(deps: ApiDeps): Route[] {
  const { store } = deps;
  return [
    defineRoute({
      method: 'GET',
      path: '/accounts',
      operationId: 'listAccounts',
      summary: 'List all accounts with balances and live call counts',
      tag: 'accounts',
      responses: {
        200: {
          description: 'the accounts, by name',
          schema: Type.Object({ accounts: Type.Array(accountSchema) }),
        },
      },
      async handler() {
        return { json: { accounts: (await store.listAccounts()).map(presentAccount) } };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/accounts',
      operationId: 'createAccount',
      summary: 'Create a prepaid account',
      tag: 'accounts',
      body: newAccountSchema,
      responses: { 201: { description: 'the account as created', schema: accountSchema } },
      async handler({ body: b, principal }) {
        const created = await store.addAccount(
          {
            name: b.name,
            balance: b.balance !== undefined ? moneyParam('balance', b.balance) : 0n,
            creditLimit:
              b.creditLimit !== undefined ? moneyParam('creditLimit', b.creditLimit) : undefined,
            pin: b.pin,
            anis: b.anis,
            tariff: b.tariff,
            currency: b.currency,
            maxCalls: b.maxCalls,
            maxSeconds: b.maxCallSeconds,
          },
          principal.actor,
        );
        return {
          status: 201,
          json: presentAccount(created),
          headers: { location: `/accounts/${encodeURIComponent(created.name)}` },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/accounts/{name}',
      operationId: 'getAccount',
      summary: 'Show one account',
      tag: 'accounts',
      params: nameParam,
      responses: { 200: { description: 'the account', schema: accountSchema } },
      async handler({ params }) {
        const a = await store.accountDetails(params.name);
        if (!a) throw notFound(`no account '${params.name}'`);
        return { json: presentAccount(a) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/accounts/{name}/ledger',
      operationId: 'getLedger',
      summary: "An account's ledger: every top-up, charge and adjustment with the balance after it",
      tag: 'accounts',
      params: nameParam,
      responses: {
        200: {
          description: 'ledger entries, oldest first',
          schema: Type.Object({ entries: Type.Array(ledgerSchema) }),
        },
      },
      async handler({ params }) {
        const a = await store.accountDetails(params.name);
        if (!a) throw notFound(`no account '${params.name}'`);
        return {
          json: { entries: (await store.ledger(a.id)).map((e) => presentLedger(e, a.name)) },
        };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/accounts/{name}/topup',
      operationId: 'topupAccount',
      summary: 'Credit an account (one ledger entry, in one transaction)',
      tag: 'accounts',
      params: nameParam,
      body: topupSchema,
      role: 'support',
      responses: {
        200: {
          description: 'the ledger entry and the account after the top-up',
          schema: Type.Object({ entry: ledgerSchema, account: accountSchema }),
        },
      },
      async handler({ params, body, principal }) {
        const amount = moneyParam('amount', body.amount);
        const entry = await store.topup(params.name, amount, {
          reference: body.reference,
          note: body.note,
          actor: principal.actor,
        });
        const account = (await store.accountDetails(params.name))!;
        return {
          json: { entry: presentLedger(entry, account.name), account: presentAccount(account) },
        };
      },
    }),
    ...(['block', 'unblock'] as const).map((action) =>
      defineRoute({
        method: 'POST',
        path: `/accounts/{name}/${action}`,
        operationId: `${action}Account`,
        summary:
          action === 'block'
            ? 'Block an account: new calls are refused (calls in progress go on)'
            : 'Unblock an account',
        tag: 'accounts',
        params: nameParam,
        role: 'support',
        responses: {
          200: { description: 'the account after the change', schema: accountSchema },
        },
        async handler({ params, principal }) {
          await store.setAccountStatus(
            params.name,
            action === 'block' ? 'blocked' : 'active',
            principal.actor,
          );
          return { json: presentAccount((await store.accountDetails(params.name))!) };
        },
      }),
    ),
    defineRoute({
      method: 'POST',
      path: '/accounts/{name}/pin',
      operationId: 'resetPin',
      summary: 'Set a new calling-card PIN for an account, or remove it (pin: null)',
      tag: 'accounts',
      params: nameParam,
      role: 'support',
      body: Type.Object(
        {
          pin: Nullable(
            Type.String({ pattern: '^\\d{4,20}$', description: 'the new PIN; null removes it' }),
          ),
        },
        { additionalProperties: false },
      ),
      responses: {
        200: { description: 'the account after the change', schema: accountSchema },
      },
      async handler({ params, body, principal }) {
        await store.resetPin(params.name, body.pin, principal.actor);
        return { json: presentAccount((await store.accountDetails(params.name))!) };
      },
    }),
  ];
}
