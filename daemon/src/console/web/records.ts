/** Rates (list, CSV import with preview), CDRs (filters, totals, CSV export) and the audit trail. */
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { DISPOSITIONS } from '../../domain/cdr-vocabulary.js';
import { api, errorText, type Json } from './api.js';
import type { Me } from './main.js';
import { sumMoney } from './money.js';
import { formValues, Table } from './table.js';

export function RatesPage({ me }: { me: Me }) {
  const [rates, setRates] = useState<Json[]>([]);
  const [tariff, setTariff] = useState('');
  const [csv, setCsv] = useState('');
  const [preview, setPreview] = useState<Json | null>(null);
  const [msg, setMsg] = useState<[string, boolean]>(['', true]);
  const load = () =>
    api('GET', `/rates${tariff ? `?tariff=${encodeURIComponent(tariff)}` : ''}`)
      .then((r) => setRates(r.rates))
      .catch((e) => setMsg([errorText(e), false]));
  useEffect(() => void load(), [tariff]);
  const send = async (commit: boolean) => {
    try {
      const r = await api('POST', '/rates/import', { csv, commit });
      setPreview(r);
      if (r.written) {
        setMsg([
          `imported ${r.rates.length} rate(s): ${r.inserted} added, ${r.updated} updated`,
          true,
        ]);
        setCsv('');
        await load();
      } else
        setMsg([
          r.problems.length
            ? `${r.problems.length} bad line(s): nothing was written`
            : 'preview: nothing written yet',
          r.problems.length === 0,
        ]);
    } catch (e) {
      setMsg([errorText(e), false]);
    }
  };
  const tariffs = [...new Set(rates.map((r) => r.tariff))];
  return h(
    'div',
    null,
    h('h1', null, 'Rates'),
    h(
      'label',
      null,
      'Tariff',
      h('input', {
        value: tariff,
        placeholder: 'all',
        onChange: (e: Event) => setTariff((e.target as HTMLInputElement).value.trim()),
      }),
    ),
    h('p', null, `tariffs: ${tariffs.join(', ') || 'none'}`),
    h(Table<Json>, {
      rows: rates,
      columns: [
        { title: 'Tariff', cell: (r) => r.tariff },
        { title: 'Prefix', cell: (r) => r.prefix },
        { title: 'Description', cell: (r) => r.description },
        { title: 'Per minute', cell: (r) => r.ratePerMin, n: true },
        { title: 'Connect', cell: (r) => r.connectFee, n: true },
        { title: 'Increments', cell: (r) => `${r.initialSecs}/${r.incrementSecs}` },
      ],
      empty: 'no rates',
    }),
    me.role === 'admin' &&
      h(
        'section',
        { 'aria-label': 'import rates' },
        h('h2', null, 'Import CSV'),
        h(
          'p',
          null,
          'Header: tariff,prefix,description,rate_per_min,connect_fee,initial_secs,increment_secs,min_secs',
        ),
        h('textarea', {
          'aria-label': 'rate CSV',
          value: csv,
          onInput: (e: Event) => setCsv((e.target as HTMLTextAreaElement).value),
        }),
        h('input', {
          type: 'file',
          accept: '.csv,text/csv',
          'aria-label': 'rate CSV file',
          onChange: async (e: Event) => {
            const f = (e.target as HTMLInputElement).files?.[0];
            if (f) setCsv(await f.text());
          },
        }),
        h(
          'div',
          { class: 'row' },
          h('button', { class: 'secondary', onClick: () => send(false) }, 'Preview'),
          ' ',
          h(
            'button',
            { onClick: () => send(true), disabled: !preview || preview.problems.length > 0 },
            'Import',
          ),
        ),
      ),
    msg[0] && h('p', { class: msg[1] ? 'okmsg' : 'error', role: 'status' }, msg[0]),
    preview &&
      preview.problems.length > 0 &&
      h(
        'ul',
        { class: 'problems', 'aria-label': 'bad lines' },
        preview.problems.map((p: string) => h('li', null, p)),
      ),
    preview &&
      !preview.written &&
      preview.problems.length === 0 &&
      h('p', null, `${preview.rates.length} rate(s) ready to import`),
  );
}

