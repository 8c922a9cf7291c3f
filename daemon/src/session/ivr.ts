/**
 * What the caller hears and keys: answering the A leg (only when something must be said),
 * playing prompts (say), and prompts that collect digits (ask). Every wait ends when the call's
 * scope does, so a caller who hangs up mid-prompt never holds the flow.
 */
import type { Logger } from '../log.js';
import type { CallControl } from './call-control-port.js';
import { errorText, ENDED, type CallScope } from './call-scope.js';
import { sleep, type DaemonClock } from './clock.js';
import { DigitCollector, type Collected } from './collect-digits.js';
import type { Ivr } from './identify.js';

export interface CallerIvrOptions {
  channelId: string;
  control: Pick<CallControl, 'answer' | 'play' | 'stopPlayback'>;
  clock: DaemonClock;
  log: Logger;
  scope: CallScope;
  /** Seconds to wait for each digit once a prompt is over. */
  digitTimeout: number;
}

export class CallerIvr implements Ivr {
  private answeredA = false;
  private readonly digits: DigitCollector;

  constructor(private readonly o: CallerIvrOptions) {
    this.digits = new DigitCollector(o.clock);
  }

  get aborted(): boolean {
    return this.o.scope.aborted;
  }

  /** Whether the A leg has been answered (by us). */
  get answered(): boolean {
    return this.answeredA;
  }

  /** The A leg is up already (an adopted call). */
  markAnswered(): void {
    this.answeredA = true;
  }

  /** A digit keyed on the A leg (kept for the next ask: type-ahead). */
  pushDigit(digit: string): void {
    this.digits.push(digit);
  }

  async answer(): Promise<void> {
    if (this.answeredA) return;
    await this.o.control.answer(this.o.channelId);
    this.answeredA = true;
  }

  /**
   * Plays to the end; returns early (stopping it) when the caller goes or after `maxSeconds`
   * (default 120: a PlaybackFinished that never comes must not hold a call forever).
   */
  async say(media: readonly string[], maxSeconds = 120): Promise<void> {
    const { control, clock, scope, log } = this.o;
    let handle;
    try {
      handle = await control.play(this.o.channelId, media);
    } catch (err) {
      log.warn('could not play a prompt', { media, error: errorText(err) });
      return;
    }
    const stop = new AbortController();
    const onAbort = (): void => stop.abort(ENDED);
    scope.signal.addEventListener('abort', onAbort, { once: true });
    const waits: Promise<unknown>[] = [
      handle.finished,
      new Promise<void>((r) => stop.signal.addEventListener('abort', () => r(), { once: true })),
    ];
    let capped = false;
    waits.push(
      sleep(clock, maxSeconds * 1000, stop.signal).then(() => void (capped = !stop.signal.aborted)),
    );
    await Promise.race(waits);
    scope.signal.removeEventListener('abort', onAbort);
    stop.abort(ENDED);
    if (scope.aborted || capped) void control.stopPlayback(handle.id).catch(() => undefined);
  }

  /** say(), then Aborted when the caller went away meanwhile. */
  async sayOrAbort(media: readonly string[]): Promise<void> {
    await this.say(media);
    this.o.scope.check();
  }

  ask(prompt: readonly string[], maxDigits: number): Promise<Collected> {
    const { control, channelId } = this.o;
    return this.digits.collect({
      prompt: {
        start: async () => {
          const h = await control.play(channelId, prompt);
          return { finished: h.finished, stop: () => control.stopPlayback(h.id) };
        },
      },
      timeoutSeconds: this.o.digitTimeout,
      maxDigits,
      signal: this.o.scope.signal,
    });
  }
}
