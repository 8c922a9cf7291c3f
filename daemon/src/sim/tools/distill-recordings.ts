/**
 * Distils event recordings of a real Asterisk (a directory of one JSON file per scenario, kept
 * outside this repository) into the facts the simulator's comparison test checks: per scenario,
 * each event's time offset, type, channel role and the billing-relevant fields (dialstatus, cause,
 * soft, state, variable, digit, playback state). No payloads or prose are copied; neither the
 * tests nor the daemon need the recordings. Run by hand when new recordings are made:
 *   npx tsx daemon/src/sim/tools/distill-recordings.ts <recordings dir> test/sim/fixtures/recorded-sequences.json
 */
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

interface RawChannel {
  id: string;
  name: string;
  state: string;
}
type RawEvent = Record<string, unknown> & { type: string };

export interface DistilledEvent {
  t: number;
  type: string;
  role: string;
  state?: string;
  dialstatus?: string;
  cause?: number;
  soft?: boolean;
  variable?: string;
  /** For ChannelVarset: the value, with channel names replaced by their role. */
  value?: string;
  args?: string[];
  digit?: string;
  media?: string;
  next?: string;
  playback?: string;
  app?: string;
}

/** Roles: A = caller's Stasis channel, A-caller = its Local ;1; B = originated ;1, B-far = its ;2. Later ones get 2, 3... */
function roleOf(name: string, known: Map<string, string>, counters: Map<string, number>): string {
  const base = name.replace(/;[12]$/, '');
  const half = name.endsWith(';1') ? 1 : name.endsWith(';2') ? 2 : 0;
  let kind: 'A' | 'B';
  if (name.includes('@pstn-sim')) kind = 'B';
  else kind = 'A';
  let group = known.get(base);
  if (!group) {
    const n = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, n);
    group = n === 1 ? kind : `${kind}${n}`;
    known.set(base, group);
  }
  if (half === 0) return group;
  if (kind === 'A') return half === 2 ? group : `${group}-caller`;
  return half === 1 ? group : `${group}-far`;
}

export function distil(events: { t_ms: number; event: RawEvent }[]): DistilledEvent[] {
  const known = new Map<string, string>();
  const counters = new Map<string, number>();
  const byId = new Map<string, string>();
  const nameRole = (ch: RawChannel): string => {
    const r = roleOf(ch.name, known, counters);
    byId.set(ch.id, r);
    return r;
  };
  return events.map(({ t_ms, event: e }) => {
    const ch = (e.channel ?? e.peer) as RawChannel | undefined;
    const out: DistilledEvent = { t: t_ms, type: e.type, role: 'bridge' };
    if (ch) {
      out.role = nameRole(ch);
      out.state = ch.state;
    }
    const pb = e.playback as
      { media_uri: string; next_media_uri?: string; state: string; target_uri: string } | undefined;
    if (pb) {
      out.role = byId.get(pb.target_uri.replace(/^channel:/, '')) ?? 'unknown';
      out.media = pb.media_uri;
      if (pb.next_media_uri !== undefined) out.next = pb.next_media_uri;
      out.playback = pb.state;
    }
    if (typeof e.dialstatus === 'string') out.dialstatus = e.dialstatus;
    if (typeof e.cause === 'number') out.cause = e.cause;
    if (e.soft === true) out.soft = true;
    if (typeof e.variable === 'string') {
      out.variable = e.variable;
      const v = String(e.value ?? '');
      out.value =
        v === ''
          ? ''
          : v.startsWith('Local/') || v.startsWith('IAX2/')
            ? `<${roleOf(v, known, counters)}>`
            : v;
    }
    if (Array.isArray(e.args)) out.args = e.args.map(String);
    if (typeof e.digit === 'string') out.digit = e.digit;
    if (typeof e.dialplan_app === 'string') out.app = e.dialplan_app;
    return out;
  });
}

function main(): void {
  const [src, dest] = process.argv.slice(2);
  if (!src || !dest) {
    process.stderr.write('usage: distill-recordings <recordings dir> <output json>\n');
    process.exitCode = 2;
    return;
  }
  const result: Record<string, DistilledEvent[]> = {};
  for (const f of readdirSync(src).sort()) {
    if (!f.endsWith('.json') || f.startsWith('_')) continue;
    const data = JSON.parse(readFileSync(join(src, f), 'utf8')) as {
      scenario?: string;
      events: { t_ms: number; event: RawEvent }[];
    };
    result[f.replace(/\.json$/, '')] = distil(data.events);
  }
  writeFileSync(dest, JSON.stringify(result, null, 1) + '\n');
  process.stdout.write(`wrote ${Object.keys(result).length} scenarios to ${dest}\n`);
}

if (
  process.argv[1]?.endsWith('distill-recordings.ts') ||
  process.argv[1]?.endsWith('distill-recordings.js')
)
  main();
