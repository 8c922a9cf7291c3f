/**
 * Settings of e-mail notifications (the outbox's 'mail' channel, ./mail-transport.ts):
 *
 *   ASTBILL_SMTP_HOST            the SMTP server; unset: no e-mail (no mail row is queued).
 *   ASTBILL_SMTP_PORT            default 587 (465 with ASTBILL_SMTP_SECURE=true).
 *   ASTBILL_SMTP_SECURE          'true': TLS from the first byte (port 465); otherwise STARTTLS
 *                                when the server offers it.
 *   ASTBILL_SMTP_USER / ASTBILL_SMTP_PASSWORD  login (both or neither); the password is never
 *                                logged and may not be the example placeholder.
 *   ASTBILL_MAIL_FROM            the sender address (required with the host).
 *   ASTBILL_MAIL_TO              where notifications go, comma separated (required with the host).
 *   ASTBILL_MAIL_ATTEMPTS        tries before a mail is 'dead' (default 8).
 *   ASTBILL_MAIL_RETRY_SECONDS   the first retry's delay, doubling up to an hour (default 30).
 */
import { ConfigError, intSetting, type SettingSource } from '../config-values.js';

export interface MailConfig {
  host: string;
  port: number;
  secure: boolean;
  auth: { user: string; pass: string } | null;
  from: string;
  to: string[];
  maxAttempts: number;
  retrySeconds: number;
}

const ADDRESS = /^[^\s@<>,]+@[^\s@<>,]+$/;
const PLACEHOLDER = /CHANGE-?ME/i;

export function loadMailConfig(src: SettingSource): MailConfig | null {
  const host = src.ASTBILL_SMTP_HOST?.trim();
  const maxAttempts = intSetting(src, 'ASTBILL_MAIL_ATTEMPTS', 8, 1, 100);
  const retrySeconds = intSetting(src, 'ASTBILL_MAIL_RETRY_SECONDS', 30, 1, 3600);
  if (!host) return null;
  const secure = src.ASTBILL_SMTP_SECURE === 'true';
  const port = intSetting(src, 'ASTBILL_SMTP_PORT', secure ? 465 : 587, 1, 65535);
  const user = src.ASTBILL_SMTP_USER ?? '';
  const pass = src.ASTBILL_SMTP_PASSWORD ?? '';
  if ((user === '') !== (pass === ''))
    throw new ConfigError(
      'ASTBILL_SMTP_PASSWORD',
      'set both ASTBILL_SMTP_USER and the password, or neither',
    );
  if (PLACEHOLDER.test(pass) || PLACEHOLDER.test(user))
    throw new ConfigError(
      'ASTBILL_SMTP_PASSWORD',
      'is still the example placeholder: set your own',
    );
  const from = src.ASTBILL_MAIL_FROM?.trim() ?? '';
  if (!ADDRESS.test(from))
    throw new ConfigError(
      'ASTBILL_MAIL_FROM',
      'must be an e-mail address when ASTBILL_SMTP_HOST is set',
    );
  const to = (src.ASTBILL_MAIL_TO ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const bad = to.find((a) => !ADDRESS.test(a));
  if (to.length === 0 || bad !== undefined)
    throw new ConfigError(
      'ASTBILL_MAIL_TO',
      bad ? `'${bad}' is not an e-mail address` : 'must be set when ASTBILL_SMTP_HOST is',
    );
  return {
    host,
    port,
    secure,
    auth: user ? { user, pass } : null,
    from,
    to,
    maxAttempts,
    retrySeconds,
  };
}
