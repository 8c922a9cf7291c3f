/**
 * Channel variables and the dialplan functions billing reads or sets. TIMEOUT(absolute) is the
 * hard call limit: setting it (re)starts a deadline counted from now (from channel creation when
 * given as an originate variable, since that is when Asterisk applies it); reading it returns the
 * seconds left with three decimals; 0 or empty clears it.
 */
import type { SimEngine } from './engine.js';
import type { SimChannel } from './model.js';
import { varset } from './channels.js';
import { timeoutCut } from './hangups.js';
import { AriError } from './errors.js';

export const TIMEOUT_ABSOLUTE = 'TIMEOUT(absolute)';

export function setAbsoluteTimeout(sim: SimEngine, ch: SimChannel, value: string): void {
  const seconds = Number.parseFloat(value);
  ch.absoluteTimer?.cancel();
  ch.absoluteTimer = undefined;
  if (!Number.isFinite(seconds) || seconds <= 0) {
    ch.absoluteDeadline = undefined;
    return;
  }
  const ms = Math.round(seconds * 1000);
  ch.absoluteDeadline = sim.clock.now() + ms;
  const handle = sim.schedule(ch, ms, () => {
    if (ch.absoluteTimer === handle) timeoutCut(sim, ch);
  });
  ch.absoluteTimer = handle;
  sim.changed();
}

export function setVariable(sim: SimEngine, ch: SimChannel, name: string, value: string): void {
  if (name === '') throw AriError.badRequest('Variable name is required');
  if (name === TIMEOUT_ABSOLUTE) {
    setAbsoluteTimeout(sim, ch, value);
    return;
  }
  const fn = /^([A-Z_]+)\((.*)\)$/.exec(name);
  if (fn) {
    // A few writable functions that billing may touch; others are accepted and ignored.
    if (fn[1] === 'CHANNEL' && fn[2] === 'accountcode') ch.accountcode = value;
    else if (fn[1] === 'CALLERID' && (fn[2] === 'num' || fn[2] === 'number'))
      ch.caller = { ...ch.caller, number: value };
    else if (fn[1] === 'CALLERID' && fn[2] === 'name') ch.caller = { ...ch.caller, name: value };
    return;
  }
  varset(sim, ch, name, value);
}

export function getVariable(sim: SimEngine, ch: SimChannel, name: string): string {
  if (name === '') throw AriError.badRequest('Variable name is required');
  switch (name) {
    case TIMEOUT_ABSOLUTE:
      return ch.absoluteDeadline === undefined
        ? '0'
        : (Math.max(0, ch.absoluteDeadline - sim.clock.now()) / 1000).toFixed(3);
    case 'CHANNEL(linkedid)':
      return ch.linkedid;
    case 'CHANNEL(uniqueid)':
      return ch.id;
    case 'CHANNEL(name)':
      return ch.name;
    case 'CHANNEL(accountcode)':
      return ch.accountcode;
    case 'CHANNEL(state)':
      return ch.state;
    case 'CHANNEL(language)':
      return ch.language;
    case 'CALLERID(num)':
    case 'CALLERID(number)':
      return ch.caller.number;
    case 'CALLERID(name)':
      return ch.caller.name;
    case 'CALLERID(all)':
      return ch.caller.name ? `"${ch.caller.name}" <${ch.caller.number}>` : ch.caller.number;
    case 'EXTEN':
      return ch.dialplan.exten;
    case 'CONTEXT':
      return ch.dialplan.context;
  }
  const value = ch.vars.get(name);
  if (value === undefined) throw AriError.notFound('Provided variable was');
  return value;
}
