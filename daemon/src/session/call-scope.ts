/**
 * The small tools every phase of a call shares: the call's abort signal (the caller went away
 * or the call was killed), waiting on something until then, and the error kinds the flow uses
 * to decide how a call that cannot go on is ended.
 */

/** The reason every abort gives: without one, abort() builds a DOMException with a stack trace (~1.7% of the daemon's CPU under load); nothing reads it. */
export const ENDED = 'call ended';

/** Thrown inside the pre-answer flow when the caller went away or the call was killed. */
export class Aborted extends Error {
  override name = 'Aborted';
}

/** A store call failed: the call fails closed (announce, hang up). */
export class StoreFailure extends Error {
  override name = 'StoreFailure';
}

import { errorText } from '../error-text.js';

export { errorText };

/** Runs a store call; its failure becomes a StoreFailure. */
export async function db<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new StoreFailure(errorText(err), { cause: err });
  }
}

/** A promise resolved from outside, once (later resolutions are ignored). */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  done: boolean;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  const d: Deferred<T> = {
    promise,
    done: false,
    resolve: (v: T) => {
      if (d.done) return;
      d.done = true;
      resolve(v);
    },
  };
  return d;
}

/** The life of one call: aborted once, when the caller goes or the call ends. */
export class CallScope {
  private readonly controller = new AbortController();

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.controller.signal.aborted;
  }

  end(): void {
    this.controller.abort(ENDED);
  }

  /** Throws Aborted when the caller has gone or the call was killed. */
  check(): void {
    if (this.aborted) throw new Aborted('caller gone');
  }

  /** Waits for `p`, throwing Aborted as soon as the caller goes. */
  until<T>(p: Promise<T>): Promise<T> {
    const signal = this.signal;
    if (signal.aborted) return Promise.reject(new Aborted('caller gone'));
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(new Aborted('caller gone'));
      signal.addEventListener('abort', onAbort, { once: true });
      p.then(
        (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }
}
