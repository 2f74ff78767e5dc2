export * from './grid';
export * from './results';
export * from './experiment';
export * from './redisQueue';
export * from './sweep';
