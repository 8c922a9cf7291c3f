/**
 * Settings of carrier routing (the same rules as config.ts: a bad value stops start-up with one
 * line naming the setting):
 *
 *   ASTBILL_MIN_MARGIN       least margin per minute of talk (decimal, currency units; default
 *                            0): a trunk whose buy cost would leave less is skipped; no
 *                            profitable trunk refuses the call as LOSS (rating/routes.ts).
 *   ASTBILL_FAILOVER_CAUSES  Q.850 causes that move a call to the next trunk (comma list;
 *                            default 1,34,38,41,42,47; 17, 18, 19 and 21 are refused: a busy or
 *                            unanswering callee is never rung again).
 *   ASTBILL_FAILOVER_SIP     SIP statuses (tech_cause) that move to the next trunk (default
 *                            404,5xx; `5xx` means 500-599). See session/failover.ts.
 *   ASTBILL_LCR_ASR_WINDOW   seconds of trunk attempts whose ASR breaks least-cost ties
 *                            (default 3600; 0 = ties by name only). See rating/asr.ts.
 *   ASTBILL_LCR_ASR_MIN_ATTEMPTS  attempts in the window before a trunk's ASR counts (default
 *                            5; fewer: ranked as 100 %, so a new trunk gets tried).
 */
import { ConfigError, intSetting, type SettingSource } from '../config-values.js';
import { parseMoney, type Money } from '../rating/index.js';
import { DEFAULT_FAILOVER, ENDING_CAUSES, type FailoverTable } from './failover.js';

export interface RoutingConfig {
  minMarginPerMin: Money;
  failover: FailoverTable;
  /** Least-cost ties by the trunks' ASR over this many seconds; 0 = by name. */
  asrWindowSecs: number;
  asrMinAttempts: number;
}

function numberList(
  src: SettingSource,
  name: string,
  def: readonly number[],
  min: number,
  max: number,
): number[] {
  const raw = src[name]?.trim();
  if (raw === undefined || raw === '') return [...def];
  const out: number[] = [];
  for (const part of raw.split(',').map((p) => p.trim())) {
    if (/^[1-6]xx$/i.test(part) && max >= 600) {
      const base = Number(part[0]) * 100;
      for (let n = base; n < base + 100; n++) out.push(n);
      continue;
    }
    if (!/^\d{1,3}$/.test(part) || Number(part) < min || Number(part) > max)
      throw new ConfigError(name, `'${part}' is not a number ${min}..${max}`);
    out.push(Number(part));
  }
  return out;
}

export function loadRoutingConfig(src: SettingSource): RoutingConfig {
  let minMarginPerMin = 0n;
  const margin = src.ASTBILL_MIN_MARGIN?.trim();
  if (margin) {
    try {
      minMarginPerMin = parseMoney(margin);
    } catch (err) {
      throw new ConfigError('ASTBILL_MIN_MARGIN', (err as Error).message);
    }
  }
  const causes = numberList(src, 'ASTBILL_FAILOVER_CAUSES', DEFAULT_FAILOVER.causes, 1, 127);
  const ending = causes.filter((c) => ENDING_CAUSES.includes(c));
  if (ending.length)
    throw new ConfigError(
      'ASTBILL_FAILOVER_CAUSES',
      `${ending.join(', ')} end a call (busy, no answer, rejected): never failed over`,
    );
  const sip = numberList(src, 'ASTBILL_FAILOVER_SIP', DEFAULT_FAILOVER.sip, 100, 699);
  return {
    minMarginPerMin,
    failover: { causes, sip },
    asrWindowSecs: intSetting(src, 'ASTBILL_LCR_ASR_WINDOW', 3600, 0, 30 * 86_400),
    asrMinAttempts: intSetting(src, 'ASTBILL_LCR_ASR_MIN_ATTEMPTS', 5, 1, 1_000_000),
  };
}
