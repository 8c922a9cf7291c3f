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

/**
 * A class, not an object of closures: a live call keeps its dial outcome for as long as it
 * talks. Once resolved this holds only the value: the resolving function and the promise are
 * let go (a later `promise` is a new one, resolved with the same value).
 */
class OnceDeferred<T> implements Deferred<T> {
  done = false;
  private p: Promise<T> | null = null;
  private settle: ((v: T) => void) | null = null;
  private value: T | undefined = undefined;

  get promise(): Promise<T> {
    if (this.done) return Promise.resolve(this.value as T);
    return (this.p ??= new Promise<T>((r) => (this.settle = r)));
  }

  resolve(v: T): void {
    if (this.done) return;
    this.done = true;
    this.value = v;
    const settle = this.settle;
    this.settle = null;
    this.p = null;
    settle?.(v);
  }
}

export function deferred<T>(): Deferred<T> {
  return new OnceDeferred<T>();
}

/**
 * The life of one call: aborted once, when the caller goes or the call ends. An AbortSignal
 * costs ~0.8 KiB per live call once a listener is on it (its own hidden class, two listener
 * maps): so the scope keeps its own waiters, and makes a signal only for the IVR, which needs
 * one (prompts, digit collection) and is over before the call is bridged.
 */
export class CallScope {
  private ended = false;
  private controller: AbortController | null = null;
  /** Called once on end(); `until` keeps one per pending wait (usually none or one). */
  private waiters: Array<() => void> | null = null;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.ended) this.controller.abort(ENDED);
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.ended;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    const waiters = this.waiters;
    this.waiters = null;
    this.controller?.abort(ENDED);
    if (waiters) for (const w of waiters) w();
  }

  /** Throws Aborted when the caller has gone or the call was killed. */
  check(): void {
    if (this.ended) throw new Aborted('caller gone');
  }

  /** Waits for `p`, throwing Aborted as soon as the caller goes. */
  until<T>(p: Promise<T>): Promise<T> {
    if (this.ended) return Promise.reject(new Aborted('caller gone'));
    return new Promise<T>((resolve, reject) => {
      const onEnd = (): void => reject(new Aborted('caller gone'));
      (this.waiters ??= []).push(onEnd);
      const drop = (): void => {
        const w = this.waiters;
        const i = w ? w.indexOf(onEnd) : -1;
        if (i >= 0) w!.splice(i, 1);
        if (w && w.length === 0) this.waiters = null;
      };
      p.then(
        (v) => {
          drop();
          resolve(v);
        },
        (e: unknown) => {
          drop();
          reject(e);
        },
      );
    });
  }
}
