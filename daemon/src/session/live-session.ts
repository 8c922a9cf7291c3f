/** What the daemon's registry holds: ordinary calls from the dialplan and callback calls. */
import type { CallbackSession } from './callback-session.js';
import type { CallSession } from './call-session.js';

export type LiveSession = CallSession | CallbackSession;
