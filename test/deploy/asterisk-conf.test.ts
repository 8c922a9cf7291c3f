import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../daemon/src/config.js';

/** One setting of an Asterisk config file, with the comment lines just above it. */
interface Setting {
  key: string;
  value: string;
  line: number;
  commentAbove: string;
}

interface Section {
  name: string;
  /** `(!)` templates and `(template)` inheritance. */
  options: string;
  settings: Setting[];
}

/** A parser for the Asterisk config syntax these files use: [section](opts), key = value, key => value, ; comments. */
function parseConf(path: string): Section[] {
  const sections: Section[] = [];
  let comments: string[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      const line = raw.trim();
      if (line === '') return void (comments = []);
      if (line.startsWith(';')) return void comments.push(line.slice(1).trim());
      const text = line.replace(/\s;.*$/, '').trim();
      const header = /^\[([^\]]+)\](?:\(([^)]*)\))?(?:\s.*)?$/.exec(text);
      if (header) {
        sections.push({ name: header[1]!, options: header[2] ?? '', settings: [] });
      } else {
        const m = /^([^=]+?)\s*=>?\s*(.*)$/.exec(text);
        assert.ok(m, `${path}:${i + 1}: not a setting: ${raw}`);
        assert.ok(sections.length > 0, `${path}:${i + 1}: setting outside a section`);
        sections.at(-1)!.settings.push({
          key: m[1]!.trim(),
          value: m[2]!.trim(),
          line: i + 1,
          commentAbove: comments.join(' '),
        });
      }
      comments = [];
    });
  return sections;
}

const get = (s: Section | undefined, key: string) => s?.settings.find((x) => x.key === key)?.value;
const section = (all: Section[], name: string, type?: string) =>
  all.find((s) => s.name === name && (type === undefined || get(s, 'type') === type));

const defaults = loadConfig({});
const ari = parseConf('asterisk-conf/ari.conf');
const http = parseConf('asterisk-conf/http.conf');
const dialplan = parseConf('asterisk-conf/extensions.conf');
const pjsip = parseConf('asterisk-conf/pjsip.conf');
const modules = parseConf('asterisk-conf/modules.conf');

