export * from './miniBatch';
export * from './dataLoader';
export * from './groupSampler';
export * from './balancedLoaders';
export * from './residentData';
export * from './prefetch';
