/**
 * Loads tfjs's wasm backend with threads that work in Node. tfjs turns wasm threads off in Node,
 * and turned on they fail (its pthread workers start from blob: URLs, which Node's worker_threads
 * cannot load). `patches/tfjs-backend-wasm.patch` starts them from files; it is applied in memory
 * when the package is first loaded, wherever the library is installed (npm applies no patch of a
 * dependency's in a user's folder). Where it cannot be applied, wasm runs on one thread and the
 * backend line says why: never the 17x slower `cpu` backend in silence.
 */
import * as path from 'path';
import { requirePatched } from '../utils/runtimePatch';
import { replaceWasmMaxPoolGrad } from './wasmMaxPoolGrad';

/** The wasm backend package, pinned (the patch is made for its 4.22.0). */
export const WASM_PACKAGE = '@tensorflow/tfjs-backend-wasm';

/** The patch in `patches/` that makes its threads work in Node. */
export const WASM_THREADS_PATCH = 'tfjs-backend-wasm.patch';

/** What the package's module offers the backend list. */
export interface WasmBackendModule {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

let loaded: { module: WasmBackendModule; threadsUnavailable: string | null } | null = null;

/**
 * The wasm backend package (registered with tfjs once loaded) and why its threads cannot run in
 * this process (null when they can): the patch did not apply, or the package was loaded unpatched
 * before the library could patch it.
 */
export function loadWasmBackend(): { module: WasmBackendModule; threadsUnavailable: string | null } {
  if (loaded) return loaded;
  let threadsUnavailable: string | null = null;
  try {
    requirePatched(path.dirname(require.resolve(`${WASM_PACKAGE}/package.json`)), WASM_THREADS_PATCH);
  } catch (error) {
    threadsUnavailable = `the Node thread fix for ${WASM_PACKAGE} could not be applied: ${(error as Error).message.split('\n')[0]}`;
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  loaded = { module: require(WASM_PACKAGE) as WasmBackendModule, threadsUnavailable };
  replaceWasmMaxPoolGrad();
  return loaded;
}
