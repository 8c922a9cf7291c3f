/**
 * An account's limits (credit limit, simultaneous calls, longest call), its spend caps and its
 * caller IDs, with the forms the operator's role allows: limits and caps are an admin's, caller
 * IDs support's too (the API checks the same roles). Money stays decimal strings.
 */
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type Json } from './api.js';
import type { Me } from './main.js';
import { formValues } from './table.js';

/** Posts to /accounts/NAME/PATH and shows `done`, or the API's refusal; true on success. */
type Act = (path: string, body: unknown, done: string) => Promise<boolean>;

/** '' clears a limit (null), digits set it. */
const wholeOrNone = (s: string | undefined): number | null => (s ? Number(s) : null);

const CAPS: Array<[string, string]> = [
  ['day', 'Spend per day'],
  ['month', 'Spend per month'],
  ['perCall', 'Cost per call'],
];

function LimitsForm({ a, act }: { a: Json; act: Act }) {
  return h(
    'form',
    {
      class: 'row',
      'aria-label': 'limits',
      onSubmit: (ev: Event) => {
        const f = formValues(ev);
        void act(
          'limits',
          {
            creditLimit: f.creditLimit || '0',
            maxCalls: wholeOrNone(f.maxCalls),
            maxCallSeconds: wholeOrNone(f.maxCallSeconds),
          },
          'limits saved',
        );
      },
    },
    h(
      'label',
      null,
      'Credit limit',
      h('input', {
        name: 'creditLimit',
        inputmode: 'decimal',
        pattern: '\\d+(\\.\\d{1,5})?',
        defaultValue: a.creditLimit,
      }),
    ),
    h(
      'label',
      null,
      'Max concurrent calls (empty: unlimited)',
      h('input', {
        name: 'maxCalls',
        inputmode: 'numeric',
        pattern: '\\d+',
        defaultValue: a.maxCalls ?? '',
      }),
    ),
    h(
      'label',
      null,
      'Max call seconds (empty: default)',
      h('input', {
        name: 'maxCallSeconds',
        inputmode: 'numeric',
        pattern: '\\d+',
        defaultValue: a.maxCallSeconds ?? '',
      }),
    ),
    h('button', { type: 'submit' }, 'Save limits'),
  );
}

function CapsForm({ name, caps, act }: { name: string; caps: Json; act: Act }) {
  return h(
    'form',
    {
      class: 'row',
      'aria-label': 'spend caps',
      onSubmit: (ev: Event) => {
        const f = formValues(ev);
        const body: Record<string, string | null> = {};
        for (const [k] of CAPS) body[k] = f[k] || null;
        void act('caps', body, `spend caps of ${name} saved`);
      },
    },
    CAPS.map(([k, label]) =>
      h(
        'label',
        null,
        `${label} (empty: none)`,
        h('input', {
          name: k,
          inputmode: 'decimal',
          pattern: '\\d+(\\.\\d{1,5})?',
          defaultValue: caps[k] ?? '',
        }),
      ),
    ),
    h('button', { type: 'submit', class: 'secondary' }, 'Save caps'),
  );
}

function CallerIds({ a, me, act }: { a: Json; me: Me; act: Act }) {
  const ids: string[] = a.anis ?? [];
  const may = me.role !== 'read-only';
  return h(
    'div',
    null,
    h('h3', null, 'Caller IDs'),
    h(
      'ul',
      { 'aria-label': 'caller IDs', class: 'callerids' },
      ids.length === 0
        ? h('li', null, 'none')
        : ids.map((n) =>
            h(
              'li',
              null,
              h('span', null, n),
              may &&
                h(
                  'button',
                  {
                    class: 'secondary',
                    'aria-label': `remove caller ID ${n}`,
                    onClick: () => act('callerids', { remove: [n] }, `caller ID ${n} removed`),
                  },
                  'Remove',
                ),
            ),
          ),
    ),
    may &&
      h(
        'form',
        {
          class: 'row',
          'aria-label': 'add caller ID',
          onSubmit: (ev: Event) => {
            const f = formValues(ev);
            const form = ev.target as HTMLFormElement;
            void act('callerids', { add: [f.callerId] }, `caller ID ${f.callerId} added`).then(
              (ok) => ok && form.reset(),
            );
          },
        },
        h(
          'label',
          null,
          'New caller ID',
          h('input', {
            name: 'callerId',
            inputmode: 'tel',
            pattern: '\\+?\\d{1,39}',
            required: true,
          }),
        ),
        h('button', { type: 'submit' }, 'Add caller ID'),
      ),
  );
}

/** `version` changes after every successful change, so the caps are read again. */
export function AccountLimits({
  a,
  me,
  act,
  version,
}: {
  a: Json;
  me: Me;
  act: Act;
  version: number;
}) {
  // null while the first read is out; 'unread' when the last read failed (never shown as "no cap").
  const [caps, setCaps] = useState<Json | null | 'unread'>(null);
  useEffect(() => {
    // An older, slower read must not overwrite a newer one.
    let current = true;
    api('GET', `/accounts/${encodeURIComponent(a.name)}/caps`)
      .then((c: Json) => current && setCaps(c))
      .catch(() => current && setCaps('unread'));
    return () => {
      current = false;
    };
  }, [a.name, version]);
  const capShown = (k: string): string =>
    caps === null
      ? '…'
      : caps === 'unread'
        ? 'could not be read'
        : caps[k]
          ? `${caps[k]} ${a.currency}`
          : 'no cap';
  const shown = (v: string | number | null | undefined, none: string) =>
    v === null || v === undefined ? none : String(v);
  return h(
    'section',
    { 'aria-label': 'limits and caller IDs' },
    h('h3', null, 'Limits'),
    h(
      'dl',
      { class: 'facts', 'data-testid': 'limits' },
      h('dt', null, 'Credit limit'),
      h('dd', null, `${a.creditLimit} ${a.currency}`),
      h('dt', null, 'Max concurrent calls'),
      h('dd', null, shown(a.maxCalls, 'unlimited')),
      h('dt', null, 'Max call seconds'),
      h('dd', null, shown(a.maxCallSeconds, 'default')),
      ...CAPS.flatMap(([k, label]) => [h('dt', null, label), h('dd', null, capShown(k))]),
    ),
    me.role === 'admin' && h(LimitsForm, { a, act, key: `l${version}` }),
    me.role === 'admin' &&
      caps !== null &&
      caps !== 'unread' &&
      h(CapsForm, { name: a.name, caps, act, key: `c${version}` }),
    h(CallerIds, { a, me, act }),
  );
}
