/** How `astbill rate import --effective` shows what a new deck version changes. */
import { changePerMille, type Rate } from '../rating/index.js';
import type { VersionDiff } from '../store/rate-versions.js';
import { showMoney } from './format.js';

const blocks = (r: Rate) =>
  `${r.initialSecs}/${r.incrementSecs}${r.minSecs ? ` min ${r.minSecs}s` : ''}`;

const priced = (r: Rate) =>
  `${showMoney(r.ratePerMin)}/min, connect ${showMoney(r.connectFee)}, ${blocks(r)}`;

function perMille(p: bigint | null): string {
  if (p === null) return 'from 0';
  const sign = p < 0n ? '-' : '+';
  const a = p < 0n ? -p : p;
  return `${sign}${a / 10n}.${a % 10n}%`;
}

/** One block per tariff: + added, ~ changed (with the price change), - removed, and the counts. */
export function showDiffs(diffs: readonly VersionDiff[]): string {
  const lines: string[] = [];
  for (const d of diffs) {
    const from =
      d.replaces === null
        ? 'no earlier version'
        : d.replaces.getTime() === 0
          ? 'the version in force since always'
          : `the version of ${d.replaces.toISOString()}`;
    lines.push(
      `tariff ${d.tariff}: version effective ${d.effective.toISOString()} takes over from ${from}`,
    );
    for (const r of d.added)
      lines.push(`  + ${r.prefix.padEnd(12)} ${priced(r)}  ${r.description}`);
    for (const c of d.changed) {
      const delta = c.delta < 0n ? `-${showMoney(-c.delta)}` : `+${showMoney(c.delta)}`;
      lines.push(
        `  ~ ${c.after.prefix.padEnd(12)} ${priced(c.before)} → ${priced(c.after)} (${delta}/min, ${perMille(changePerMille(c))})  ${c.after.description}`,
      );
    }
    for (const r of d.removed)
      lines.push(`  - ${r.prefix.padEnd(12)} ${priced(r)}  ${r.description}`);
    lines.push(
      `  added ${d.added.length}, changed ${d.changed.length}, removed ${d.removed.length}, unchanged ${d.unchanged}`,
    );
  }
  return lines.join('\n') + '\n';
}
