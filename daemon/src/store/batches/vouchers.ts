/**
 * Voucher (refill code) batches: N single-use codes of one value, made in ONE transaction. Codes
 * come from the CSPRNG, are unique across every voucher, and are stored only as their keyed hash
 * (the PIN key, with a 'voucher:' domain so that a code and a PIN never share a hash). The plain
 * codes are returned once. Redemption: ../tx/redeem-voucher.ts.
 */
import { CURRENCY, formatMoney, type Money } from '../../rating/index.js';
import type { Db } from '../db.js';
import { StoreError, amountProblem } from '../errors.js';
import { recordAudit, type Actor } from '../operators/audit.js';
import type { PinHasher } from '../pin.js';
import { toDbTime } from '../time.js';
import { batchById, insertBatch, type Batch } from './batch-records.js';
import { MAX_BATCH, prefixProblem } from './cards.js';
import { uniqueSecrets } from './secrets.js';

export interface NewVoucherBatch {
  count: number;
  value: Money;
  currency?: string | undefined;
  expires?: Date | null | undefined;
  /** A label for the batch (default 'voucher'). */
  prefix?: string | undefined;
  /** Digits per code; default 14, 10..20. */
  codeLength?: number | undefined;
  operator: Actor;
}

export interface VoucherBatch {
  batch: Batch;
  /** The only time the codes exist in plain text. */
  codes: string[];
}

export const DEFAULT_CODE_LENGTH = 14;
const CHUNK = 500;

/** The hash a voucher code is stored and looked up by. */
export const voucherHash = (hashPin: PinHasher, code: string): string => hashPin(`voucher:${code}`);

export async function generateVouchers(
  db: Db,
  v: NewVoucherBatch,
  hashPin: PinHasher,
  now: Date = new Date(),
): Promise<VoucherBatch> {
  const length = v.codeLength ?? DEFAULT_CODE_LENGTH;
  const problem = [
    !Number.isInteger(v.count) || v.count < 1 || v.count > MAX_BATCH
      ? `count must be 1..${MAX_BATCH}`
      : undefined,
    v.value <= 0n ? 'a voucher value must be > 0' : amountProblem('value', v.value),
    !Number.isInteger(length) || length < 10 || length > 20
      ? 'a voucher code must be 10 to 20 digits'
      : undefined,
    v.expires && v.expires.getTime() <= now.getTime()
      ? 'the expiry must be in the future'
      : undefined,
    v.currency !== undefined && !CURRENCY.test(v.currency)
      ? 'currency must be a 3-letter code such as EUR'
      : undefined,
    prefixProblem(v.prefix ?? 'voucher'),
  ].find((p) => p !== undefined);
  if (problem) throw new StoreError('INVALID', problem);
  const currency = v.currency ?? 'EUR';
  const hash = (code: string) => voucherHash(hashPin, code);
  return db.tx(async (trx) => {
    const codes = await uniqueSecrets(
      v.count,
      length,
      hash,
      async (hashes) =>
        new Set(
          (
            (await trx('astvoucher').whereIn('code_hash', hashes).select('code_hash')) as Array<{
              code_hash: string;
            }>
          ).map((r) => r.code_hash),
        ),
    );
    const id = await insertBatch(trx, {
      kind: 'voucher',
      created: now,
      value: v.value,
      currency,
      count: v.count,
      tariff: null,
      expires: v.expires ?? null,
      validDays: null,
      prefix: v.prefix ?? 'voucher',
      operator: v.operator,
    });
    for (let i = 0; i < codes.length; i += CHUNK) {
      await trx('astvoucher').insert(
        codes.slice(i, i + CHUNK).map((c) => ({ batch_id: id, code_hash: c.hash })),
      );
    }
    await recordAudit(trx, {
      actor: v.operator,
      action: 'vouchers.generate',
      target: `batch:${id}`,
      before: null,
      after: {
        count: v.count,
        value: formatMoney(v.value),
        currency,
        expires: v.expires ? toDbTime(v.expires) : null,
      },
      at: now,
    });
    return { batch: (await batchById(trx, 'voucher', id))!, codes: codes.map((c) => c.plain) };
  });
}
