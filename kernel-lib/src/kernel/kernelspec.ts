/**
 * The Jupyter kernel spec of a project's tslab kernel, written without Python: `kernel.json` runs
 * this package's launcher (`avalanche-ts kernel run`) with the project's own tslab, by absolute
 * paths (the node binary too: Jupyter started from a desktop menu may not have node on its PATH).
 * The launcher applies the kernel fixes of `patches/tslab.patch` as it loads tslab, so every kernel
 * registered here has them, in this repository and in any folder the package is installed into.
 */
import * as fs from 'fs';
import * as path from 'path';
import { jupyterDataPath, jupyterSysPrefix, userDataDir } from './jupyterPaths';
import { patchedSources } from '../utils/runtimePatch';

/** The kernel name the notebooks use (tslab's own), and its display name. */
export const DEFAULT_KERNEL_NAME = 'tslab';
export const DEFAULT_DISPLAY_NAME = 'TypeScript';

/** The tslab versions the kernel fixes are made for: the package's peer dependency range (`~1.0.21`). */
export const TSLAB_RANGE = { text: '~1.0.21', min: [1, 0, 21], below: [1, 1, 0] };

/** The patch the launcher applies to tslab. */
export const TSLAB_PATCH = 'tslab.patch';

/** This package's root folder and its `avalanche-ts` command file. */
export const PACKAGE_DIR = path.join(__dirname, '..', '..');
export const LAUNCHER = path.join(PACKAGE_DIR, 'bin', 'avalanche-ts.js');

/** Where a kernel spec goes: the user's data folder (default), the Python environment's, or PREFIX/share/jupyter. */
export type KernelLocation = { user: true } | { sysPrefix: true } | { prefix: string };

/** The data folder (holding `kernels/`) of a location. */
export function locationDataDir(location: KernelLocation, env: NodeJS.ProcessEnv = process.env): string {
  if ('prefix' in location) return path.join(path.resolve(location.prefix), 'share', 'jupyter');
  if ('sysPrefix' in location) return path.join(jupyterSysPrefix(env), 'share', 'jupyter');
  return userDataDir(env);
}

/** Jupyter's rule for kernel names (jupyter_client's `_kernel_name_pat`). */
export function checkKernelName(name: string): string {
  if (!/^[a-z0-9._-]+$/i.test(name)) {
    throw new Error(`--name: kernel names may contain only ASCII letters, digits, '.', '_' and '-'; got ${JSON.stringify(name)}`);
  }
  return name;
}

