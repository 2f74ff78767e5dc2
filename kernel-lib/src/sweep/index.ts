export * from './grid';
export * from './results';
export * from './experiment';
export * from './redisQueue';
export * from './sweep';
export { closeSweepPool, POOL_IDLE_MS } from './localPool';