describe('asterisk-conf/', () => {
  describe('ari.conf and http.conf', () => {
    it('enable ARI over HTTP on the port of the daemon’s default ARI_URL', () => {
      assert.equal(get(section(http, 'general'), 'enabled'), 'yes');
      assert.equal(get(section(http, 'general'), 'bindport'), new URL(defaults.ari.url).port);
      assert.equal(get(section(ari, 'general'), 'enabled'), 'yes');
    });

    it('define the ARI user the daemon logs in as by default, with write access', () => {
      const user = section(ari, defaults.ari.username, 'user');
      assert.ok(user, `[${defaults.ari.username}] type=user`);
      assert.equal(get(user, 'read_only'), 'no');
      assert.equal(get(user, 'password_format'), 'plain');
    });

    it('flag the sample ARI password as a placeholder', () => {
      const pw = section(ari, defaults.ari.username)!.settings.find((s) => s.key === 'password')!;
      assert.match(pw.value, /^CHANGE-ME-/);
      assert.match(pw.commentAbove, /PLACEHOLDER/);
      assert.equal(
        ari.flatMap((s) => s.settings).filter((s) => s.key === 'password').length,
        1,
        'docker-init.sh rewrites the only password line',
      );
    });
  });

  describe('extensions.conf', () => {
    const contexts = new Set(dialplan.map((s) => s.name));
    const lines = dialplan.flatMap((s) =>
      s.settings
        .filter((x) => x.key === 'exten' || x.key === 'same')
        .map((x) => ({ context: s.name, ...x })),
    );

    it('has the subscriber, calling-card, trunk and unavailable contexts', () => {
      for (const c of ['from-subscribers', 'calling-card', 'from-trunk', 'astbill-unavailable'])
        assert.ok(contexts.has(c), c);
    });

    it('names the daemon’s default ARI application', () => {
      assert.equal(get(section(dialplan, 'globals'), 'ASTBILL_APP'), defaults.ari.app);
    });

    it('sends subscriber calls to Stasis with the dialled number as the first argument', () => {
      const sub = lines.filter((l) => l.context === 'from-subscribers');
      assert.ok(sub.some((l) => l.value.includes('Stasis(${ASTBILL_APP},${EXTEN})')));
    });

    it('follows every Stasis() with the STASISSTATUS=FAILED branch, as a real Asterisk continues there when the app is down', () => {
      const stasis = lines.filter((l) => /\bStasis\(/.test(l.value));
      assert.ok(stasis.length >= 2);
      for (const l of stasis) {
        const next = lines[lines.indexOf(l) + 1]!;
        assert.equal(next.context, l.context);
        assert.equal(next.key, 'same');
        assert.match(
          next.value,
          /^n,GotoIf\(\$\["\$\{STASISSTATUS\}" = "FAILED"\]\?astbill-unavailable,s,1\)$/,
          `${l.context} line ${next.line}`,
        );
      }
    });

    it('plays a message and hangs up when astbill is unavailable, without answering', () => {
      const apps = lines
        .filter((l) => l.context === 'astbill-unavailable')
        .map((l) => l.value.replace(/^(s,1|n),/, ''));
      assert.ok(apps.includes('Progress()'));
      assert.ok(apps.some((a) => /^Playback\([^)]*,noanswer\)$/.test(a)));
      assert.match(apps.at(-1)!, /^Hangup\(/);
      assert.ok(!apps.some((a) => a.startsWith('Answer(')));
    });

    it('hangs up unanswered callers with causes chan_pjsip turns into the SIP response the comment names', () => {
      // chan_pjsip's cause → SIP response table (Asterisk 22); a cause it lacks (41, 38, ...) goes out as 603 Decline.
      const sip: Record<string, string> = {
        '1': '404',
        '17': '486',
        '19': '480',
        '21': '403',
        '34': '503',
        '42': '503',
      };
      const hangups = lines.filter((l) => /Hangup\(\d+\)/.test(l.value));
      assert.ok(hangups.length >= 2);
      for (const l of hangups) {
        const cause = /Hangup\((\d+)\)/.exec(l.value)![1]!;
        assert.ok(sip[cause], `${l.context}:${l.line}: cause ${cause} has no SIP response (603)`);
        assert.match(l.commentAbove, new RegExp(`\\b${sip[cause]}\\b`), `${l.context}:${l.line}`);
      }
      const unavailable = hangups.find((l) => l.context === 'astbill-unavailable');
      assert.equal(sip[/Hangup\((\d+)\)/.exec(unavailable!.value)![1]!], '503');
    });

    it('only jumps to contexts it defines', () => {
      for (const l of lines) {
        for (const m of l.value.matchAll(/(?:Goto|GotoIf\([^?]*\?)\(?([a-z-]+),[^,]+,\d+/g))
          assert.ok(contexts.has(m[1]!), `${l.context}:${l.line} → ${m[1]}`);
      }
    });
  });

  describe('pjsip.conf', () => {
    const endpoints = pjsip.filter(
      (s) => get(s, 'type') === 'endpoint' || s.options.includes('subscriber'),
    );
    const contexts = new Set(dialplan.map((s) => s.name));

    it('puts every endpoint in a context of extensions.conf', () => {
      for (const e of endpoints.filter((x) => x.options !== '!')) {
        const ctx =
          get(e, 'context') ??
          get(
            pjsip.find((s) => s.name === e.options),
            'context',
          );
        assert.ok(ctx && contexts.has(ctx), `${e.name}: context ${ctx}`);
      }
    });

    it('has a softphone whose accountcode names its astbill account', () => {
      const alice = pjsip.find((s) => s.name === 'alice' && s.options === 'subscriber');
      assert.ok(alice);
      assert.equal(get(alice, 'accountcode'), 'alice');
      assert.equal(
        get(
          pjsip.find((s) => s.name === 'subscriber'),
          'context',
        ),
        'from-subscribers',
      );
    });

    it('has the trunk endpoint the daemon’s default dial string uses', () => {
      const target = /@(\w+)$/.exec(defaults.dial)?.[1];
      assert.equal(target, 'trunk');
      assert.ok(section(pjsip, 'trunk', 'endpoint'));
      assert.equal(get(section(pjsip, 'trunk', 'endpoint'), 'context'), 'from-trunk');
    });

    it('refers only to auth and aor sections it defines', () => {
      for (const e of endpoints) {
        for (const key of ['auth', 'outbound_auth']) {
          const ref = get(e, key);
          if (ref) assert.ok(section(pjsip, ref, 'auth'), `${e.name}.${key} = ${ref}`);
        }
        const aors = get(e, 'aors');
        if (aors) assert.ok(section(pjsip, aors, 'aor'), `${e.name}.aors = ${aors}`);
      }
    });

    it('flags every password as a placeholder', () => {
      const passwords = pjsip.flatMap((s) => s.settings.filter((x) => x.key === 'password'));
      assert.ok(passwords.length >= 2);
      for (const p of passwords) {
        assert.match(p.value, /^CHANGE-ME-/, `line ${p.line}`);
        assert.match(p.commentAbove, /PLACEHOLDER/, `line ${p.line}`);
      }
    });
  });

  describe('modules.conf', () => {
    it('requires the modules billing cannot work without', () => {
      const required = section(modules, 'modules')!
        .settings.filter((s) => s.key === 'require')
        .map((s) => s.value);
      for (const m of [
        'res_ari.so',
        'res_stasis.so',
        'app_stasis.so',
        'res_http_websocket.so',
        'chan_pjsip.so',
        'func_timeout.so',
      ])
        assert.ok(required.includes(m), m);
    });
  });

  describe('every file', () => {
    it('explains itself in its first line', () => {
      for (const f of readdirSync('asterisk-conf').filter((x) => x.endsWith('.conf'))) {
        assert.match(
          readFileSync(join('asterisk-conf', f), 'utf8').split('\n')[0]!,
          new RegExp(`^; ${f.replace('.', '\\.')}: `),
          f,
        );
      }
    });
  });

  describe('docker-init.sh', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'astbill-init-'));
      writeFileSync(join(dir, 'entrypoint.sh'), '#!/bin/sh\necho "image entrypoint: $*"\n', {
        mode: 0o755,
      });
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const init = (env: Record<string, string>) =>
      spawnSync('sh', ['asterisk-conf/docker-init.sh', '/usr/sbin/asterisk', '-f'], {
        encoding: 'utf8',
        env: {
          PATH: process.env.PATH ?? '',
          ASTBILL_CONF_SRC: 'asterisk-conf',
          ASTBILL_CONF_DST: dir,
          ASTBILL_IMAGE_ENTRYPOINT: `${dir}/entrypoint.sh`,
          ...env,
        },
      });

    it('installs the files with the ARI user and password of .env, then runs the image entry point', () => {
      const r = init({ ARI_USERNAME: 'billing', ARI_PASSWORD: 'a1b2c3d4e5f6/+=xyz' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'image entrypoint: /usr/sbin/asterisk -f');
      const conf = readFileSync(join(dir, 'ari.conf'), 'utf8');
      assert.match(conf, /^\[billing\]$/m);
      assert.match(conf, /^password = a1b2c3d4e5f6\/\+=xyz$/m);
      assert.ok(!conf.includes('CHANGE-ME'));
      assert.ok(!/^\[astbill\]$/m.test(conf));
      for (const f of ['extensions.conf', 'pjsip.conf', 'http.conf', 'rtp.conf', 'modules.conf'])
        assert.equal(
          readFileSync(join(dir, f), 'utf8'),
          readFileSync(join('asterisk-conf', f), 'utf8'),
        );
    });

    it('refuses to start with the placeholder, a short password or characters Asterisk cannot read', () => {
      for (const [user, password] of [
        ['astbill', 'CHANGE-ME-ari-password'],
        ['astbill', 'short'],
        ['astbill', 'has;semicolon-123'],
        ['astbill', 'has space-1234567'],
        ['bad]user', 'a1b2c3d4e5f6a1b2'],
      ] as const) {
        const r = init({ ARI_USERNAME: user, ARI_PASSWORD: password });
        assert.equal(r.status, 1, `${user}/${password}`);
        assert.match(r.stderr, /^docker-init: /);
      }
      const unset = init({ ARI_USERNAME: 'astbill' });
      assert.notEqual(unset.status, 0, 'ARI_PASSWORD unset');
      assert.match(unset.stderr, /ARI_PASSWORD is not set/);
    });
  });
});
