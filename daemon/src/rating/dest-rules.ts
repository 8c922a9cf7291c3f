/**
 * Destination blocks (pure, no I/O): allow / deny prefix rules of an account and of its tariff.
 * The account's longest matching rule decides; else its tariff's; else a number is allowed
 * unless the account or the tariff has any allow rule (then only allowed prefixes may be called).
 */
import { longestPrefix } from './prefix-match.js';

export type DestAction = 'allow' | 'deny';
export type DestScope = 'tariff' | 'account';

export interface DestRule {
  scope: DestScope;
  prefix: string;
  action: DestAction;
}

/** `rules`: the rules of both scopes whose prefix matches `number`; `allowListed`: any allow rule exists. */
export function destinationAllowed(
  number: string,
  rules: readonly DestRule[],
  allowListed: boolean,
): boolean {
  for (const scope of ['account', 'tariff'] as const) {
    const hit = longestPrefix(
      rules.filter((r) => r.scope === scope),
      number,
    );
    if (hit) return hit.action === 'allow';
  }
  return !allowListed;
}
