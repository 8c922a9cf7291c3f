/**
 * The markdown of an `--against` run: per offered rate, each measurement for the base ref and for
 * this checkout with their ratio, and the targets next to what this checkout measured.
 */
import type { AgainstResult, SideResult } from './against.js';
import type { StepResult } from './load.js';

interface Row {
  name: string;
  base: number | null;
  head: number | null;
  digits: number;
  /** Target on the ratio head/base or on head's own value, for the verdict column. */
  target?: { ratio?: number; max?: number };
}

const weighted = (steps: StepResult[], f: (s: StepResult) => number | null): number | null => {
  let sum = 0;
  let n = 0;
  for (const s of steps) {
    const v = f(s);
    if (v === null) continue;
    sum += v * s.placed;
    n += s.placed;
  }
  return n > 0 ? sum / n : null;
};
const mean = (xs: number[]): number | null =>
  xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;

function rowsFor(rate: number, base: SideResult, head: SideResult): Row[] {
  const b = base.steps.filter((s) => s.offeredPerSecond === rate);
  const h = head.steps.filter((s) => s.offeredPerSecond === rate);
  const both = (
    name: string,
    f: (s: StepResult[]) => number | null,
    digits: number,
    target?: Row['target'],
  ): Row => ({
    name,
    base: f(b),
    head: f(h),
    digits,
    target,
  });
  const last = (s: StepResult[]): StepResult | undefined => s[s.length - 1];
  return [
    both('completed calls/s', (s) => mean(s.map((x) => x.completedPerSecond)), 1),
    both('failed calls', (s) => s.reduce((a, x) => a + x.failed, 0), 0),
    both('daemon CPU ms per call', (s) => weighted(s, (x) => x.daemonCpuMsPerCall), 2, {
      ratio: 0.4,
    }),
    both('database CPU ms per call (whole server)', (s) => weighted(s, (x) => x.dbCpuMsPerCall), 2),
    both('daemon event-loop utilisation %', (s) => mean(s.map((x) => x.daemonElu * 100)), 0),
    both('set-up p50 ms', (s) => mean(s.map((x) => x.latency.p50 / 1000)), 2),
    both('set-up p99 ms', (s) => mean(s.map((x) => x.latency.p99 / 1000)), 2),
    both('SQL round trips per call', (s) => last(s)?.perCall.sqlRoundTrips ?? null, 2, { max: 3 }),
    both('SQL statements per call', (s) => last(s)?.perCall.sqlTotal ?? null, 2),
    both('ARI REST requests per call', (s) => last(s)?.perCall.restTotal ?? null, 2, { max: 7 }),
    both('ARI events per call', (s) => last(s)?.perCall.events ?? null, 1),
  ];
}

function scaleRows(base: SideResult, head: SideResult): Row[] {
  if (!base.scale || !head.scale) return [];
  const top = (s: SideResult) => s.scale!.levels[s.scale!.levels.length - 1];
  return [
    {
      name: 'live calls at the top level',
      base: top(base)?.calls ?? null,
      head: top(head)?.calls ?? null,
      digits: 0,
    },
    {
      name: 'RSS MB at the top level',
      base: top(base)?.rssMB ?? null,
      head: top(head)?.rssMB ?? null,
      digits: 0,
      target: { max: 250 },
    },
    {
      name: 'live heap MB at the top level (after GC)',
      base: top(base)?.heapAfterGcMB ?? null,
      head: top(head)?.heapAfterGcMB ?? null,
      digits: 1,
    },
    {
      name: 'live heap KiB per extra live call',
      base: base.scale.heapPerCallKiB,
      head: head.scale.heapPerCallKiB,
      digits: 2,
      target: { max: 3 },
    },
    {
      name: 'RSS KiB per extra live call',
      base: base.scale.rssPerCallKiB,
      head: head.scale.rssPerCallKiB,
      digits: 2,
    },
  ];
}

function render(rows: Row[]): string[] {
  const f = (v: number | null, d: number) => (v === null ? '?' : v.toFixed(d));
  const out = [
    '| measurement | base | head | head / base | target |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const ratio = r.base !== null && r.head !== null && r.base !== 0 ? r.head / r.base : null;
    let target = '';
    if (r.target?.ratio !== undefined && ratio !== null)
      target = `ratio ≤ ${r.target.ratio}: ${ratio <= r.target.ratio ? 'met' : '**NOT met**'}`;
    if (r.target?.max !== undefined && r.head !== null)
      target = `≤ ${r.target.max}: ${r.head <= r.target.max ? 'met' : '**NOT met**'}`;
    out.push(
      `| ${r.name} | ${f(r.base, r.digits)} | ${f(r.head, r.digits)} | ${ratio === null ? '?' : ratio.toFixed(2)} | ${target} |`,
    );
  }
  return out;
}

export function renderAgainst(r: AgainstResult, header: string[]): string {
  const lines = [
    '# astbill benchmark: side by side',
    '',
    ...header,
    `- base: \`${r.ref}\` = ${r.sha}; head: ${r.head} (this checkout, uncommitted changes included)`,
    `- ${r.rounds} round(s) of ${r.stepSeconds} s per offered rate, base and head alternating (ABBA); PJSIP-like channels`,
    '',
  ];
  for (const rate of r.rates) {
    lines.push(`## ${rate} calls/s offered`, '', ...render(rowsFor(rate, r.base, r.current)), '');
    const h = r.current.steps.filter((s) => s.offeredPerSecond === rate).at(-1);
    const b = r.base.steps.filter((s) => s.offeredPerSecond === rate).at(-1);
    const kinds = (s: StepResult | undefined, k: 'sql' | 'rest') =>
      s
        ? Object.entries(s.perCall[k])
            .sort((x, y) => y[1] - x[1])
            .map(([n, v]) => `${v} ${n}`)
            .join(', ')
        : '?';
    lines.push(
      `SQL per call, base: ${kinds(b, 'sql')}`,
      '',
      `SQL per call, head: ${kinds(h, 'sql')}`,
      '',
    );
    lines.push(
      `REST per call, base: ${kinds(b, 'rest')}`,
      '',
      `REST per call, head: ${kinds(h, 'rest')}`,
      '',
    );
  }
  const sr = scaleRows(r.base, r.current);
  if (sr.length) lines.push('## Scale (concurrent live calls held up)', '', ...render(sr), '');
  lines.push('## Billing audit (each side, after each part)', '');
  lines.push(
    '| side | part | calls | CDRs | reservations left | open CDRs | accounts wrong | ledger wrong | cost wrong | billsec off > 1 s | missing CDRs |',
  );
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const side of [r.base, r.current])
    for (const { part, audit: a } of side.audits)
      lines.push(
        `| ${side.label} | ${part} | ${a.calls} | ${a.cdrs} | ${a.reservationsLeft} | ${a.openCdrs} | ${a.accountsWrong} | ${a.ledgerWrong} | ${a.costWrong} | ${a.billsecWrong} | ${a.missingCdrs} |`,
      );
  return lines.join('\n') + '\n';
}
