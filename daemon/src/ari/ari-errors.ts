/**
 * How a failed or silent ARI request becomes a CallControlError: the timeout every request and
 * connect step gets (a request made while Asterisk is down never settles), and the mapping of
 * what ari-client / our REST client reject with onto the error kinds the session acts on.
 */
import { CallControlError } from '../session/call-control-port.js';
import { AriHttpError } from './rest-client.js';

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.name;
  return String(err);
}

/** Rejects with a CallControlError('timeout') when `p` has not settled within `ms`. */
export function withTimeout<T>(p: Promise<T>, ms: number, operation: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(
      () =>
        reject(
          new CallControlError(operation, `no answer from Asterisk within ${ms} ms`, 'timeout'),
        ),
      ms,
    );
    t.unref?.();
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/** Turns what ari-client rejects with (the response body as the message, status lost) into a CallControlError. */
export function classifyError(operation: string, err: unknown): CallControlError {
  if (err instanceof CallControlError) return err;
  const text = errorText(err);
  let message = text;
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    if (typeof body.message === 'string') message = body.message;
    else if (typeof body.error === 'string') message = body.error;
  } catch {
    // not a JSON body
  }
  const code = (err as { code?: unknown } | null)?.code;
  if ((err instanceof AriHttpError && err.status === 404) || /not found/i.test(message))
    return new CallControlError(operation, message, 'not-found', { cause: err });
  if (
    typeof code === 'string' &&
    /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND)$/.test(code)
  ) {
    return new CallControlError(operation, message, 'disconnected', { cause: err });
  }
  if (/not in stasis|invalid|can't|cannot|unprocessable|conflict/i.test(message))
    return new CallControlError(operation, message, 'refused', { cause: err });
  return new CallControlError(operation, message, 'other', { cause: err });
}
