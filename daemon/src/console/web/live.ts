/** Dashboard and live calls: both read the shared server-sent snapshot. */
import { h } from 'preact';
import { useState } from 'preact/hooks';
import { api, errorText, type Json } from './api.js';
import type { Me } from './main.js';

const card = (k: string, v: string | number, id: string) =>
  h(
    'div',
    { class: 'card', 'data-testid': id },
    h('div', { class: 'k' }, k),
    h('div', { class: 'v' }, String(v)),
  );

export function DashboardPage({ live }: { live: Json | null }) {
  if (!live) return h('p', null, 'Waiting for live data…');
  const d = live.dashboard;
  const max = Math.max(1, ...(d.callsPerMinute as number[]));
  const lastMinute = (d.callsPerMinute as number[]).at(-1) ?? 0;
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
      card('Revenue today', d.today.revenue, 'revenue'),
      card('Reserved', d.reserved, 'reserved'),
      card('ARI', d.health.ari ? 'connected' : 'DOWN', 'ari'),
      card('Database', d.health.database ? 'reachable' : 'DOWN', 'database'),
      card('Journal backlog', d.health.journalBacklog, 'journal'),
    ),
    h('h2', null, 'Calls per minute, last hour'),
    h(
      'div',
      { class: 'chart', role: 'img', 'aria-label': 'calls started per minute over the last hour' },
      (d.callsPerMinute as number[]).map((n) =>
        h('span', { style: { height: `${Math.round((n / max) * 100)}%` } }),
      ),
    ),
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
    h(
      'div',
      { class: 'table' },
      h(
        'table',
        null,
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ['Account', 'Destination', 'State', 'Talk', 'Granted', 'Reserved', 'Node', ''].map(
              (t) => h('th', null, t),
            ),
          ),
        ),
        h(
          'tbody',
          null,
          calls.length === 0
            ? h('tr', null, h('td', { colSpan: 8 }, 'no calls in progress'))
            : calls.map((c) =>
                h(
                  'tr',
                  { 'data-call': c.id },
                  h('td', null, c.account ?? '–'),
                  h('td', null, c.destination ?? '–'),
                  h('td', null, c.state),
                  h('td', { class: 'n' }, talk(c)),
                  h('td', { class: 'n' }, c.maxSeconds === null ? '–' : `${c.maxSeconds} s`),
                  h('td', { class: 'n' }, c.maxCost ?? '–'),
                  h('td', null, c.node),
                  h(
                    'td',
                    null,
                    me.role === 'admin' &&
                      h('button', { class: 'danger', onClick: () => hangup(c.id) }, 'Hang up'),
                  ),
                ),
              ),
        ),
      ),
    ),
  );
}
