/**
 * The operator console: a Preact single-page app served at /console. Pages are chosen by the
 * URL hash (#/calls ...) so the browser's back button and bookmarks work without server routes.
 * Live data comes from GET /console/events (server-sent events) and is shared by every page.
 */
import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, setCsrf, type Json } from './api.js';
import { AccountsPage } from './accounts.js';
import { AuditPage, CdrsPage, RatesPage } from './records.js';
import { CallsPage, DashboardPage } from './live.js';

export interface Me {
  name: string | null;
  role: 'admin' | 'support' | 'read-only';
}

const PAGES: Array<[string, string]> = [
  ['dashboard', 'Dashboard'],
  ['calls', 'Live calls'],
  ['accounts', 'Accounts'],
  ['rates', 'Rates'],
  ['cdrs', 'CDRs'],
  ['audit', 'Audit'],
];

const pageOf = () => /^#\/([a-z]+)/.exec(location.hash)?.[1] ?? 'dashboard';

/** The live snapshot; `onEnded` when the server ends the stream because the session ended. */
function useLive(enabled: boolean, onEnded: () => void): Json | null {
  const [snap, setSnap] = useState<Json | null>(null);
  useEffect(() => {
    if (!enabled) return;
    const es = new EventSource('/console/events');
    es.addEventListener('snapshot', (ev) => setSnap(JSON.parse((ev as MessageEvent).data)));
    es.addEventListener('ended', () => {
      es.close();
      onEnded();
    });
    return () => es.close();
  }, [enabled]);
  return snap;
}

function Login({ onIn }: { onIn: (me: Me) => void }) {
  const [error, setError] = useState('');
  const submit = async (ev: Event) => {
    ev.preventDefault();
    const f = new FormData(ev.target as HTMLFormElement);
    try {
      const r = await api('POST', '/login', { name: f.get('name'), password: f.get('password') });
      setCsrf(r.csrf);
      onIn(r);
    } catch (e) {
      setError(errorText(e));
    }
  };
  return h(
    'div',
    { class: 'login' },
    h('h1', null, 'astbill console'),
    h(
      'form',
      { onSubmit: submit },
      h(
        'label',
        null,
        'Name',
        h('input', { name: 'name', autocomplete: 'username', required: true }),
      ),
      h(
        'label',
        null,
        'Password',
        h('input', {
          name: 'password',
          type: 'password',
          autocomplete: 'current-password',
          required: true,
        }),
      ),
      h('button', { type: 'submit' }, 'Log in'),
      error && h('p', { class: 'error', role: 'alert' }, error),
    ),
  );
}

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [page, setPage] = useState(pageOf());
  useEffect(() => {
    api('GET', '/session')
      .then((s) => {
        setCsrf(s.csrf);
        setMe(s);
      })
      .catch(() => setMe(null));
    const onHash = () => setPage(pageOf());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const live = useLive(!!me, () => {
    setCsrf(null);
    setMe(null);
  });
  if (me === undefined) return h('main', null, 'Loading…');
  if (me === null) return h(Login, { onIn: setMe });
  const logout = async () => {
    await api('POST', '/logout').catch(() => undefined);
    setCsrf(null);
    setMe(null);
  };
  const body =
    page === 'calls'
      ? h(CallsPage, { live, me })
      : page === 'accounts'
        ? h(AccountsPage, { me })
        : page === 'rates'
          ? h(RatesPage, { me })
          : page === 'cdrs'
            ? h(CdrsPage, null)
            : page === 'audit'
              ? h(AuditPage, null)
              : h(DashboardPage, { live });
  return h(
    'div',
    null,
    h(
      'header',
      null,
      h('strong', null, 'astbill'),
      h(
        'nav',
        { 'aria-label': 'pages' },
        PAGES.map(([id, label]) =>
          h('a', { href: `#/${id}`, 'aria-current': page === id ? 'page' : undefined }, label),
        ),
      ),
      h('span', { class: 'who' }, `${me.name ?? 'token'} (${me.role})`),
      h('button', { class: 'secondary', onClick: logout }, 'Log out'),
    ),
    h('main', null, body),
  );
}

render(h(App, null), document.getElementById('app')!);
