/**
 * The front door of callback calls, shared by the HTTP API (POST /callbacks) and, through it,
 * `astbill callback`: authenticate the account, rate both numbers, authorise both legs in one
 * transaction, then start the CallbackSession (leg A is dialled at once). Each leg is routed as
 * an ordinary call (route-plan.ts): its trunks by least cost or plan; no trunk with a buy rate
 * is NOROUTE, none profitable LOSS; no trunk at all: both legs dial config `dial`.
 *
 * Authentication: the caller of the API already holds the API token. An account with a PIN
 * must also be given its PIN (a wrong one is refused as BADPIN and leaves a FAILED CDR, like a
 * wrong PIN on the phone); an account without a PIN is authorised by the API token alone.
 */
import type { Logger } from '../log.js';
import type { Rate } from '../rating/index.js';
import type { CallbackSession, CallbackOrder } from './callback-session.js';
import type { BandStore } from './grant-ports.js';
import type { AuthoriseRefusal, BillingStore, RefusalReason } from './ports.js';
import { errorText } from '../error-text.js';
import { normaliseDestination } from './numbers.js';
import { planRoutes, type RouteDecision } from './route-plan.js';
import type { RoutingConfig } from './routing-config.js';
import type { RoutingStore } from './routing-ports.js';

export type CallbackRefusal = Extract<
  RefusalReason,
  'NOACCOUNT' | 'BADPIN' | 'BADNUMBER' | 'NOROUTE' | 'LOSS' | 'SHUTDOWN' | AuthoriseRefusal
>;

/** What the caller is told of a refusal of the store's (tx/authorise-callback.ts). */
const REFUSED: Record<AuthoriseRefusal, string> = {
  BLOCKED: 'account blocked',
  EXPIRED: 'the card has expired',
  BLOCKEDDEST: 'a destination is blocked for this account',
  LIMIT: 'too many calls on this account',
  CAP_RATE: 'too many calls per minute on this account',
  NOFX: "no exchange rate from the tariff's currency to the account's is in force",
  NOCREDIT: 'not enough credit for both legs',
  CAP_DAY: 'the account reached its daily spend cap',
  CAP_MONTH: 'the account reached its monthly spend cap',
  CAP_CALL: 'the per-call spend cap leaves no time for both legs',
};

export class CallbackRefused extends Error {
  override name = 'CallbackRefused';
  constructor(
    readonly reason: CallbackRefusal,
    message: string,
  ) {
    super(message);
  }
}

export interface CallbackRequest {
  account: string;
  pin?: string | undefined;
  a: string;
  b: string;
}

export interface CallbackStarted {
  callbackId: string;
  account: string;
  /** CDR uniqueids of the two legs (their channel ids). */
  legs: { a: string; b: string };
  /** The common maximum talk time of both legs, seconds. */
  maxSeconds: number;
  /** Resolves when both legs are settled. */
  finished: Promise<void>;
}

export interface CallbackServiceDeps {
  store: BillingStore;
  /** Time-banded rates; without it both legs are priced flat (as ordinary calls, authorise-flow.ts). */
  bands?: Pick<BandStore, 'bandingFor'>;
  /** Carrier routing of the legs and its settings; without it both legs dial config `dial`. */
  routing?: RoutingStore;
  routingConfig?: RoutingConfig;
  logger: Logger;
  node: string;
  now(): Date;
  /** A new session for an authenticated, rated order (not yet authorised). */
  newSession(order: CallbackOrder): CallbackSession;
  /** Registers a session so that its events reach it (and the kill path finds it). */
  register(session: CallbackSession): void;
  /** False while the daemon shuts down. */
  accepting(): boolean;
}

const NUMBER = /^\d{1,20}$/;

export class CallbackService {
  constructor(private readonly deps: CallbackServiceDeps) {}

