export * from './grid';
export * from './results';
export * from './experiment';
export * from './redisQueue';
export * from './sweep';
export { closeSweepPool, startSweepPool, POOL_IDLE_MS } from './localPool';
export type { StartSweepPoolOptions, SweepPoolInfo } from './localPool';
