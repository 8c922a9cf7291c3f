/**
 * DTMF input with type-ahead: every digit the caller keys from the start of the call is kept
 * (callers key while a prompt is still playing, and before it even starts), and one `collect`
 * takes digits until `#`, the digit timeout or `maxDigits`. The prompt is not played when
 * digits are already waiting, and it is stopped on the first digit (Asterisk does not stop a
 * playback on DTMF by itself). `*` clears what was keyed so far in this entry.
 */
import type { DaemonClock } from './clock.js';

export interface PromptPlayer {
  /** Starts the prompt; resolves with a handle or null when it could not be played. */
  start(): Promise<{ finished: Promise<unknown>; stop(): Promise<void> } | null>;
}

export interface CollectOptions {
  prompt?: PromptPlayer;
  /** Seconds to wait for each digit once the prompt is over. */
  timeoutSeconds: number;
  maxDigits: number;
  signal: AbortSignal;
  /** Longest wait for the prompt to end, should its end never be reported (default 120 s). */
  promptCapSeconds?: number;
}

export type CollectEnd = '#' | 'timeout' | 'max' | 'aborted';

export interface Collected {
  digits: string;
  end: CollectEnd;
}

type Next = { digit: string } | { end: 'timeout' | 'aborted' | 'prompt-done' };

export class DigitCollector {
  private buffer: string[] = [];
  private waiter: ((d: string) => void) | null = null;

  constructor(private readonly clock: DaemonClock) {}

  /** A digit from the channel (at any time). */
  push(digit: string): void {
    const w = this.waiter;
    if (w) {
      this.waiter = null;
      w(digit);
    } else {
      this.buffer.push(digit);
    }
  }

  /** Digits keyed and not yet consumed. */
  get pending(): string {
    return this.buffer.join('');
  }

  async collect(opts: CollectOptions): Promise<Collected> {
    const { signal } = opts;
    let prompt: Awaited<ReturnType<PromptPlayer['start']>> = null;
    let promptOver = true;
    if (this.buffer.length === 0 && opts.prompt && !signal.aborted) {
      prompt = await opts.prompt.start().catch(() => null);
      if (prompt) {
        promptOver = false;
        const p = prompt;
        void p.finished.then(() => {
          promptOver = true;
        });
      }
    }
    let digits = '';
    let first = true;
    for (;;) {
      const next = await this.next(
        promptOver ? opts.timeoutSeconds * 1000 : (opts.promptCapSeconds ?? 120) * 1000,
        promptOver ? null : (prompt?.finished ?? null),
        signal,
        promptOver ? 'timeout' : 'prompt-done',
      );
      if ('end' in next) {
        if (next.end === 'prompt-done') {
          promptOver = true;
          continue;
        }
        if (next.end === 'aborted') {
          if (prompt && !promptOver) void prompt.stop().catch(() => undefined);
          return { digits, end: 'aborted' };
        }
        return { digits, end: 'timeout' };
      }
      if (first && prompt && !promptOver) {
        first = false;
        promptOver = true;
        void prompt.stop().catch(() => undefined);
      }
      first = false;
      if (next.digit === '#') return { digits, end: '#' };
      if (next.digit === '*') {
        digits = '';
        continue;
      }
      if (!/^\d$/.test(next.digit)) continue;
      digits += next.digit;
      if (digits.length >= opts.maxDigits) return { digits, end: 'max' };
    }
  }

  /** Next digit, or why none came (`onTimeout` after `timeoutMs`). */
  private next(
    timeoutMs: number,
    promptFinished: Promise<unknown> | null,
    signal: AbortSignal,
    onTimeout: 'timeout' | 'prompt-done',
  ): Promise<Next> {
    const buffered = this.buffer.shift();
    if (buffered !== undefined) return Promise.resolve({ digit: buffered });
    if (signal.aborted) return Promise.resolve({ end: 'aborted' });
    return new Promise<Next>((resolve) => {
      let settled = false;
      const done = (n: Next): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        signal.removeEventListener('abort', onAbort);
        if (this.waiter === onDigit) this.waiter = null;
        resolve(n);
      };
      const onDigit = (d: string): void => done({ digit: d });
      const onAbort = (): void => done({ end: 'aborted' });
      this.waiter = onDigit;
      signal.addEventListener('abort', onAbort, { once: true });
      const timer = this.clock.setTimer(timeoutMs, () => done({ end: onTimeout }));
      if (promptFinished) void promptFinished.then(() => done({ end: 'prompt-done' }));
    });
  }
}
