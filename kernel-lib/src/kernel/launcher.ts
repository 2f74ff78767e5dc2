/**
 * `avalanche-ts kernel run --tslab DIR --config-path FILE`: the kernel process a spec written by
 * `avalanche-ts kernel install` starts. It loads that tslab with `patches/tslab.patch` applied in
 * memory (numbered cells, error messages, the stop button's grace, whole compile errors), then
 * starts tslab's kernel. Nothing of the library is loaded here: a notebook's first import does that.
 */
import * as path from 'path';
import { requirePatched } from '../utils/runtimePatch';
import { checkTslab, TSLAB_PATCH, tslabAt } from './kernelspec';
import { KERNEL_JUPYTER_MODULE } from '../display/jupyter';

/** Options of `runKernel`. */
export interface RunKernelOptions {
  tslabDir: string;
  configPath: string;
  /** Start tslab's JavaScript kernel instead of the TypeScript one. */
  js?: boolean;
}

/**
 * Starts the tslab kernel of `tslabDir` with the fixes applied. Where they cannot be applied (a tslab
 * outside the range, or changed files), the kernel still starts, as plain tslab, and says why on
 * stderr (Jupyter's log): a kernel that does not start would leave the notebook with nothing.
 */
export function runKernel(options: RunKernelOptions): void {
  const tslab = tslabAt(path.resolve(options.tslabDir));
  try {
    checkTslab(tslab);
    requirePatched(tslab.dir, TSLAB_PATCH);
  } catch (error) {
    console.error(`avalanche-ts kernel: running tslab ${tslab.version} without avalanche-ts's kernel fixes (cell numbers, error messages, the stop button's grace): ${(error as Error).message}`);
  }
  const jupyterFile = path.join(tslab.dir, 'dist', 'jupyter.js');
  (globalThis as Record<symbol, unknown>)[KERNEL_JUPYTER_MODULE] = require(jupyterFile);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const main = require(path.join(tslab.dir, 'dist', 'main.js')) as { startKernel(o: { configPath: string; enableFindLocal: boolean; jsKernel: boolean; globalVersion: string }): void };
  // enableFindLocal: false: run this tslab, not another one found above the notebook's folder.
  main.startKernel({ configPath: options.configPath, enableFindLocal: false, jsKernel: options.js ?? false, globalVersion: tslab.version });
}
