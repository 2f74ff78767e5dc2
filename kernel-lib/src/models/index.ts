export * from './model';
export * from './linear';
export * from './simpleMLP';
