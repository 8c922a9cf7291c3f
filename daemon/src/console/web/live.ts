/** Dashboard and live calls: both read the shared server-sent snapshot. */
import { h } from 'preact';
import { useState } from 'preact/hooks';
import { api, errorText, type Json } from './api.js';
import { MinuteBars } from './chart.js';
import { Table } from './table.js';
import type { Me } from './main.js';

/** '0' or '3 waiting, oldest 5 min' (the age from the snapshot's own time, not the browser's). */
function journalText(health: Json, now: number): string {
  if (health.journalBacklog === 0 || !health.journalOldest) return String(health.journalBacklog);
  const s = Math.max(0, Math.round((now - Date.parse(health.journalOldest)) / 1000));
  const age =
    s < 120 ? `${s} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
  return `${health.journalBacklog} waiting, oldest ${age}`;
}

const card = (k: string, v: string | number, id: string) =>
  h(
    'div',
    { class: 'card', 'data-testid': id },
    h('div', { class: 'k' }, k),
    h('div', { class: 'v' }, String(v)),
  );

/** Revenue per account currency ("1.20 EUR · 0.30 USD"); the plain sum when none was charged. */
function revenueText(today: Json): string {
  const per = (today.revenueByCurrency ?? []) as Array<{ currency: string; revenue: string }>;
  return per.length > 0
    ? per.map((x) => `${x.revenue} ${x.currency}`).join(' · ')
    : String(today.revenue);
}

export function DashboardPage({ live }: { live: Json | null }) {
  if (!live) return h('p', null, 'Waiting for live data…');
  const d = live.dashboard;
  const lastMinute = (d.callsPerMinute as number[]).at(-1) ?? 0;
  const concurrent = d.concurrentCalls as Array<number | null>;
  const peak = Math.max(0, ...concurrent.map((v) => v ?? 0));
  return h(
    'div',
    null,
    h('h1', null, 'Dashboard'),
    h(
      'div',
      { class: 'cards' },
      card('Live calls', d.liveCalls, 'live-calls'),
      card('Calls this minute', lastMinute, 'calls-per-minute'),
      card('ASR today', d.today.asr === null ? '–' : `${d.today.asr} %`, 'asr'),
      card('ACD today', d.today.acdSeconds === null ? '–' : `${d.today.acdSeconds} s`, 'acd'),
      card('Revenue today', revenueText(d.today), 'revenue'),
      card('Reserved', d.reserved, 'reserved'),
      card('ARI', d.health.ari ? 'connected' : 'DOWN', 'ari'),
      card('Database', d.health.database ? 'reachable' : 'DOWN', 'database'),
      card('Journal backlog', journalText(d.health, Date.parse(d.at)), 'journal'),
    ),
    h('h2', null, 'Concurrent calls, last hour'),
    h('p', { 'data-testid': 'concurrent-summary' }, `now ${d.liveCalls} · peak ${peak}`),
    h(MinuteBars, {
      values: concurrent,
      label: `peak calls in progress per minute over the last hour: now ${d.liveCalls}, peak ${peak}`,
      testid: 'concurrent-chart',
    }),
    h('h2', null, 'Calls per minute, last hour'),
    h(MinuteBars, {
      values: d.callsPerMinute,
      label: 'calls started per minute over the last hour',
      testid: 'calls-chart',
    }),
    h('h2', null, 'Accounts near zero'),
    d.nearZero.length === 0
      ? h('p', null, 'none')
      : h(
          'ul',
          null,
          (d.nearZero as Json[]).map((a) => h('li', null, `${a.name}: ${a.available}`)),
        ),
  );
}

export function CallsPage({ live, me }: { live: Json | null; me: Me }) {
  const [msg, setMsg] = useState('');
  const calls: Json[] = live?.calls ?? [];
  const hangup = async (id: string) => {
    try {
      await api('POST', `/calls/${encodeURIComponent(id)}/hangup`);
      setMsg(`hang-up requested for ${id}`);
    } catch (e) {
      setMsg(errorText(e));
    }
  };
  const talk = (c: Json) =>
    c.answered ? `${Math.max(0, Math.round((Date.now() - Date.parse(c.answered)) / 1000))} s` : '–';
  return h(
    'div',
    null,
    h('h1', null, 'Live calls'),
    msg && h('p', { role: 'status' }, msg),
    h(Table<Json>, {
      rows: calls,
      empty: 'no calls in progress',
      rowProps: (c) => ({ 'data-call': c.id }),
      columns: [
        { title: 'Account', cell: (c) => c.account },
        { title: 'Destination', cell: (c) => c.destination },
        { title: 'State', cell: (c) => c.state },
        { title: 'Talk', n: true, cell: talk },
        {
          title: 'Granted',
          n: true,
          cell: (c) => (c.maxSeconds === null ? '–' : `${c.maxSeconds} s`),
        },
        { title: 'Reserved', n: true, cell: (c) => c.maxCost },
        { title: 'Node', cell: (c) => c.node },
        {
          title: '',
          cell: (c) =>
            me.role === 'admin'
              ? h('button', { class: 'danger', onClick: () => hangup(c.id) }, 'Hang up')
              : '',
        },
      ],
    }),
  );
}
