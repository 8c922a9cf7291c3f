/**
 * Accounts: search, create, and one account's money (top up, block, PIN), limits and caller IDs
 * (account-limits.ts), ledger and CDRs.
 */
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, type Json } from './api.js';
import { AccountLimits } from './account-limits.js';
import type { Me } from './main.js';
import { formValues, Table } from './table.js';

const canSupport = (me: Me) => me.role !== 'read-only';

function Account({ name, me, onChange }: { name: string; me: Me; onChange: () => void }) {
  const [a, setA] = useState<Json | null>(null);
  const [ledger, setLedger] = useState<Json[]>([]);
  const [cdrs, setCdrs] = useState<Json[]>([]);
  const [msg, setMsg] = useState<[string, boolean]>(['', true]);
  const [version, setVersion] = useState(0);
  const load = async () => {
    const p = encodeURIComponent(name);
    setA(await api('GET', `/accounts/${p}`));
    setLedger((await api('GET', `/accounts/${p}/ledger`)).entries);
    setCdrs((await api('GET', `/cdrs?account=${p}`)).cdrs);
  };
  useEffect(() => void load().catch((e) => setMsg([errorText(e), false])), [name]);
  const act = async (path: string, body?: unknown, done = 'done') => {
    try {
      await api('POST', `/accounts/${encodeURIComponent(name)}/${path}`, body);
      setMsg([done, true]);
      await load();
      setVersion((v) => v + 1);
      onChange();
      return true;
    } catch (e) {
      setMsg([errorText(e), false]);
      return false;
    }
  };
  if (!a) return h('p', null, msg[0] || 'Loading…');
  return h(
    'section',
    { 'aria-label': `account ${name}` },
    h('h2', null, `Account ${a.name} (${a.status})`),
    h(
      'div',
      { class: 'cards' },
      [
        ['Balance', a.balance],
        ['Reserved', a.reserved],
        ['Available', a.available],
        ['Credit limit', a.creditLimit],
      ].map(([k, v]) =>
        h(
          'div',
          { class: 'card', 'data-testid': `acct-${String(k).toLowerCase().replace(' ', '-')}` },
          h('div', { class: 'k' }, k),
          h('div', { class: 'v' }, `${v} ${a.currency}`),
        ),
      ),
    ),
    msg[0] && h('p', { class: msg[1] ? 'okmsg' : 'error', role: 'status' }, msg[0]),
    canSupport(me) &&
      h(
        'div',
        null,
        h(
          'form',
          {
            class: 'row',
            onSubmit: (ev: Event) => {
              const f = formValues(ev);
              void act(
                'topup',
                { amount: f.amount, ...(f.reference ? { reference: f.reference } : {}) },
                `topped up ${f.amount}`,
              );
            },
          },
          h(
            'label',
            null,
            'Top-up amount',
            h('input', {
              name: 'amount',
              inputmode: 'decimal',
              pattern: '\\d+(\\.\\d{1,5})?',
              required: true,
            }),
          ),
          h('label', null, 'Reference', h('input', { name: 'reference' })),
          h('button', { type: 'submit' }, 'Top up'),
        ),
        h(
          'form',
          {
            class: 'row',
            onSubmit: (ev: Event) => {
              const f = formValues(ev);
              void act('pin', { pin: f.pin || null }, 'PIN changed');
            },
          },
          h(
            'label',
            null,
            'New PIN (empty: none)',
            h('input', { name: 'pin', inputmode: 'numeric', autocomplete: 'off' }),
          ),
          h('button', { type: 'submit', class: 'secondary' }, 'Reset PIN'),
        ),
        a.status === 'active'
          ? h(
              'button',
              { class: 'danger', onClick: () => act('block', undefined, 'blocked') },
              'Block',
            )
          : h('button', { onClick: () => act('unblock', undefined, 'unblocked') }, 'Unblock'),
      ),
    h('p', null, `Tariff ${a.tariff} · PIN ${a.hasPin ? 'set' : 'none'}`),
    h(AccountLimits, { a, me, act, version }),
    h('h2', null, 'Ledger'),
    h(Table<Json>, {
      rows: [...ledger].reverse(),
      columns: [
        { title: 'When', cell: (e) => e.created },
        { title: 'Kind', cell: (e) => e.kind },
        { title: 'Amount', cell: (e) => e.amount, n: true },
        { title: 'Balance after', cell: (e) => e.balanceAfter, n: true },
        { title: 'Reference', cell: (e) => e.reference },
      ],
    }),
    h('h2', null, 'CDRs'),
    h(Table<Json>, {
      rows: [...cdrs].reverse(),
      columns: [
        { title: 'Start', cell: (c) => c.start },
        { title: 'Destination', cell: (c) => c.dst },
        { title: 'Disposition', cell: (c) => c.disposition },
        { title: 'Billsec', cell: (c) => c.billsec, n: true },
        { title: 'Cost', cell: (c) => c.cost, n: true },
      ],
    }),
  );
}

