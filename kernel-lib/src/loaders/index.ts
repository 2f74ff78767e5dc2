export * from './miniBatch';
export * from './dataLoader';
