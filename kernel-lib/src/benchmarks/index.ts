export * from './ncBenchmark';
export * from './classic';