export function AccountsPage({ me }: { me: Me }) {
  const [all, setAll] = useState<Json[]>([]);
  const [q, setQ] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const [msg, setMsg] = useState<[string, boolean]>(['', true]);
  const load = () =>
    api('GET', '/accounts')
      .then((r) => setAll(r.accounts))
      .catch((e) => setMsg([errorText(e), false]));
  useEffect(() => void load(), []);
  const create = async (ev: Event) => {
    const f = formValues(ev);
    try {
      const body: Record<string, unknown> = { name: f.name, balance: f.balance || '0' };
      if (f.tariff) body.tariff = f.tariff;
      if (f.anis) body.anis = f.anis.split(/[ ,]+/).filter(Boolean);
      await api('POST', '/accounts', body);
      setMsg([`account ${f.name} created`, true]);
      (ev.target as HTMLFormElement).reset();
      await load();
      setOpen(f.name!);
    } catch (e) {
      setMsg([errorText(e), false]);
    }
  };
  const shown = all.filter(
    (a) =>
      a.name.toLowerCase().includes(q.toLowerCase()) || a.anis?.some((n: string) => n.includes(q)),
  );
  return h(
    'div',
    null,
    h('h1', null, 'Accounts'),
    msg[0] && h('p', { class: msg[1] ? 'okmsg' : 'error', role: 'status' }, msg[0]),
    me.role === 'admin' &&
      h(
        'form',
        { class: 'row', onSubmit: create, 'aria-label': 'create account' },
        h('label', null, 'Name', h('input', { name: 'name', required: true })),
        h('label', null, 'Opening balance', h('input', { name: 'balance', inputmode: 'decimal' })),
        h('label', null, 'Tariff', h('input', { name: 'tariff', placeholder: 'default' })),
        h('label', null, 'Caller IDs', h('input', { name: 'anis' })),
        h('button', { type: 'submit' }, 'Create'),
      ),
    h(
      'label',
      null,
      'Search',
      h('input', {
        type: 'search',
        value: q,
        onInput: (e: Event) => setQ((e.target as HTMLInputElement).value),
      }),
    ),
    h(Table<Json>, {
      rows: shown,
      columns: [
        {
          title: 'Name',
          cell: (a) => h('button', { class: 'secondary', onClick: () => setOpen(a.name) }, a.name),
        },
        { title: 'Status', cell: (a) => a.status },
        { title: 'Balance', cell: (a) => a.balance, n: true },
        { title: 'Reserved', cell: (a) => a.reserved, n: true },
        { title: 'Available', cell: (a) => a.available, n: true },
        { title: 'Currency', cell: (a) => a.currency },
        { title: 'Live calls', cell: (a) => a.liveCalls, n: true },
      ],
      empty: 'no accounts',
    }),
    open && h(Account, { name: open, me, onChange: () => void load() }),
  );
}
