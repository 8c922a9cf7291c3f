/** /calls: calls in progress, and ending one through the daemon's kill path. */
import type { ApiDeps } from '../deps.js';
import { HttpError, notFound } from '../http-error.js';
import { callSchema, presentCall } from '../present.js';
import { StringEnum, Type } from '../../schema/index.js';
import { defineRoute, type Route } from '../route.js';

export function callRoutes(deps: ApiDeps): Route[] {
  const { store, node } = deps;
  return [
    defineRoute({
      method: 'GET',
      path: '/calls',
      operationId: 'listCalls',
      summary:
        'Calls in progress: every reservation in the database (all nodes), plus calls on this node not yet authorised',
      tag: 'calls',
      query: Type.Object(
        {
          node: Type.Optional(
            Type.String({
              pattern: '^[A-Za-z0-9_.-]{1,32}$',
              description: 'only calls handled by this node',
            }),
          ),
        },
        { additionalProperties: false },
      ),
      responses: {
        200: {
          description: 'the calls, oldest first',
          schema: Type.Object({ calls: Type.Array(callSchema) }),
        },
      },
      async handler({ query }) {
        const reservations = await store.reservations(query.node);
        const live = new Map((deps.liveCalls?.liveCalls() ?? []).map((c) => [c.id, c]));
        const calls = reservations.map((r) =>
          presentCall(r, r.node === node ? live.get(r.uniqueid) : undefined, node),
        );
        if (query.node === undefined || query.node === node) {
          const reserved = new Set(reservations.map((r) => r.uniqueid));
          for (const c of live.values())
            if (!reserved.has(c.id)) calls.push(presentCall(undefined, c, node));
        }
        return { json: { calls } };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/calls/{id}/hangup',
      operationId: 'hangupCall',
      summary: 'End a call in progress (both legs; it is settled for the time talked)',
      description:
        "Only the node that handles a call can end it: for another node's call the answer is 409 naming that node.",
      tag: 'calls',
      params: {
        id: Type.String({
          pattern: '^[A-Za-z0-9_.:;@/-]{1,150}$',
          description: 'call id from GET /calls',
        }),
      },
      responses: {
        202: {
          description: 'the hang-up was requested; the call ends and is settled within moments',
          schema: Type.Object({ id: Type.String(), hangup: StringEnum(['requested']) }),
        },
      },
      async handler({ params }) {
        const id = params.id;
        const reservation = await store.reservation(id);
        if (reservation && reservation.node !== node) {
          throw new HttpError(
            409,
            `call '${id}' is handled by node '${reservation.node}': send the request to that node's API`,
          );
        }
        if (!(await deps.hangup(id, 'api')))
          throw notFound(`no call '${id}' in progress on node '${node}'`);
        deps.log?.info('call hangup requested through the API', { call: id });
        return { status: 202, json: { id, hangup: 'requested' } };
      },
    }),
  ];
}
