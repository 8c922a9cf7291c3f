/**
 * `astbill user add|list|disable|enable|token`: the operators of the console and the API.
 * A password is never an argument (arguments land in shell history and `ps`): it comes from
 * ASTBILL_USER_PASSWORD, or from the first line of standard input with --password-stdin.
 */
import { isRole, ROLES, type Role } from '../../domain/roles.js';
import { OperatorStore } from '../../store/operators/index.js';
import { runSubcommand, UsageError } from '../command.js';
import { noArguments, parse, required } from '../args.js';
import { json, out, outList, showTime } from '../format.js';
import { withStore } from '../open-store.js';
import { cliActor } from '../actor.js';

export const summary = 'add, list, disable operators (console/API users) and give them tokens';

export const usage = `usage:
  astbill user add NAME --role admin|support|read-only [--password-stdin]
      the password comes from ASTBILL_USER_PASSWORD, or with --password-stdin from the first
      line of standard input (never from an argument); at least 10 characters
  astbill user list [--json]
  astbill user disable NAME      ends the operator's sessions; their tokens stop working
  astbill user enable NAME
  astbill user token NAME --label LABEL [--role admin|support|read-only]
      prints a new API token once (stored only as a hash); its role is at most the operator's`;

function role(text: string | undefined): Role {
  const r = required('--role', text);
  if (!isRole(r)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  return r;
}

async function readPassword(fromStdin: boolean | undefined): Promise<string> {
  if (!fromStdin) {
    const p = process.env.ASTBILL_USER_PASSWORD;
    if (!p)
      throw new UsageError('set ASTBILL_USER_PASSWORD or pass --password-stdin (and pipe it in)');
    return p;
  }
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  if (line === '') throw new UsageError('--password-stdin: standard input had no password');
  return line;
}

function oneName(command: string, positionals: string[]): string {
  if (positionals.length !== 1) throw new UsageError(`usage: astbill user ${command} NAME ...`);
  return positionals[0]!;
}

async function add(argv: string[]): Promise<number> {
  const { values, positionals } = parse('user add', argv, {
    role: { type: 'string' },
    'password-stdin': { type: 'boolean' },
  });
  const name = oneName('add', positionals);
  const r = role(values.role);
  const password = await readPassword(values['password-stdin']);
  return withStore(async (_store, db) => {
    const op = await new OperatorStore(db).add({ name, role: r, password }, cliActor());
    out(`operator ${op.name} added with role ${op.role}\n`);
    return 0;
  });
}

async function list(argv: string[]): Promise<number> {
  const { values, positionals } = parse('user list', argv, { json: { type: 'boolean' } });
  noArguments('user list', positionals);
  return withStore(async (_store, db) => {
    outList(await new OperatorStore(db).list(), {
      asJson: values.json,
      toJson: (o) => ({ ...o, created: o.created.toISOString() }),
      headers: ['NAME', 'ROLE', 'STATUS', 'CREATED'],
      toRow: (o) => [o.name, o.role, o.disabled ? 'disabled' : 'active', showTime(o.created)],
    });
    return 0;
  });
}

async function setDisabled(argv: string[], disabled: boolean): Promise<number> {
  const verb = disabled ? 'disable' : 'enable';
  const { positionals } = parse(`user ${verb}`, argv, {});
  const name = oneName(verb, positionals);
  return withStore(async (_store, db) => {
    await new OperatorStore(db).setDisabled(name, disabled, cliActor());
    out(`operator ${name} ${verb}d\n`);
    return 0;
  });
}

async function token(argv: string[]): Promise<number> {
  const { values, positionals } = parse('user token', argv, {
    label: { type: 'string' },
    role: { type: 'string' },
    json: { type: 'boolean' },
  });
  const name = oneName('token', positionals);
  const label = required('--label', values.label);
  const r = values.role === undefined ? undefined : role(values.role);
  return withStore(async (_store, db) => {
    const t = await new OperatorStore(db).addToken({ name, label, role: r }, cliActor());
    out(
      values.json ? json(t) : `${t.token}\n(role ${t.role}; shown once, stored only as a hash)\n`,
    );
    return 0;
  });
}

export async function run(argv: string[]): Promise<number> {
  return runSubcommand(
    'user',
    usage,
    {
      add,
      list,
      disable: (rest) => setDisabled(rest, true),
      enable: (rest) => setDisabled(rest, false),
      token,
    },
    argv,
  );
}
