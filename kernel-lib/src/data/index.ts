export * from './idx';
export * from './dataset';
export * from './idxDatasets';
export * from './mnist';
