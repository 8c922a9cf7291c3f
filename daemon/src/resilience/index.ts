/** Database-failure handling: deadline-bounded store calls, the durable journal and its replay. */
export { loadResilienceConfig } from './config.js';
export type { DbFailurePolicy, ResilienceConfig } from './config.js';
export { DeadlineExceeded, DbUnavailable, withDeadline } from './deadline.js';
export { Journal, JournalLockedError } from './journal.js';
export type { JournalProblem, JournalSnapshot } from './journal.js';
export { knexLateCharge, OUTAGE_NOTE } from './late-charge.js';
export type { LateCharge, OutageCall } from './late-charge.js';
export type { JournalEntry, JournalKind, JournalRecord, OutageGrant } from './records.js';
export { replayJournal } from './replay.js';
export type { ReplayReport } from './replay.js';
export { JournalReplayer } from './replayer.js';
export type { ReplayTimer } from './replayer.js';
export { wrapStore } from './resilient-store.js';
export type {
  DbHealth,
  PendingSettleResult,
  ResilienceOptions,
  ResilientSettleResult,
  ResilientStore,
} from './resilient-store.js';
export { startResilience } from './open.js';
export type { Resilience } from './open.js';
