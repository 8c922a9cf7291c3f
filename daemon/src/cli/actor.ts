/** Who a CLI change is recorded as in the audit trail: the operating-system user running it. */
import { userInfo } from 'node:os';

export function cliActor(): string {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    name = process.env.USER ?? 'unknown';
  }
  return `cli:${name}`;
}
