/**
 * What the voucher access number needs from the store (store/tx/redeem-voucher.ts implements
 * it): one code redeemed for one account, at most once, atomically, across every daemon.
 */
import type { Money } from '../rating/index.js';

/** Why a code credited nothing. */
export type VoucherRefusal = 'unknown' | 'used' | 'disabled' | 'expired' | 'currency';

export type VoucherRedemption =
  /** credited false: this account redeemed this very code before (a retry): nothing booked now. */
  | {
      ok: true;
      credited: boolean;
      value: Money;
      currency: string;
      entry: { balanceAfter: Money; reference: string | null };
    }
  | { ok: false; why: VoucherRefusal };

export interface VoucherStore {
  redeemVoucher(
    account: string,
    code: string,
    via: 'api' | 'cli' | 'phone',
  ): Promise<VoucherRedemption>;
}
