/** Card and voucher batches: records, generation, expiry (cards), code hashing (vouchers). */
export * from './batch-records.js';
export { generateCards, type CardBatch, type NewCardBatch } from './cards.js';
export {
  generateVouchers,
  voucherHash,
  type NewVoucherBatch,
  type VoucherBatch,
} from './vouchers.js';