  async start(req: CallbackRequest): Promise<CallbackStarted> {
    const { store, logger, node } = this.deps;
    if (!this.deps.accepting())
      throw new CallbackRefused('SHUTDOWN', 'the daemon is shutting down');
    const account = await store.accountByName(req.account);
    if (!account) throw new CallbackRefused('NOACCOUNT', `no account '${req.account}'`);
    const refuse = async (reason: CallbackRefusal, message: string): Promise<never> => {
      await store
        .recordRefusal({
          uniqueid: `callback-${node}-${this.deps.now().getTime().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
          accountId: account.id,
          src: req.a.slice(0, 80),
          dst: req.b.slice(0, 80),
          reason,
          node,
          start: this.deps.now(),
        })
        .catch((err: unknown) =>
          logger.error('could not record the callback refusal', {
            reason,
            error: errorText(err),
          }),
        );
      throw new CallbackRefused(reason, message);
    };
    if (account.hasPin) {
      const byPin =
        req.pin !== undefined && req.pin !== '' ? await store.accountByPin(req.pin) : undefined;
      if (!byPin || byPin.id !== account.id)
        return refuse('BADPIN', 'wrong or missing PIN for this account');
    }
    if (account.status === 'blocked')
      return refuse('BLOCKED', `account '${account.name}' is blocked`);
    // Both numbers into E.164 by the account's rules before they are rated and dialled.
    const [na, nb] = [
      await normaliseDestination(store, account, req.a),
      await normaliseDestination(store, account, req.b),
    ];
    if (!na.ok || !nb.ok) return refuse('BADNUMBER', !na.ok ? na.why : !nb.ok ? nb.why : '');
    const [numA, numB] = [na.dst, nb.dst];
    if (!NUMBER.test(numA) || !NUMBER.test(numB))
      return refuse('BADNUMBER', 'numbers a and b must be 1-20 digits');
    const at = this.deps.now();
    const [flatA, flatB] = [
      await store.rateFor(account.tariff, numA, at),
      await store.rateFor(account.tariff, numB, at),
    ];
    if (!flatA || !flatB)
      return refuse('NOROUTE', `no rate for ${!flatA ? numA : numB} in tariff '${account.tariff}'`);
    // Each leg's bands as an ordinary call's: priced per band from its own answer.
    const [rateA, rateB] = [await this.banded(flatA, numA, at), await this.banded(flatB, numB, at)];
    const [routesA, routesB] = [
      await this.routes(account.tariff, numA, rateA, at),
      await this.routes(account.tariff, numB, rateB, at),
    ];
    for (const [r, num] of [
      [routesA, numA],
      [routesB, numB],
    ] as const)
      if (r.kind === 'refuse')
        return refuse(
          r.reason,
          r.reason === 'LOSS'
            ? `no trunk to ${num} leaves the minimum margin`
            : `no trunk has a buy rate for ${num}`,
        );

    const session = this.deps.newSession({
      account,
      a: { number: numA, rate: rateA, routes: routesA.kind === 'routes' ? routesA.routes : null },
      b: { number: numB, rate: rateB, routes: routesB.kind === 'routes' ? routesB.routes : null },
    });
    const res = await session.authorise();
    if (!res.ok) throw new CallbackRefused(res.reason, REFUSED[res.reason]);
    if (!this.deps.accepting()) {
      // Authorised during shutdown: release both reservations at once.
      this.deps.register(session);
      void session.kill('shutdown');
      throw new CallbackRefused('SHUTDOWN', 'the daemon is shutting down');
    }
    this.deps.register(session);
    const finished = session.start();
    return {
      callbackId: session.callbackId,
      account: account.name,
      legs: session.uniqueids,
      maxSeconds: res.maxSeconds,
      finished,
    };
  }

  private routes(tariff: string, number: string, rate: Rate, at: Date): Promise<RouteDecision> {
    const { routing, routingConfig, logger } = this.deps;
    return planRoutes(
      { routing, config: routingConfig, log: logger, now: at },
      tariff,
      number,
      rate,
    );
  }

  private async banded(rate: Rate, number: string, at: Date): Promise<Rate> {
    const banding = await this.deps.bands?.bandingFor(rate, number, at);
    return banding ? { ...rate, banding } : rate;
  }
}
