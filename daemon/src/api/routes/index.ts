/** The route table: the one list the router serves and openapi.ts documents. */
import type { ApiDeps } from '../deps.js';
import type { Route } from '../route.js';
import { accountRoutes } from './accounts.js';
import { accountLimitRoutes } from './account-limits.js';
import { callbackRoutes } from './callbacks.js';
import { callRoutes } from './calls.js';
import { batchRoutes } from './batches.js';
import { capsRoutes } from './caps.js';
import { destRuleRoutes } from './dest-rules.js';
import { eventRoutes } from './events.js';
import { paymentRoutes } from './payments.js';
import { cdrRoutes } from './cdrs.js';
import { consoleRoutes } from './console.js';
import { operatorRoutes } from './operators.js';
import { rateRoutes } from './rates.js';
import { fxRoutes } from './fx.js';
import { systemRoutes } from './system.js';
import { tariffRoutes } from './tariffs.js';
import { trunkRoutes } from './trunks.js';

export function buildRoutes(deps: ApiDeps): Route[] {
  const routes: Route[] = [];
  routes.push(
    ...systemRoutes(deps, () => routes),
    ...callRoutes(deps),
    ...callbackRoutes(deps.callbacks),
    ...accountRoutes(deps),
    ...accountLimitRoutes(deps),
    ...capsRoutes(deps),
    ...destRuleRoutes(deps),
    ...eventRoutes(deps),
    ...paymentRoutes(deps),
    ...batchRoutes(deps),
    ...rateRoutes(deps),
    ...fxRoutes(deps),
    ...tariffRoutes(deps),
    ...cdrRoutes(deps),
    ...operatorRoutes(deps),
    ...consoleRoutes(deps),
    ...trunkRoutes(deps),
  );
  return routes;
}
