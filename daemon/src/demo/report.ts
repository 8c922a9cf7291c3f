/** The demo's final printout: CDR and balance tables plus the verdict, for people or as JSON. */
import { jsonMoney, showMoney, table } from '../cli/format.js';
import { endReason, type AccountResult, type CallResult, type Verdict } from './verify.js';

export interface DemoResult {
  fast: boolean;
  database: string;
  daemonLog: string;
  runtimeMs: number;
  calls: CallResult[];
  accounts: AccountResult[];
  reservationsLeft: number;
  verdict: Verdict;
  /** Warnings and errors the daemon logged (they are in the daemon log). */
  daemonWarnings: number;
}

/** The charge by time band of each banded call (CDR band_split): how its cost came about. */
function bandLines(r: DemoResult): string[] {
  const lines = r.calls.flatMap((c) =>
    c.cdrs
      .filter((cdr) => cdr.bandSplit && cdr.bandSplit.length > 0)
      .map(
        (cdr) =>
          `${c.call.id}: ${cdr.bandSplit!.map((b) => `${b.band} ${b.seconds} s ${showMoney(b.cost)}`).join(' + ')} = ${showMoney(cdr.cost)}`,
      ),
  );
  return lines.length ? ['Time bands (astcdr.band_split)', ...lines, ''] : [];
}

export function renderHuman(r: DemoResult): string {
  const cdrRows = r.calls.flatMap((c) =>
    c.cdrs.length === 0
      ? [
          [
            c.call.id,
            c.call.account,
            '',
            c.call.phone.exten,
            'no CDR',
            '',
            '',
            '',
            '',
            endReason(c),
          ],
        ]
      : c.cdrs.map((cdr) => [
          c.call.id,
          cdr.account ?? '',
          cdr.src,
          cdr.dst,
          cdr.disposition ?? cdr.status,
          cdr.billsec,
          showMoney(cdr.cost),
          cdr.trunk ?? '',
          cdr.margin === null || cdr.margin === undefined ? '' : showMoney(cdr.margin),
          endReason({ ...c, cdrs: [cdr] }),
        ]),
  );
  const balanceRows = r.accounts.map((a) => [
    a.name,
    showMoney(a.start),
    showMoney(a.charged),
    showMoney(a.end),
  ]);
  const lines = [
    '',
    'CDRs (astcdr)',
    table(
      [
        'call',
        'account',
        'src',
        'dst',
        'disposition',
        'billsec',
        'cost',
        'trunk',
        'margin',
        'reason',
      ],
      cdrRows,
    ),
    ...bandLines(r),
    'Balances (astaccount)',
    table(['account', 'start', 'charged', 'end'], balanceRows),
  ];
  if (r.daemonWarnings > 0)
    lines.push(`the daemon logged ${r.daemonWarnings} warning(s)/error(s): see ${r.daemonLog}\n`);
  lines.push(`${r.verdict.ok ? 'OK' : 'FAILED'}: ${r.verdict.line}`);
  for (const p of r.verdict.problems.slice(1)) lines.push(`  ${p}`);
  lines.push(
    `(${(r.runtimeMs / 1000).toFixed(1)} s) Look around: ASTBILL_DB=sqlite:${r.database} npx astbill cdr   (or: account list)`,
    `daemon log: ${r.daemonLog}`,
    '',
  );
  return lines.join('\n');
}

/** The --json document: money as exact decimal strings (5 places), times as ISO strings. */
export function renderJson(r: DemoResult): unknown {
  return {
    ok: r.verdict.ok,
    verdict: r.verdict.line,
    problems: r.verdict.problems,
    fast: r.fast,
    runtimeMs: r.runtimeMs,
    database: r.database,
    daemonLog: r.daemonLog,
    daemonWarnings: r.daemonWarnings,
    reservationsLeft: r.reservationsLeft,
    calls: r.calls.map((c) => {
      const cdr = c.cdrs.at(-1);
      return {
        id: c.call.id,
        title: c.call.title,
        expected: { account: c.call.account, ...c.call.expect },
        uniqueid: c.channelId,
        cdrCount: c.cdrs.length,
        account: cdr?.account ?? null,
        src: cdr?.src ?? null,
        dst: cdr?.dst ?? c.call.phone.exten,
        disposition: cdr?.disposition ?? null,
        reason: cdr?.reason ?? null,
        status: cdr?.status ?? null,
        billsec: cdr?.billsec ?? null,
        maxSeconds: cdr?.maxSeconds ?? null,
        cost: cdr ? jsonMoney(cdr.cost) : null,
        trunk: cdr?.trunk ?? null,
        buyCost:
          cdr?.buyCost === null || cdr?.buyCost === undefined ? null : jsonMoney(cdr.buyCost),
        margin: cdr?.margin === null || cdr?.margin === undefined ? null : jsonMoney(cdr.margin),
        attempts: c.attempts.map((a) => ({
          trunk: a.trunk,
          outcome: a.outcome,
          cause: a.cause,
          sip: a.techCause,
        })),
        ended: endReason(c),
        answer: cdr?.answer?.toISOString() ?? null,
        end: cdr?.end?.toISOString() ?? null,
        bandSplit:
          cdr?.bandSplit?.map((b) => ({
            band: b.band,
            seconds: b.seconds,
            cost: jsonMoney(b.cost),
          })) ?? null,
      };
    }),
    balances: r.accounts.map((a) => ({
      account: a.name,
      start: jsonMoney(a.start),
      charged: jsonMoney(a.charged),
      end: jsonMoney(a.end),
      reserved: jsonMoney(a.reserved),
    })),
  };
}
