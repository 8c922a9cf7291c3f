/**
 * `astbill events list|resend`: the outbox of notifications (low balance, credit exhausted, cap
 * hit, large top-up, automatic block), written in the money transactions and delivered by the
 * daemon as signed webhooks (ASTBILL_WEBHOOK_URL) and e-mail (ASTBILL_SMTP_HOST), one row per
 * channel. `resend ID` makes a sent or dead row due again.
 */
import { runSubcommand, UsageError } from '../command.js';
import { integer, noArguments, parse } from '../args.js';
import { out, outList, showTime } from '../format.js';
import { withStore } from '../open-store.js';
import { cliActor } from '../actor.js';
import { CHANNELS, type Channel, type EventState } from '../../store/outbox.js';
import { eventJson } from '../../notify/event-json.js';

export const summary = 'list and re-send notification events (the outbox)';

export const usage = `usage:
  astbill events list [--state pending|sent|dead] [--channel webhook|mail] [--account NAME] [--limit N] [--json]
  astbill events resend ID`;

const STATES: readonly EventState[] = ['pending', 'sent', 'dead'];

async function list(argv: string[]): Promise<number> {
  const { values, positionals } = parse('events list', argv, {
    state: { type: 'string' },
    account: { type: 'string' },
    channel: { type: 'string' },
    limit: { type: 'string' },
    json: { type: 'boolean' },
  });
  noArguments('events list', positionals);
  const state = values.state as EventState | undefined;
  if (state !== undefined && !STATES.includes(state))
    throw new UsageError(`--state must be one of ${STATES.join(', ')}`);
  const channel = values.channel as Channel | undefined;
  if (channel !== undefined && !CHANNELS.includes(channel))
    throw new UsageError(`--channel must be one of ${CHANNELS.join(', ')}`);
  const limit = values.limit === undefined ? 100 : integer('--limit', values.limit, 1, 10_000);
  return withStore(async (store) => {
    const events = await store.listEvents({
      limit,
      ...(state ? { state } : {}),
      ...(channel ? { channel } : {}),
      ...(values.account ? { account: values.account } : {}),
    });
    outList(events, {
      asJson: values.json,
      toJson: eventJson,
      headers: ['ID', 'KIND', 'CHANNEL', 'STATE', 'TRIES', 'CREATED', 'ACCOUNT', 'ERROR'],
      toRow: (e) => [
        e.id,
        e.kind,
        e.channel,
        e.state,
        e.attempts,
        showTime(e.created),
        String(e.payload.account ?? ''),
        e.lastError,
      ],
    });
    return 0;
  });
}

async function resend(argv: string[]): Promise<number> {
  const { positionals } = parse('events resend', argv, {});
  if (positionals.length !== 1) throw new UsageError('usage: astbill events resend ID');
  const id = integer('ID', positionals[0]!, 1, Number.MAX_SAFE_INTEGER);
  return withStore(async (store) => {
    if (!(await store.resendEvent(id, cliActor()))) throw new UsageError(`no event ${id}`);
    out(`event ${id} will be sent again\n`);
    return 0;
  });
}

export async function run(argv: string[]): Promise<number> {
  return runSubcommand('events', usage, { list, resend }, argv);
}
