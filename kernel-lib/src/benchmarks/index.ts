export * from './ncBenchmark';
export * from './classic';
export * from './datasetBenchmark';
export * from './transformed';
export * from './cifar';
export * from './vision';
export * from './splitOptions';
