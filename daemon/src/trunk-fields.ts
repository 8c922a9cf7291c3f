/**
 * The one presenter of a trunk, shared by the API (`/trunks`, checked against its trunkSchema)
 * and the CLI (`astbill trunk list --json`): everything but the database id.
 */
import type { Trunk } from './rating/index.js';

export const trunkFields = (t: Trunk) => ({
  name: t.name,
  dial: t.dial,
  stripDigits: t.stripDigits,
  techPrefix: t.techPrefix,
  maxChannels: t.maxChannels,
  enabled: t.enabled,
});
