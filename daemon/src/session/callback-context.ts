/**
 * What the phases of one callback call share: its settings and ports, its states, its two
 * legs, and how a leg is settled at the end (each from its own answer).
 */
import type { AwaitedEnd } from './proven-end.js';
import type { EndSource } from './ports.js';
import type { Logger } from '../log.js';
import type { Money } from '../rating/index.js';
import type { CallControl } from './call-control-port.js';
import type { SessionConfig } from './call-context.js';
import type { CallScope } from './call-scope.js';
import type { DaemonClock, TimerHandle } from './clock.js';
import type { CallbackGrantStore } from './grant-ports.js';
import type { BridgePool } from './bridge-pool.js';
import type { IdFactory } from './ids.js';
import type { CallerIvr } from './ivr.js';
import type { KillReason } from './kill-call.js';
import type { LimitTimer } from './limit-timer.js';
import type { CallbackLeg, CallbackOrder, ResumedOrder } from './callback-legs.js';
import type { BillingStore, Disposition } from './ports.js';
import type { RoutingStore } from './routing-ports.js';
import type { StateMachine, Transitions } from './state-machine.js';

export type CallbackState =
  'authorised' | 'calling-a' | 'calling-b' | 'talking' | 'ending' | 'settled';

export const CALLBACK_ALLOWED: Transitions<CallbackState> = {
  // talking: a callback adopted after a restart starts there.
  authorised: ['calling-a', 'talking', 'ending'],
  'calling-a': ['calling-b', 'ending'],
  'calling-b': ['talking', 'ending'],
  talking: ['ending'],
  ending: ['settled'],
  settled: [],
};

/** The call-session settings a callback uses (`announce`: tell leg A the balance and the minutes before B is dialled). */
export type CallbackConfig = Omit<
  SessionConfig,
  'digitTimeout' | 'pinTries' | 'charging' | 'maxDestinationAttempts'
>;

export interface CallbackDeps {
  /** Settles the legs (the daemon's store: deadlines and journal included). */
  store: BillingStore;
  /** Authorises both legs in one transaction, and times B from A when B answers. */
  grants: CallbackGrantStore;
  control: CallControl;
  logger: Logger;
  clock: DaemonClock;
  ids: IdFactory;
  /** The daemon's reusable bridges (bridge-pool.ts); absent: one bridge per call. */
  bridges?: BridgePool;
  config: CallbackConfig;
  /** The latest moment this callback is proven up (live-check.ts); absent: now. */
  confirmedUp?(): Date;
  bind(channelId: string): void;
  onFinished(): void;
  /** Carrier routing (store/trunks.ts): the legs' trunk claims and attempts; absent: config `dial`. */
  routing?: RoutingStore;
}

export interface CallbackContext {
  readonly deps: CallbackDeps;
  readonly log: Logger;
  readonly machine: StateMachine<CallbackState>;
  readonly order: CallbackOrder | ResumedOrder;
  readonly a: CallbackLeg;
  readonly b: CallbackLeg;
  readonly scope: CallScope;
  /** Prompts on leg A (the announcement); made again when A moves to a further trunk. */
  ivrA: CallerIvr;
  maxSeconds: number;
  available: Money;
  /** The common end of both legs (ms): A's answer + T, then B's answer + B's time. */
  endAt: number;
  /** Ring guards of the legs dialled. */
  timers: TimerHandle[];
  limit: LimitTimer | null;
  bridgeId: string | null;
  /** While a talking callback ends on one leg's seen end: the other leg, whose end may follow. */
  otherEnd: AwaitedEnd | null;
  killReason: KillReason | null;
  kill(reason: KillReason): Promise<void>;
  /** Originates a leg (its failure ends the callback). */
  dial(leg: CallbackLeg, callerId: string, originator: string): Promise<void>;
}

/** How the end of a callback came about (`a`/`b`: the disposition of a leg that failed before its answer). */
export interface CallbackEnd {
  a?: Disposition;
  b?: Disposition;
  cause: number | null;
  by: 'a' | 'b' | 'kill';
  /** The end was not seen (live-check.ts): how the billed end was found. */
  endSource?: EndSource;
}
