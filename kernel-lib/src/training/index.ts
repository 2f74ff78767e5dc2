export * from './events';
export * from './plugins';
export * from './optimizers';
export * from './lrSchedulers';
export * from './losses';
export * from './template';
export { RunOptions, StrategyInterruptedError, PluginHookError } from './runControl';
export * from './strategies';