export function CdrsPage() {
  const [rows, setRows] = useState<Json[]>([]);
  const [query, setQuery] = useState('');
  const [local, setLocal] = useState({ dst: '', disposition: '' });
  const [error, setError] = useState('');
  useEffect(() => {
    api('GET', `/cdrs?limit=1000${query}`)
      .then((r) => setRows(r.cdrs))
      .catch((e) => setError(errorText(e)));
  }, [query]);
  const filter = (ev: Event) => {
    const f = formValues(ev);
    const q = ['account', 'since', 'until']
      .filter((k) => f[k])
      .map((k) => `&${k}=${encodeURIComponent(f[k]!)}`)
      .join('');
    setLocal({ dst: f.dst ?? '', disposition: f.disposition ?? '' });
    setError('');
    setQuery(q);
  };
  const shown = rows
    .filter(
      (c) =>
        c.dst.startsWith(local.dst) && (!local.disposition || c.disposition === local.disposition),
    )
    .reverse();
  return h(
    'div',
    null,
    h('h1', null, 'CDRs'),
    h(
      'form',
      { class: 'row', onSubmit: filter, 'aria-label': 'filter CDRs' },
      h('label', null, 'Account', h('input', { name: 'account' })),
      h('label', null, 'Destination starts with', h('input', { name: 'dst' })),
      h(
        'label',
        null,
        'Disposition',
        h(
          'select',
          { name: 'disposition' },
          ['', ...DISPOSITIONS].map((d) => h('option', { value: d }, d || 'any')),
        ),
      ),
      h('label', null, 'Since (UTC)', h('input', { name: 'since', type: 'date' })),
      h('label', null, 'Until (UTC)', h('input', { name: 'until', type: 'date' })),
      h('button', { type: 'submit' }, 'Filter'),
      h('a', { href: `/cdrs?format=csv&limit=10000${query}`, download: 'cdrs.csv' }, 'Export CSV'),
    ),
    error && h('p', { class: 'error' }, error),
    h(
      'p',
      { 'data-testid': 'cdr-totals' },
      `${shown.length} call(s), ${shown.reduce((s, c) => s + c.billsec, 0)} billed seconds, cost ${sumMoney(shown.map((c) => c.cost))}`,
    ),
    h(Table<Json>, {
      rows: shown,
      columns: [
        { title: 'Start', cell: (c) => c.start },
        { title: 'Account', cell: (c) => c.account },
        { title: 'From', cell: (c) => c.src },
        { title: 'Destination', cell: (c) => c.dst },
        { title: 'Disposition', cell: (c) => c.disposition ?? c.status },
        { title: 'Reason', cell: (c) => c.reason },
        { title: 'Billsec', cell: (c) => c.billsec, n: true },
        { title: 'Cost', cell: (c) => c.cost, n: true },
      ],
      empty: 'no CDRs',
    }),
  );
}

export function AuditPage() {
  const [rows, setRows] = useState<Json[]>([]);
  const [error, setError] = useState('');
  const load = (f: Record<string, string> = {}) => {
    const q = new URLSearchParams();
    if (f.target) q.set('target', f.target);
    if (f.actor) q.set('actor', f.actor);
    const qs = q.toString();
    api('GET', qs ? `/audit?${qs}` : '/audit')
      .then((r) => {
        setRows(r.entries);
        setError('');
      })
      .catch((e) => setError(errorText(e)));
  };
  useEffect(() => load(), []);
  return h(
    'div',
    null,
    h('h1', null, 'Audit trail'),
    h(
      'form',
      { class: 'row', 'aria-label': 'filter audit', onSubmit: (ev: Event) => load(formValues(ev)) },
      h(
        'label',
        null,
        'Target',
        h('input', { name: 'target', placeholder: 'account:alice, tariff:default' }),
      ),
      h('label', null, 'Who', h('input', { name: 'actor', placeholder: 'user:ada' })),
      h('button', { type: 'submit', class: 'secondary' }, 'Filter'),
    ),
    error && h('p', { class: 'error' }, error),
    h(
      'div',
      { class: 'audit' },
      h(Table<Json>, {
        rows,
        columns: [
          { title: 'When', cell: (e) => e.at },
          { title: 'Who', cell: (e) => e.actor },
          { title: 'What', cell: (e) => e.action },
          { title: 'Target', cell: (e) => e.target },
          { title: 'Before', cell: (e) => e.before },
          { title: 'After', cell: (e) => e.after },
        ],
        empty: 'no changes recorded',
      }),
    ),
  );
}
