/**
 * avalanche-ts: continual learning for TypeScript notebooks, with Avalanche's concepts and names on
 * TensorFlow.js. See the README for the Python → TypeScript table.
 */
export * from './backend';
export * from './data';
export * from './benchmarks';
export * from './models';
export * from './ops';
export * from './loaders';
export * from './storage';
export * from './training';
export * from './evaluation';
export * from './display';
export { Random, setSeed, makeRandom } from './utils/random';
export * from './sweep';