function parseVersion(v: string): number[] {
  return v.split(/[.+-]/).slice(0, 3).map(Number);
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** Whether a tslab version is in the range the kernel fixes are made for. */
export function tslabInRange(version: string): boolean {
  const v = parseVersion(version);
  return v.every(Number.isFinite) && compare(v, TSLAB_RANGE.min) >= 0 && compare(v, TSLAB_RANGE.below) < 0;
}

/** A tslab package folder and its version. */
export interface TslabPackage {
  dir: string;
  version: string;
}

/** Reads a tslab folder's version; throws when the folder holds no tslab. */
export function tslabAt(dir: string): TslabPackage {
  const file = path.join(dir, 'package.json');
  let pkg: { name?: string; version?: string };
  try {
    pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    throw new Error(`no tslab package in ${dir} (${file} missing or unreadable)`);
  }
  if (pkg.name !== 'tslab' || typeof pkg.version !== 'string') throw new Error(`${dir} holds package '${pkg.name}', not tslab`);
  return { dir, version: pkg.version };
}

/**
 * The tslab that a project folder resolves (its own `node_modules`, as Node finds it from there),
 * else the one this package resolves. Throws, saying how to install it, when there is none.
 */
export function findTslab(projectDir: string): TslabPackage {
  for (const from of [projectDir, PACKAGE_DIR]) {
    try {
      return tslabAt(path.dirname(require.resolve('tslab/package.json', { paths: [from] })));
    } catch {
      // not resolvable from there
    }
  }
  throw new Error(`tslab is not installed in ${projectDir}: run \`npm install tslab@${TSLAB_RANGE.text}\` there (avalanche-ts's peer dependency), then this command again`);
}

/**
 * Checks that the kernel fixes apply to this tslab: its version is in the range and every hunk of
 * the patch matches its files. Throws, naming the version and what to install, when not.
 */
export function checkTslab(tslab: TslabPackage): void {
  if (!tslabInRange(tslab.version)) {
    throw new Error(`tslab ${tslab.version} at ${tslab.dir} is outside the versions avalanche-ts's kernel fixes are made for (${TSLAB_RANGE.text}): run \`npm install tslab@${TSLAB_RANGE.text}\``);
  }
  patchedSources(tslab.dir, TSLAB_PATCH);
}

/** The `kernel.json` that runs this package's launcher with `tslab`. */
export function kernelSpec(tslab: TslabPackage, displayName: string): Record<string, unknown> {
  const version = (JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    argv: [process.execPath, LAUNCHER, 'kernel', 'run', '--tslab', tslab.dir, '--config-path', '{connection_file}'],
    display_name: displayName,
    language: 'typescript',
    interrupt_mode: 'signal',
    metadata: { 'avalanche-ts': { version, tslab: tslab.version } },
  };
}

/** Options of `installKernel`. */
export interface InstallKernelOptions {
  name?: string;
  displayName?: string;
  location?: KernelLocation;
  /** The project folder whose tslab the kernel runs (default: the working folder). */
  projectDir?: string;
  env?: NodeJS.ProcessEnv;
}

/** Writes the kernel spec; returns its folder, the spec and the tslab it runs. */
export function installKernel(options: InstallKernelOptions = {}): { dir: string; spec: Record<string, unknown>; tslab: TslabPackage } {
  const name = checkKernelName(options.name ?? DEFAULT_KERNEL_NAME);
  const displayName = options.displayName ?? DEFAULT_DISPLAY_NAME;
  if (displayName.trim() === '') throw new Error('--display-name must not be empty');
  const tslab = findTslab(path.resolve(options.projectDir ?? process.cwd()));
  checkTslab(tslab);
  const dir = path.join(locationDataDir(options.location ?? { user: true }, options.env), 'kernels', name);
  const spec = kernelSpec(tslab, displayName);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'kernel.json');
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(spec, null, 1) + '\n');
  fs.renameSync(`${file}.tmp`, file);
  return { dir, spec, tslab };
}

/** One kernel spec Jupyter would find. */
export interface KernelListing {
  name: string;
  dir: string;
  /** For a spec written by `kernel install`: the tslab it runs. */
  tslab?: string;
  /** What no longer holds for it (a path that is gone), empty when it starts. */
  problems: string[];
}

/** The kernel specs in Jupyter's search path, the first of each name (the one Jupyter uses). */
export function listKernels(env: NodeJS.ProcessEnv = process.env): KernelListing[] {
  const found = new Map<string, KernelListing>();
  for (const data of jupyterDataPath(env)) {
    const kernels = path.join(data, 'kernels');
    let names: string[];
    try {
      names = fs.readdirSync(kernels).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const dir = path.join(kernels, name);
      if (found.has(name.toLowerCase()) || !fs.existsSync(path.join(dir, 'kernel.json'))) continue;
      found.set(name.toLowerCase(), describeSpec(name, dir));
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function describeSpec(name: string, dir: string): KernelListing {
  let spec: { argv?: unknown };
  try {
    spec = JSON.parse(fs.readFileSync(path.join(dir, 'kernel.json'), 'utf8'));
  } catch (error) {
    return { name, dir, problems: [`kernel.json is not JSON: ${(error as Error).message}`] };
  }
  const argv = Array.isArray(spec.argv) ? spec.argv.map(String) : [];
  const at = argv.indexOf('--tslab');
  if (argv[2] !== 'kernel' || argv[3] !== 'run' || at < 0) return { name, dir, problems: [] };
  const problems = [argv[0], argv[1], argv[at + 1]].filter((p) => !fs.existsSync(p)).map((p) => `${p} is gone: run \`npx avalanche-ts kernel install\` again in the project folder`);
  return { name, dir, tslab: argv[at + 1], problems };
}

/** Removes the named kernel specs (the ones Jupyter finds); throws, removing nothing, when one is not found. */
export function removeKernels(names: string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const listed = listKernels(env);
  const dirs = names.map((name) => {
    const found = listed.find((k) => k.name.toLowerCase() === name.toLowerCase());
    if (!found) throw new Error(`no kernel named '${name}' (found: ${listed.map((k) => k.name).join(', ') || 'none'})`);
    return found.dir;
  });
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  return dirs;
}
