import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DAEMON_NODE_FLAGS, DAEMON_SHIPPED_ENV } from '../../bench/daemon-process.js';

/** Tests run from the repository root (mocha's working directory). */
const read = (path: string) => readFileSync(path, 'utf8');

type Service = {
  image?: string;
  build?: string | { context: string };
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  entrypoint?: string[];
  command?: string[];
  networks?: string[];
};

const compose = parse(read('docker-compose.yml')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
  networks: Record<string, unknown>;
};
const { mariadb, asterisk, astbill } = compose.services as Record<
  'mariadb' | 'asterisk' | 'astbill',
  Service
>;

/** Every ${VAR...} reference in the compose file, with its form. */
const references = [
  ...read('docker-compose.yml').matchAll(/\$\{([A-Z0-9_]+)(:\?|:-|\?|-)?([^}]*)\}/g),
].map((m) => ({ name: m[1]!, op: m[2] ?? '', arg: m[3] ?? '' }));
const envExample = new Map(
  read('.env.example')
    .split('\n')
    .filter((l) => /^[A-Z0-9_]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
);

describe('docker-compose.yml', () => {
  it('has exactly the three services: MariaDB, Asterisk and the daemon', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ['astbill', 'asterisk', 'mariadb']);
  });

  describe('the mariadb service', () => {
    it('uses the official image and keeps its data in a named volume', () => {
      assert.match(mariadb.image ?? '', /^mariadb:\d/);
      assert.ok(mariadb.volumes?.includes('mariadb-data:/var/lib/mysql'));
      assert.ok('mariadb-data' in compose.volumes);
    });

    it('applies sql/schema.mysql.sql on first start through /docker-entrypoint-initdb.d', () => {
      const init = mariadb.volumes?.find((v) => v.includes('/docker-entrypoint-initdb.d/'));
      assert.ok(init, 'an init SQL mount');
      const [source, target, mode] = init.split(':');
      assert.equal(source, './sql/schema.mysql.sql');
      assert.match(target!, /^\/docker-entrypoint-initdb\.d\/[\w-]+\.sql$/);
      assert.equal(mode, 'ro');
      assert.ok(
        existsSync('sql/schema.mysql.sql'),
        'sql/schema.mysql.sql exists (the store writes it)',
      );
    });

    it('creates the astbill database and user from .env, and reports healthy only once InnoDB is up', () => {
      assert.equal(mariadb.environment?.MARIADB_DATABASE, '${ASTBILL_DB_NAME:-astbill}');
      assert.equal(mariadb.environment?.MARIADB_USER, '${ASTBILL_DB_USER:-astbill}');
      assert.match(mariadb.environment?.MARIADB_PASSWORD ?? '', /^\$\{ASTBILL_DB_PASSWORD:\?/);
      assert.match(
        mariadb.environment?.MARIADB_ROOT_PASSWORD ?? '',
        /^\$\{MARIADB_ROOT_PASSWORD:\?/,
      );
      assert.deepEqual(mariadb.healthcheck?.test, [
        'CMD',
        'healthcheck.sh',
        '--connect',
        '--innodb_initialized',
      ]);
      assert.equal(mariadb.ports, undefined, 'the database is not published on the host');
    });
  });

  describe('the asterisk service', () => {
    it('runs a public Asterisk 22 image with asterisk-conf/ mounted read-only', () => {
      assert.match(asterisk.image ?? '', /^andrius\/asterisk:22/);
      assert.ok(asterisk.volumes?.includes('./asterisk-conf:/etc/asterisk/astbill:ro'));
      assert.deepEqual(asterisk.entrypoint, ['/bin/sh', '/etc/asterisk/astbill/docker-init.sh']);
      assert.equal(asterisk.command?.[0], '/usr/sbin/asterisk');
      assert.ok(
        asterisk.command?.some((a) => /^-[a-eg-zA-Z]*f/.test(a)),
        'Asterisk stays in the foreground (-f)',
      );
    });

    it('gets the same ARI credentials as the daemon', () => {
      assert.equal(asterisk.environment?.ARI_USERNAME, astbill.environment?.ARI_USERNAME);
      assert.equal(asterisk.environment?.ARI_PASSWORD, astbill.environment?.ARI_PASSWORD);
    });

    it('publishes SIP and the RTP range of rtp.conf, but never ARI', () => {
      const rtp = read('asterisk-conf/rtp.conf');
      const start = /^rtpstart\s*=\s*(\d+)/m.exec(rtp)?.[1];
      const end = /^rtpend\s*=\s*(\d+)/m.exec(rtp)?.[1];
      assert.deepEqual(asterisk.ports, ['5060:5060/udp', `${start}-${end}:${start}-${end}/udp`]);
      for (const s of Object.values(compose.services))
        assert.ok(!(s.ports ?? []).some((p) => p.includes('8088')), 'ARI is not published');
    });
  });

  describe('the astbill service', () => {
    it('is built from this repository and waits for a healthy database', () => {
      assert.equal(astbill.build, '.');
      assert.deepEqual(astbill.depends_on?.mariadb, { condition: 'service_healthy' });
      assert.ok(astbill.depends_on?.asterisk);
    });

    it('is wired by environment to MariaDB and to Asterisk’s ARI', () => {
      const env = astbill.environment!;
      assert.match(
        env.ASTBILL_DB!,
        /^mysql:\/\/\$\{ASTBILL_DB_USER:-astbill\}:\$\{ASTBILL_DB_PASSWORD:\?[^}]*\}@mariadb:3306\/\$\{ASTBILL_DB_NAME:-astbill\}$/,
      );
      assert.equal(env.ARI_URL, 'http://asterisk:8088');
      const http = read('asterisk-conf/http.conf');
      assert.match(http, /^bindport\s*=\s*8088/m);
      assert.match(http, /^bindaddr\s*=\s*0\.0\.0\.0/m);
      assert.match(http, /^enabled\s*=\s*yes/m);
      assert.equal(env.ASTBILL_DIAL, 'PJSIP/{number}@trunk');
      assert.equal(env.ASTBILL_API_HOST, '0.0.0.0');
      assert.equal(env.ASTBILL_API_PORT, '8080');
      assert.match(env.ASTBILL_API_TOKEN!, /^\$\{ASTBILL_API_TOKEN:\?/);
      assert.match(env.ASTBILL_PIN_SECRET!, /^\$\{ASTBILL_PIN_SECRET:\?/);
      assert.ok(env.ASTBILL_REPORT_DIR?.startsWith('/var/lib/astbill/'));
    });

    it('publishes the API on the host’s loopback only and keeps its state in a volume', () => {
      assert.deepEqual(astbill.ports, ['127.0.0.1:${ASTBILL_API_HOST_PORT:-8080}:8080']);
      assert.ok(astbill.volumes?.includes('astbill-data:/var/lib/astbill'));
    });

    it('checks its health through GET /health with the API token', () => {
      const test = astbill.healthcheck?.test.join(' ') ?? '';
      assert.match(test, /http:\/\/127\.0\.0\.1:8080\/health/);
      assert.match(test, /process\.env\.ASTBILL_API_TOKEN/);
    });
  });

  describe('secrets', () => {
    it('come only from .env: every secret is a required ${VAR:?...} reference', () => {
      const secret = /PASSWORD|TOKEN|SECRET/;
      for (const s of Object.values(compose.services)) {
        for (const [key, value] of Object.entries(s.environment ?? {})) {
          if (secret.test(key)) assert.match(value, /^\$\{[A-Z0-9_]+:\?[^}]+\}$/, key);
        }
      }
      for (const r of references.filter((x) => secret.test(x.name)))
        assert.equal(r.op, ':?', r.name);
    });

    it('are all listed in .env.example as CHANGE-ME placeholders, and nothing else is missing', () => {
      for (const r of references)
        assert.ok(
          envExample.has(r.name) || r.op === ':-',
          `${r.name} is in .env.example or has a default`,
        );
      for (const [name, value] of envExample) {
        if (/PASSWORD|TOKEN|SECRET/.test(name)) assert.match(value, /^CHANGE-ME-/, name);
      }
    });

    it('are kept out of git and of the image', () => {
      assert.ok(read('.gitignore').split('\n').includes('.env'), '.env is git-ignored');
      const ignore = read('.dockerignore').split('\n');
      for (const entry of ['.env', 'node_modules', '.git', 'dist', 'data'])
        assert.ok(ignore.includes(entry), entry);
    });
  });

  describe('the Dockerfile', () => {
    const dockerfile = read('Dockerfile');
    it('builds on node:20 with npm ci and npm run build, and starts the daemon', () => {
      assert.match(dockerfile, /^FROM node:20[\w.-]* AS build$/m);
      assert.match(dockerfile, /^RUN npm ci$/m);
      assert.match(dockerfile, /npm run build/);
      assert.match(
        dockerfile,
        /^CMD \["node", (?:"--[\w-]+=?\w*", )*"bin\/astbill\.js", "start"\]$/m,
      );
      assert.match(dockerfile, /^USER node$/m, 'the daemon does not run as root');
    });

    it('runs the daemon with the same node flags and environment everywhere it is started', () => {
      // bin/astbill.js run as a program sets them in its #! line; every `node bin/astbill.js` needs them on its own.
      const flags = DAEMON_NODE_FLAGS.join(' ');
      const env = Object.entries(DAEMON_SHIPPED_ENV).map(([k, v]) => `${k}=${v}`);
      assert.equal(
        /^#!.*$/m.exec(read('bin/astbill.js'))?.[0],
        `#!/usr/bin/env -S ${env.join(' ')} node ${flags}`,
        'bin/astbill.js #! line = the environment and flags the bench runs the daemon with',
      );
      assert.ok(
        dockerfile.includes(
          `CMD ["node", ${DAEMON_NODE_FLAGS.map((f) => `"${f}"`).join(', ')}, "bin/astbill.js", "start"]`,
        ),
        'Dockerfile CMD',
      );
      for (const kv of env)
        assert.match(dockerfile, new RegExp(`^ENV ${kv}$`, 'm'), 'Dockerfile ENV');
      const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
      assert.equal(
        pkg.scripts.start,
        `${env.join(' ')} node ${flags} bin/astbill.js start`,
        'npm start',
      );
      const guide = read('docs/operator-guide.md');
      assert.ok(guide.includes(`node ${flags} bin/astbill.js start`), 'the operator guide');
      for (const kv of env)
        assert.ok(guide.includes(`Environment=${kv}`), 'the operator guide (systemd)');
    });

    it('copies what the build needs and the build output the start command loads', () => {
      for (const path of ['package.json', 'package-lock.json', 'tsconfig.json', 'bin', 'daemon'])
        assert.ok(existsSync(path), path);
      const bin = read('bin/astbill.js');
      assert.ok(
        bin.includes("join(root, 'dist', 'daemon', 'src', 'cli', 'main.js')"),
        'bin/astbill.js loads the compiled CLI from dist/',
      );
      const tsconfig = JSON.parse(read('tsconfig.json')) as {
        compilerOptions: { outDir: string; rootDir: string };
      };
      assert.deepEqual(
        [tsconfig.compilerOptions.outDir, tsconfig.compilerOptions.rootDir],
        ['dist', '.'],
      );
      assert.match(dockerfile, /COPY --from=build \/app\/dist \.\/dist/);
    });
  });

  // The compose CLI validates interpolation and the schema; it needs no Docker engine.
  const cli = [['docker', 'compose'], ['docker-compose']].find(
    ([cmd, ...args]) => spawnSync(cmd!, [...args, 'version'], { encoding: 'utf8' }).status === 0,
  );
  if (cli) {
    describe(`validated by \`${cli.join(' ')} config\``, () => {
      const [cmd, ...args] = cli;
      it('accepts the file with .env.example as its .env', () => {
        const out = execFileSync(cmd!, [...args, '--env-file', '.env.example', 'config'], {
          encoding: 'utf8',
        });
        const resolved = parse(out) as { services: Record<string, Service> };
        assert.equal(
          resolved.services.astbill?.environment?.ASTBILL_DB,
          'mysql://astbill:CHANGE-ME-db-password@mariadb:3306/astbill',
        );
      });

      it('refuses to run while a required secret is missing', () => {
        const dir = mkdtempSync(join(tmpdir(), 'astbill-compose-'));
        try {
          const empty = join(dir, 'empty.env');
          writeFileSync(empty, '');
          const r = spawnSync(cmd!, [...args, '--env-file', empty, 'config'], {
            encoding: 'utf8',
            env: { PATH: process.env.PATH ?? '' },
          });
          assert.notEqual(r.status, 0);
          assert.match(r.stderr, /set [A-Z_]+ in \.env/);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });
  }
});
