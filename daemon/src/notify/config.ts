/**
 * Settings of event delivery (the outbox worker, ./webhook-worker.ts):
 *
 *   ASTBILL_WEBHOOK_URL            where events are POSTed (http/https); unset: events stay in the
 *                                  outbox (`astbill events list`) and nothing is sent.
 *   ASTBILL_WEBHOOK_SECRET         HMAC-SHA256 key of the X-Astbill-Signature header; required with
 *                                  the URL, at least 16 characters, never the example placeholder.
 *   ASTBILL_WEBHOOK_ATTEMPTS       tries before an event is 'dead' (default 8).
 *   ASTBILL_WEBHOOK_RETRY_SECONDS  the first retry's delay; each further one doubles it, up to an
 *                                  hour (default 30).
 */
import { ConfigError, intSetting, type SettingSource } from '../config-values.js';

export interface WebhookConfig {
  url: string;
  secret: string;
  maxAttempts: number;
  retrySeconds: number;
}

export function loadWebhookConfig(src: SettingSource): WebhookConfig | null {
  const url = src.ASTBILL_WEBHOOK_URL?.trim();
  const maxAttempts = intSetting(src, 'ASTBILL_WEBHOOK_ATTEMPTS', 8, 1, 100);
  const retrySeconds = intSetting(src, 'ASTBILL_WEBHOOK_RETRY_SECONDS', 30, 1, 3600);
  if (!url) return null;
  try {
    if (!['http:', 'https:'].includes(new URL(url).protocol)) throw new Error();
  } catch {
    throw new ConfigError('ASTBILL_WEBHOOK_URL', `'${url}' is not an http(s) URL`);
  }
  const secret = src.ASTBILL_WEBHOOK_SECRET ?? '';
  if (secret.length < 16)
    throw new ConfigError(
      'ASTBILL_WEBHOOK_SECRET',
      'must be set (at least 16 characters) when ASTBILL_WEBHOOK_URL is',
    );
  return { url, secret, maxAttempts, retrySeconds };
}
