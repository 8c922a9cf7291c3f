/**
 * Settings of `POST /payments` (routes/payments.ts):
 *
 *   ASTBILL_PAYMENT_SECRET          HMAC-SHA256 key the payment provider (or its shim) signs with;
 *                                   unset: POST /payments answers 404. At least 16 characters,
 *                                   never the example placeholder, never logged.
 *   ASTBILL_PAYMENT_WINDOW_SECONDS  how far X-Astbill-Timestamp may be from now (default 300):
 *                                   an older signed request is refused (replay window).
 */
import { ConfigError, intSetting, type SettingSource } from '../config-values.js';

export interface PaymentConfig {
  secret: string;
  windowSeconds: number;
}

export function loadPaymentConfig(src: SettingSource): PaymentConfig | null {
  const windowSeconds = intSetting(src, 'ASTBILL_PAYMENT_WINDOW_SECONDS', 300, 10, 86_400);
  const secret = src.ASTBILL_PAYMENT_SECRET;
  if (!secret) return null;
  if (secret.length < 16)
    throw new ConfigError('ASTBILL_PAYMENT_SECRET', 'must be at least 16 characters');
  return { secret, windowSeconds };
}
