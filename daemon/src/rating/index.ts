export * from './money.js';
export * from './rate.js';
export * from './prefix-match.js';
export * from './cost.js';
export * from './max-seconds.js';
export * from './grants.js';
export * from './two-legs.js';
export * from './caps.js';
