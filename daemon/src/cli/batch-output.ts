/**
 * What `astbill cards` and `astbill vouchers` share: the expiry argument, how a batch is shown
 * (table, JSON), and the one-time CSV of the new PINs or codes (stdout, or `--out FILE` written
 * with mode 0600 and never overwritten: the secrets exist nowhere else).
 */
import { writeFileSync } from 'node:fs';
import { batchFields } from '../batch-fields.js';
import { csvRows } from '../csv.js';
import type { Batch, BatchDetails } from '../store/batches/index.js';
import { UsageError } from './command.js';
import { jsonMoney, out, outList, showMoney, showTime } from './format.js';

/** `--expires 2031-01-31` (the end of that UTC day) or a date-time (UTC unless it names a zone). */
export function expiresArg(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  const day = /^\d{4}-\d{2}-\d{2}$/.test(t);
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(t);
  const d = new Date(day ? `${t}T23:59:59.999Z` : zoned ? t : `${t.replace(' ', 'T')}Z`);
  if (Number.isNaN(d.getTime()))
    throw new UsageError(`--expires: '${text}' is not a date such as 2031-01-31`);
  return d;
}

export const batchJson = (b: Batch | BatchDetails) => batchFields(b, jsonMoney);

export function listBatchesOut(rows: readonly Batch[], asJson: boolean | undefined): void {
  outList(rows, {
    asJson,
    toJson: batchJson,
    headers: [
      'BATCH',
      'CREATED',
      'COUNT',
      'VALUE',
      'CUR',
      'TARIFF',
      'EXPIRES',
      'DAYS',
      'STATE',
      'BY',
    ],
    toRow: (b) => [
      b.id,
      showTime(b.created),
      b.count,
      showMoney(b.value),
      b.currency,
      b.tariff ?? '',
      b.expires ? showTime(b.expires) : '',
      b.validDays ?? '',
      b.state,
      b.operator,
    ],
  });
}

export function showBatchOut(b: BatchDetails, asJson: boolean | undefined): void {
  if (asJson) return out(JSON.stringify(batchJson(b), null, 2) + '\n');
  listBatchesOut([b], false);
  const states = Object.entries(b.states).map(([k, n]) => `${k} ${n}`);
  out(`${b.kind}s: ${states.length > 0 ? states.join(', ') : 'none'}\n`);
}

/** The one time the secrets are shown: CSV on stdout, or into a new file only its owner reads. */
export function secretsOut(
  headers: readonly string[],
  rows: ReadonlyArray<readonly unknown[]>,
  file: string | undefined,
): void {
  const text = csvRows(headers, rows);
  if (file === undefined) return out(text);
  try {
    writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    throw new UsageError(`--out ${file}: ${(err as Error).message}`);
  }
}

export function batchId(text: string | undefined, command: string): number {
  if (text === undefined || !/^\d{1,9}$/.test(text))
    throw new UsageError(`${command}: give the batch number`);
  return Number(text);
}
