/** /cdrs: call detail records with filters, as JSON or CSV. */
import type { ApiDeps } from '../deps.js';
import { badRequest } from '../http-error.js';
import { timeParam } from '../params.js';
import { CDR_COLUMNS, cdrSchema, presentCdr } from '../present.js';
import { StringEnum, Type } from '../../schema/index.js';
import { defineRoute, type Route } from '../route.js';
import { cdrCsv } from '../../cdr-fields.js';

export const DEFAULT_CDR_LIMIT = 1000;
export const MAX_CDR_LIMIT = 100_000;

export function cdrRoutes(deps: ApiDeps): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/cdrs',
      operationId: 'listCdrs',
      summary: 'Call detail records (refused attempts included), oldest first',
      description:
        'Filters combine. `since`/`until` take a date (UTC midnight) or an ISO 8601 time with a zone and select by call start: since <= start < until. ' +
        'With format=csv the response is text/csv with a header row. `truncated` (JSON) or the header `X-Astbill-Truncated: true` (CSV) says that more rows matched than `limit`.',
      tag: 'cdrs',
      query: Type.Object(
        {
          account: Type.Optional(
            Type.String({ pattern: '^[A-Za-z0-9_.@+-]{1,80}$', description: 'only this account' }),
          ),
          since: Type.Optional(
            Type.String({
              description:
                'calls that started at or after this time (YYYY-MM-DD or ISO 8601 with zone)',
            }),
          ),
          until: Type.Optional(
            Type.String({
              description: 'calls that started before this time (YYYY-MM-DD or ISO 8601 with zone)',
            }),
          ),
          format: Type.Optional(
            StringEnum(['json', 'csv'], { description: 'json (default) or csv' }),
          ),
          limit: Type.Optional(
            Type.String({
              pattern: '^\\d{1,6}$',
              description: `at most this many rows, 1-${MAX_CDR_LIMIT} (default ${DEFAULT_CDR_LIMIT})`,
            }),
          ),
        },
        { additionalProperties: false },
      ),
      responses: {
        200: {
          description: 'the CDRs (as text/csv with format=csv)',
          alsoAs: ['text/csv'],
          schema: Type.Object({
            cdrs: Type.Array(cdrSchema),
            truncated: Type.Boolean({ description: 'more rows matched than limit' }),
          }),
        },
      },
      async handler({ query }) {
        const since = query.since !== undefined ? timeParam('since', query.since) : undefined;
        const until = query.until !== undefined ? timeParam('until', query.until) : undefined;
        if (since && until && since >= until) throw badRequest("'since' must be before 'until'");
        const limit = query.limit !== undefined ? Number(query.limit) : DEFAULT_CDR_LIMIT;
        if (limit < 1 || limit > MAX_CDR_LIMIT)
          throw badRequest(`'limit' must be 1..${MAX_CDR_LIMIT}`);
        const { cdrs, truncated } = await deps.store.cdrsInRange({
          account: query.account,
          since,
          until,
          limit,
        });
        const rows = cdrs.map(presentCdr);
        if (query.format === 'csv') {
          return {
            text: cdrCsv(CDR_COLUMNS, rows),
            contentType: 'text/csv; charset=utf-8',
            headers: {
              'content-disposition': 'attachment; filename="cdrs.csv"',
              'x-astbill-truncated': String(truncated),
            },
          };
        }
        return { json: { cdrs: rows, truncated } };
      },
    }),
  ];
}
