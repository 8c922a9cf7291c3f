/** A short trace of one call for a violation report: its attempt, faults near it, its events, its CDR and charges. */
import { asteriskTime } from '../../daemon/src/sim/clock.js';
import type { FaultEvent } from './faults.js';
import type { Attempt } from './workload.js';
import type { World } from './world.js';

export async function traceOf(
  world: World,
  attempts: Attempt[],
  faults: FaultEvent[],
  call: string | undefined,
): Promise<string[]> {
  const out: string[] = [];
  const a = attempts.find(
    (x) => x.id === call || (call !== undefined && call.startsWith(`${x.id}.`)),
  );
  if (!a) {
    out.push(
      `faults: ${
        faults
          .slice(-8)
          .map((f) => `${f.kind}@${f.step}`)
          .join(', ') || 'none'
      }`,
    );
    return out;
  }
  const sim = world.boxes[a.box]!.sim;
  out.push(
    `${a.kind} ${a.id} on box ${a.box + 1}, account ${a.account ?? '-'}, placed ${asteriskTime(a.placedAt)}`,
  );
  const ids = new Set([a.id, ...(a.peer ? [a.peer] : [])]);
  const events = sim.sentEvents('astbill').filter((s) => {
    const e = s.event as { channel?: { id: string }; peer?: { id: string } };
    return (e.channel && ids.has(e.channel.id)) || (e.peer && ids.has(e.peer.id));
  });
  const first = events[0]?.event.timestamp;
  const last = events[events.length - 1]?.event.timestamp;
  const inLife = faults.filter(
    (f) =>
      first !== undefined &&
      last !== undefined &&
      asteriskTime(f.at) >= first &&
      asteriskTime(f.at) <= last,
  );
  for (const f of inLife)
    out.push(
      `fault ${asteriskTime(f.at)} step ${f.step}: ${f.kind} box ${f.box + 1} (${f.detail})`,
    );
  for (const s of events.slice(0, 40))
    out.push(
      `${s.delivered ? 'event' : 'event (no websocket)'} ${s.event.timestamp} ${s.event.type}`,
    );
  for (const id of ids) {
    const e = sim.ended(id);
    if (e)
      out.push(
        `${id} ended ${asteriskTime(e.endedAt)} by ${e.hungUpBy}, answered ${e.answeredAt ? asteriskTime(e.answeredAt) : '-'}`,
      );
  }
  for (const c of await world.t.store.cdrs({})) {
    const mine =
      c.uniqueid === a.id ||
      (c.uniqueid.startsWith(`${a.id}.`) && /^\d+$/.test(c.uniqueid.slice(a.id.length + 1)));
    if (!mine && c.uniqueid !== a.peer) continue;
    out.push(
      `CDR ${c.uniqueid}: ${c.status} ${c.disposition ?? ''} ${c.reason ?? ''} billsec ${c.billsec} max ${c.maxSeconds} cost ${c.cost} node ${c.node}`,
    );
  }
  return out;
}
