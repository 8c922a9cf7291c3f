/** The message of a caught value, for logs and wrapped errors (a thrown non-Error is stringified). */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
