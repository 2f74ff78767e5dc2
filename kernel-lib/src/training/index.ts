export * from './events';
export * from './plugins';
export * from './optimizers';
export * from './losses';
export * from './template';
export * from './strategies';
export * from './replay';
