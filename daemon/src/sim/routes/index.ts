/** Every resource the simulator serves, in the order resources.json lists them. */
import { asteriskResource } from './asterisk.js';
import { channelsResource } from './channels.js';
import { bridgesResource } from './bridges.js';
import { playbacksResource } from './playbacks.js';
import { eventsResource } from './events.js';
import { applicationsResource } from './applications.js';
import type { ResourceSpec } from './types.js';

export const RESOURCES: readonly ResourceSpec[] = [
  asteriskResource,
  channelsResource,
  bridgesResource,
  playbacksResource,
  eventsResource,
  applicationsResource,
];
