/**
 * How long each media URI plays. Durations marked "measured" come from the recordings of a real
 * Asterisk 22 with the English core sounds; the rest are estimates of the core prompts, close
 * enough for billing tests (which only care that a prompt takes time and then finishes). Only the
 * names of the core set (core-sounds.ts) exist; any other sound fails, as on a stock Asterisk.
 */
import { CORE_SOUND_NAMES } from './core-sounds.js';

/** A core sound without its own estimate below. */
const DEFAULT_SOUND_MS = 1500;

/** Lengths in ms of the core sounds astbill and the tests use most. */
const SOUND_MS: Readonly<Record<string, number>> = {
  'agent-pass': 3300, // measured
  'vm-goodbye': 880, // measured
  beep: 250,
  'ss-noservice': 3800,
  'vm-nomore': 1300,
  'vm-password': 1100,
  'vm-youhave': 700,
  'vm-enter-num-to-call': 2200,
  'vm-nobodyavail': 2000,
  'confbridge-pin-bad': 3000,
  'agent-user': 1800,
  'auth-thankyou': 900,
  'auth-incorrect': 1700,
  'conf-getpin': 2600,
  'pbx-invalid': 2000,
  invalid: 1200,
  'please-try-again': 1000,
  'all-circuits-busy-now': 2200,
  'number-not-answering': 2400,
  'cannot-complete-as-dialed': 3000,
  'tt-allbusy': 3000,
  'hello-world': 1200,
  minutes: 600,
  minute: 550,
  seconds: 650,
  second: 600,
  'vm-and': 300,
  'digits/dollars': 600,
  'im-sorry': 700,
  'please-try-call-later': 1900,
  'silence/1': 1000,
  'silence/2': 2000,
  'silence/3': 3000,
  'silence/5': 5000,
  'silence/10': 10000,
};

/** Single-digit prompt lengths; 1, 2, 3, 7 and 9 are measured. */
const DIGIT_MS: Readonly<Record<string, number>> = {
  '0': 850,
  '1': 920,
  '2': 761,
  '3': 841,
  '4': 850,
  '5': 850,
  '6': 850,
  '7': 839,
  '8': 850,
  '9': 860,
};
const OTHER_DIGIT_FILE_MS = 850;
const TENS_MS = 900; // digits/20..digits/90; digits/40 measured at about 960
const TEEN_MS = 900;
const HUNDRED_MS = 700;
const THOUSAND_MS = 800;

function sayNumberFiles(n: number): number[] {
  if (n < 0) return [700, ...sayNumberFiles(-n)];
  if (n < 10) return [DIGIT_MS[String(n)] ?? OTHER_DIGIT_FILE_MS];
  if (n < 20) return [TEEN_MS];
  if (n < 100) {
    const tens = n === 40 || (n > 40 && n < 50) ? 960 : TENS_MS;
    return n % 10 === 0 ? [tens] : [tens, ...sayNumberFiles(n % 10)];
  }
  if (n < 1000) {
    const rest = n % 100;
    return [
      ...sayNumberFiles(Math.floor(n / 100)),
      HUNDRED_MS,
      ...(rest ? sayNumberFiles(rest) : []),
    ];
  }
  const rest = n % 1000;
  return [
    ...sayNumberFiles(Math.floor(n / 1000)),
    THOUSAND_MS,
    ...(rest ? sayNumberFiles(rest) : []),
  ];
}

/**
 * Play length in ms, `Infinity` for media that plays until stopped (tones), or `undefined` when the
 * media does not exist (Asterisk then reports the playback as failed).
 */
export function mediaDuration(
  uri: string,
  extraSounds: Readonly<Record<string, number>>,
): number | undefined {
  const colon = uri.indexOf(':');
  if (colon < 0) return undefined;
  const scheme = uri.slice(0, colon);
  const rest = uri.slice(colon + 1);
  switch (scheme) {
    case 'sound':
      return (
        extraSounds[rest] ??
        (CORE_SOUND_NAMES.has(rest) ? (SOUND_MS[rest] ?? DEFAULT_SOUND_MS) : undefined)
      );
    case 'number': {
      const n = Number.parseInt(rest, 10);
      if (!Number.isFinite(n) || !/^-?\d+$/.test(rest.trim())) return undefined;
      return sayNumberFiles(n).reduce((a, b) => a + b, 0);
    }
    case 'digits':
      if (rest === '') return undefined;
      return [...rest].reduce((sum, d) => sum + (DIGIT_MS[d] ?? OTHER_DIGIT_FILE_MS), 0);
    case 'characters':
      return rest.length * OTHER_DIGIT_FILE_MS;
    case 'tone':
      return Infinity;
    default:
      return undefined; // recording:, unknown schemes: nothing to play
  }
}
