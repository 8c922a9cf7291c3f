/** /health, /metrics and /openapi.json. */
import type { ApiDeps } from '../deps.js';
import { buildOpenApi } from '../openapi.js';
import { StringEnum, Type, type Static } from '../../schema/index.js';
import type { Route } from '../route.js';

export function systemRoutes(deps: ApiDeps, allRoutes: () => readonly Route[]): Route[] {
  return [
    {
      method: 'GET',
      path: '/health',
      operationId: 'health',
      summary:
        'Is the daemon able to bill calls: ARI connected, database reachable, journal backlog',
      description:
        "503 when ARI is disconnected or the database is unreachable. status is 'ok' only when both are fine and the journal is empty.",
      tag: 'system',
      responses: {
        200: { description: 'ARI and the database are up', schema: healthSchema },
        503: { description: 'ARI or the database is down (same body)', schema: healthSchema },
      },
      async handler() {
        const ari = deps.status.ariConnected();
        const [database, backlog] = await Promise.all([
          deps.store.reachable(),
          (async () => deps.status.journalBacklog())().catch(() => -1),
        ]);
        const up = ari && database;
        const health: Static<typeof healthSchema> = {
          status: up && backlog === 0 ? 'ok' : up ? 'degraded' : 'down',
          node: deps.node,
          ari: { connected: ari },
          database: { reachable: database, dialect: deps.store.dialect },
          journal: { backlog },
        };
        return { status: up ? 200 : 503, json: health };
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics (text exposition format)',
      tag: 'system',
      responses: { 200: { description: 'the metrics', contentType: 'text/plain; version=0.0.4' } },
      async handler() {
        return { text: await deps.metrics.render(), contentType: deps.metrics.contentType };
      },
    },
    {
      method: 'GET',
      path: '/openapi.json',
      operationId: 'openapi',
      summary: 'This API as an OpenAPI 3 document',
      tag: 'system',
      responses: { 200: { description: 'the OpenAPI document' } },
      async handler() {
        return { json: buildOpenApi(allRoutes()) };
      },
    },
  ];
}

const healthSchema = Type.Object({
  status: StringEnum(['ok', 'degraded', 'down']),
  node: Type.String(),
  ari: Type.Object({ connected: Type.Boolean() }),
  database: Type.Object({ reachable: Type.Boolean(), dialect: StringEnum(['mysql', 'sqlite']) }),
  journal: Type.Object({
    backlog: Type.Integer({ description: 'settlements waiting for the database (-1: unknown)' }),
  }),
});
