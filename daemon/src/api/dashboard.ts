/**
 * The dashboard's numbers, computed from the database and the daemon's live calls: what GET
 * /dashboard answers and what GET /events pushes. Money is summed as bigint and formatted once.
 */
import { formatMoney, type Money } from '../rating/index.js';
import { Nullable, Type, type Static } from '../schema/index.js';
import type { ApiDeps } from './deps.js';
import { money } from './present.js';

/** Accounts whose available money is below this are listed as near zero (1.00). */
export const NEAR_ZERO: Money = 100_000n;
const DAY_CDRS = 50_000;

const amount = (description: string) => Type.String({ description });

export const dashboardSchema = Type.Object(
  {
    at: Type.String({ format: 'date-time' }),
    liveCalls: Type.Integer({ description: 'calls in progress (all nodes)' }),
    reserved: amount('money reserved by calls in progress'),
    callsPerMinute: Type.Array(Type.Integer(), {
      description: 'calls started in each of the last 60 minutes, oldest first',
    }),
    concurrentCalls: Type.Array(Nullable(Type.Integer()), {
      description:
        'peak calls in progress (all nodes) in each of the last 60 minutes, oldest first; null: not sampled (before this server started)',
    }),
    today: Type.Object(
      {
        attempts: Type.Integer(),
        answered: Type.Integer(),
        asr: Nullable(Type.String({ description: 'answered / attempts, percent, 1 decimal' })),
        acdSeconds: Nullable(Type.Integer({ description: 'average billed seconds of answered' })),
        revenue: amount(
          'sum of call costs since UTC midnight, each in its account currency (see revenueByCurrency)',
        ),
        revenueByCurrency: Type.Array(
          Type.Object(
            {
              currency: Type.String({ description: "the accounts' currency (ISO 4217)" }),
              revenue: amount('sum of the costs of calls by accounts in that currency'),
            },
            { additionalProperties: false },
          ),
          { description: 'revenue since UTC midnight per account currency, by currency' },
        ),
        truncated: Type.Boolean(),
      },
      { additionalProperties: false },
    ),
    nearZero: Type.Array(
      Type.Object(
        { name: Type.String(), available: amount('balance + credit limit - reserved') },
        { additionalProperties: false },
      ),
    ),
    health: Type.Object(
      {
        ari: Type.Boolean(),
        database: Type.Boolean(),
        journalBacklog: Type.Integer(),
        journalOldest: Nullable(
          Type.String({
            format: 'date-time',
            description: 'when the oldest settlement still waiting was journalled (null: none)',
          }),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type Dashboard = Static<typeof dashboardSchema>;

/** A percentage with one decimal from integers, without floating point. */
function percent(part: number, whole: number): string {
  const tenths = Math.round((part * 1000) / whole);
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
}

export async function dashboard(deps: ApiDeps, now = new Date()): Promise<Dashboard> {
  const { store } = deps;
  const database = await store.reachable(1000);
  const midnight = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const hourAgo = new Date(now.getTime() - 3600_000);
  const since = hourAgo < midnight ? hourAgo : midnight;
  const [totals, range, accounts] = await Promise.all([
    store.reservedTotals(),
    store.cdrsInRange({ since, limit: DAY_CDRS }),
    store.listAccounts(),
  ]);
  const perMinute = new Array<number>(60).fill(0);
  let attempts = 0;
  let answered = 0;
  let billsec = 0;
  let revenue = 0n;
  // A call's cost is in its account's currency (a converted call's too): sum per currency.
  const currencyOf = new Map(accounts.map((a) => [a.name, a.currency]));
  const byCurrency = new Map<string, Money>();
  for (const c of range.cdrs) {
    const ago = Math.floor((now.getTime() - c.start.getTime()) / 60_000);
    if (ago >= 0 && ago < 60) perMinute[59 - ago]!++;
    if (c.start < midnight) continue;
    attempts++;
    revenue += c.cost;
    if (c.cost !== 0n) {
      const cur = currencyOf.get(c.account ?? '') ?? 'unknown';
      byCurrency.set(cur, (byCurrency.get(cur) ?? 0n) + c.cost);
    }
    if (c.answer) {
      answered++;
      billsec += c.billsec;
    }
  }
  deps.concurrency?.observe(totals.calls, now.getTime());
  const oldest = deps.status.journalOldest?.() ?? null;
  return {
    at: now.toISOString(),
    liveCalls: totals.calls,
    reserved: money(totals.reserved),
    callsPerMinute: perMinute,
    concurrentCalls: deps.concurrency?.series(now.getTime()) ?? [],
    today: {
      attempts,
      answered,
      asr: attempts > 0 ? percent(answered, attempts) : null,
      acdSeconds: answered > 0 ? Math.round(billsec / answered) : null,
      revenue: formatMoney(revenue, 2),
      revenueByCurrency: [...byCurrency.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([currency, sum]) => ({ currency, revenue: formatMoney(sum, 2) })),
      truncated: range.truncated,
    },
    nearZero: accounts
      .map((a) => ({ name: a.name, available: a.balance + a.creditLimit - a.reserved }))
      .filter((a) => a.available < NEAR_ZERO)
      .sort((a, b) => (a.available < b.available ? -1 : a.available > b.available ? 1 : 0))
      .slice(0, 20)
      .map((a) => ({ name: a.name, available: money(a.available) })),
    health: {
      ari: deps.status.ariConnected(),
      database,
      journalBacklog: Number(await deps.status.journalBacklog()),
      journalOldest: oldest ? oldest.toISOString() : null,
    },
  };
}
