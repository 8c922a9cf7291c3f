/** /callbacks: start a callback call (two legs, both charged) on this daemon. */
import { HttpError } from '../http-error.js';
import { Type } from '../../schema/index.js';
import { defineRoute, type Route } from '../route.js';

/** What the route needs from the daemon (session/callback-service.ts implements it). */
export interface CallbackStarter {
  start(req: { account: string; pin?: string | undefined; a: string; b: string }): Promise<{
    callbackId: string;
    account: string;
    legs: { a: string; b: string };
    maxSeconds: number;
  }>;
}

const bodySchema = Type.Object(
  {
    account: Type.String({ pattern: '^[A-Za-z0-9_.@+-]{1,80}$', description: 'account to charge' }),
    pin: Type.Optional(
      Type.String({
        pattern: '^\\d{4,20}$',
        description:
          "the account's PIN; required when the account has one (without a PIN the API token alone authorises)",
      }),
    ),
    a: Type.String({ pattern: '^\\d{1,20}$', description: 'number called first (leg A)' }),
    b: Type.String({ pattern: '^\\d{1,20}$', description: 'number called once A answers (leg B)' }),
  },
  { additionalProperties: false },
);

/** Refusal reasons of session/callback-service.ts → HTTP status. */
const STATUS: Record<string, number> = {
  NOACCOUNT: 404,
  BADPIN: 403,
  BLOCKED: 403,
  EXPIRED: 403,
  BADNUMBER: 400,
  NOROUTE: 422,
  LOSS: 422,
  NOCREDIT: 402,
  LIMIT: 429,
  BLOCKEDDEST: 403,
  CAP_RATE: 429,
  CAP_DAY: 402,
  CAP_MONTH: 402,
  CAP_CALL: 402,
  SHUTDOWN: 503,
};

export function callbackRoutes(starter: CallbackStarter | undefined): Route[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/callbacks',
      operationId: 'startCallback',
      summary:
        'Start a callback call: dial A, then B once A answers, bridge them; both legs are charged',
      description:
        'Both legs are authorised together (the sum of both costs fits the credit, one common maximum duration). ' +
        'A not answering: nothing is charged. B not answering: A is charged for its connected time. ' +
        'The two CDRs share a callback_id. Refusals: 402 NOCREDIT, 403 BADPIN/BLOCKED, 404 NOACCOUNT, 422 NOROUTE, 429 LIMIT.',
      tag: 'calls',
      body: bodySchema,
      responses: {
        202: {
          description: 'authorised; leg A is being dialled',
          schema: Type.Object({
            callbackId: Type.String(),
            account: Type.String(),
            legs: Type.Object({
              a: Type.String({ description: 'CDR uniqueid of leg A' }),
              b: Type.String({ description: 'CDR uniqueid of leg B' }),
            }),
            maxSeconds: Type.Integer({ description: 'common maximum talk time of both legs' }),
          }),
        },
      },
      async handler({ body }) {
        if (!starter) throw new HttpError(503, 'callbacks are not available on this daemon');
        const b = body;
        try {
          const started = await starter.start({ account: b.account, pin: b.pin, a: b.a, b: b.b });
          return {
            status: 202,
            json: {
              callbackId: started.callbackId,
              account: started.account,
              legs: started.legs,
              maxSeconds: started.maxSeconds,
            },
          };
        } catch (err) {
          const reason = (err as { reason?: unknown }).reason;
          if (
            err instanceof Error &&
            err.name === 'CallbackRefused' &&
            typeof reason === 'string'
          ) {
            throw new HttpError(STATUS[reason] ?? 409, `${reason}: ${err.message}`);
          }
          throw err;
        }
      },
    }),
  ];
}
