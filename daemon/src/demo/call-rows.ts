/**
 * What the demo shows of a call: its row in the live table while it runs (from the simulator's
 * channels and prompts and the call's CDR), and its result for verify.ts once it is over.
 */
import { showMoney } from '../cli/format.js';
import type { AriSimulator, CallHandle } from '../sim/index.js';
import type { Cdr } from '../store/index.js';
import type { LiveRow } from './live-table.js';
import type { DemoCall } from './scenario.js';
import type { CallResult } from './verify.js';

export interface Tracked {
  call: DemoCall;
  handle: CallHandle | null;
  dtmfSent: boolean;
  /** Real time at which the call was done (ended and settled). */
  doneAt: number | null;
}

export function cdrsOf(cdrs: readonly Cdr[], channelId: string): Cdr[] {
  return cdrs.filter((c) => c.uniqueid === channelId || c.uniqueid.startsWith(`${channelId}.`));
}

export function liveRow(t: Tracked, cdrs: readonly Cdr[], sim: AriSimulator): LiveRow {
  const c = t.call;
  const from = typeof c.phone.callerId === 'string' ? c.phone.callerId : '';
  const A = t.handle?.channelId;
  const cdr = A === undefined ? undefined : cdrsOf(cdrs, A).at(-1);
  const row = (
    account: string,
    state: string,
    talk: string,
    money: string,
    event: string,
  ): LiveRow => ({
    key: c.id,
    cells: [c.id, account, from, cdr?.dst ?? c.phone.exten, state, talk, money],
    event,
  });
  if (A === undefined) return row('', 'waiting', '', '', '');
  const ended = sim.ended(A) !== undefined;
  if (!cdr) {
    if (ended) return row('', 'caller gone', '', '', 'the caller hung up');
    if (sim.stateOf(A) !== 'Up')
      return row(
        '',
        'identifying',
        '',
        '',
        `${from} dials ${c.phone.exten}: identifying the caller`,
      );
    const prompt = lastPrompt(sim, A);
    const [state, event] =
      prompt === 'sound:auth-incorrect'
        ? ['wrong PIN', 'wrong PIN (auth-incorrect played); the caller keys it again']
        : prompt === 'sound:vm-enter-num-to-call'
          ? ['number?', 'PIN accepted: asks for the number']
          : [
              'PIN?',
              'not identified by accountcode or caller ID: answered, asks for the calling-card PIN',
            ];
    return row('', state, '', '', event);
  }
  const who = cdr.account ?? '';
  if (cdr.status === 'open') {
    const reserved = cdr.maxCost !== null ? showMoney(cdr.maxCost) : '?';
    if (!cdr.answer) {
      return row(
        who,
        'ringing',
        '',
        `res. ${reserved}`,
        `${who}: authorised ${cdr.dst} (prefix ${cdr.prefix ?? '?'}), reserved ${reserved} for up to ${cdr.maxSeconds ?? '?'} s; ringing`,
      );
    }
    const talked = Math.max(0, Math.floor((Date.now() - cdr.answer.getTime()) / 1000));
    return row(
      who,
      'talking',
      `${talked}/${cdr.maxSeconds ?? '?'} s`,
      `res. ${reserved}`,
      `answered; talking (limit ${cdr.maxSeconds ?? '?'} s, set as TIMEOUT(absolute))`,
    );
  }
  const outcome = `${cdr.disposition ?? 'settled'}${cdr.reason ? ` ${cdr.reason}` : ''}`;
  return row(
    who,
    outcome,
    cdr.answer ? `${cdr.billsec} s` : '',
    showMoney(cdr.cost),
    `settled: ${outcome}, billsec ${cdr.billsec}, cost ${showMoney(cdr.cost)}`,
  );
}

/** The last prompt the daemon started playing to a channel. */
function lastPrompt(sim: AriSimulator, channelId: string): string | undefined {
  const target = `channel:${channelId}`;
  let media: string | undefined;
  for (const { event } of sim.sentEvents()) {
    if (event.type !== 'PlaybackStarted') continue;
    const pb = (event as { playback?: { target_uri?: string; media_uri?: string } }).playback;
    if (pb?.target_uri === target) media = pb.media_uri;
  }
  return media;
}

export function callResult(t: Tracked, cdrs: readonly Cdr[], sim: AriSimulator): CallResult {
  if (!t.handle)
    return {
      call: t.call,
      channelId: null,
      cdrs: [],
      attempts: [],
      aEnded: undefined,
      bEnded: undefined,
    };
  const A = t.handle.channelId;
  const aEnded = sim.ended(A);
  const bEnded = aEnded?.bridgedWith
    ? sim.endedChannels().find((e) => e.kind === 'outbound' && aEnded.bridgedWith!.includes(e.id))
    : undefined;
  return { call: t.call, channelId: A, cdrs: cdrsOf(cdrs, A), attempts: [], aEnded, bEnded };
}
