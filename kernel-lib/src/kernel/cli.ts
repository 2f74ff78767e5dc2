/**
 * `avalanche-ts kernel install | list | remove | run` and `avalanche-ts build-native`: a project's
 * Jupyter kernel, as `jupyter kernelspec` manages kernels (the same location flags), without Python.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as readline from 'readline';
import { DEFAULT_DISPLAY_NAME, DEFAULT_KERNEL_NAME, installKernel, KernelLocation, listKernels, PACKAGE_DIR, removeKernels } from './kernelspec';
import { runKernel } from './launcher';

export const KERNEL_USAGE = `usage:
  avalanche-ts kernel install [--name NAME] [--display-name NAME] [--user | --sys-prefix | --prefix DIR]
      registers this folder's tslab as a Jupyter kernel (default: --name ${DEFAULT_KERNEL_NAME} --display-name ${DEFAULT_DISPLAY_NAME} --user),
      with avalanche-ts's kernel fixes; builds the native BLAS addon where it is missing
  avalanche-ts kernel list
  avalanche-ts kernel remove NAME... [-f]
  avalanche-ts kernel run --tslab DIR --config-path FILE [--js]   (what the kernel spec runs)
  avalanche-ts build-native
      builds the native BLAS addon (matrix products through OpenBLAS), or says why it cannot`;

/** A command-line mistake: printed with the usage, exit status 2. */
class UsageError extends Error {}

/** Parses `--flag value` / `--flag` arguments against the allowed ones; the rest are positional. */
function parseArgs(args: string[], valued: string[], bare: string[]): { flags: Map<string, string | true>; positional: string[] } {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('-')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (valued.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined || value === '') throw new UsageError(`${name} needs a value`);
      flags.set(name, value);
    } else if (bare.includes(name) && inline === undefined) {
      flags.set(name, true);
    } else {
      throw new UsageError(`unknown option ${name} (allowed: ${[...valued, ...bare].join(', ')})`);
    }
  }
  return { flags, positional };
}

function location(flags: Map<string, string | true>): KernelLocation {
  const given = ['--user', '--sys-prefix', '--prefix'].filter((f) => flags.has(f));
  if (given.length > 1) throw new UsageError(`give one of --user, --sys-prefix, --prefix DIR (got ${given.join(' and ')})`);
  if (flags.has('--prefix')) return { prefix: flags.get('--prefix') as string };
  if (flags.has('--sys-prefix')) return { sysPrefix: true };
  return { user: true };
}

/** The build script shipped in the package (plain JavaScript: it is also the install script). */
function buildNativeScript(): { ADDON: string; buildNative(): { built: boolean; reason?: string } } {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require(path.join(PACKAGE_DIR, 'scripts', 'build-native.js'));
}

/** Builds the addon when it is missing or older than its source; returns the line to print, or null when it is current. */
export function buildNativeIfStale(force: boolean): string | null {
  const { ADDON, buildNative } = buildNativeScript();
  const source = path.join(PACKAGE_DIR, 'native', 'blas.c');
  if (!force && fs.existsSync(ADDON) && fs.statSync(ADDON).mtimeMs >= fs.statSync(source).mtimeMs) return null;
  const r = buildNative();
  return r.built
    ? `avalanche-ts: native BLAS path built (${ADDON}); it runs the matrix products where OpenBLAS is found`
    : `avalanche-ts: native BLAS path not built (${r.reason}); the wasm kernels will run`;
}

async function confirm(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  const answer = await new Promise<string>((resolve) => rl.question(question, resolve));
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

async function kernel(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'install') {
    const { flags, positional } = parseArgs(rest, ['--name', '--display-name', '--prefix'], ['--user', '--sys-prefix']);
    if (positional.length > 0) throw new UsageError(`kernel install takes no argument '${positional[0]}'`);
    const { dir, tslab } = installKernel({ name: flags.get('--name') as string | undefined, displayName: flags.get('--display-name') as string | undefined, location: location(flags) });
    console.log(`avalanche-ts: installed kernel spec ${path.basename(dir)} in ${dir} (tslab ${tslab.version} at ${tslab.dir}, with avalanche-ts's kernel fixes)`);
    const built = buildNativeIfStale(false);
    if (built) console.log(built);
    return 0;
  }
  if (sub === 'list') {
    const { positional } = parseArgs(rest, [], []);
    if (positional.length > 0) throw new UsageError(`kernel list takes no argument '${positional[0]}'`);
    const kernels = listKernels();
    console.log('Available kernels:');
    const width = Math.max(0, ...kernels.map((k) => k.name.length));
    for (const k of kernels) {
      const ours = k.tslab ? `  (avalanche-ts launcher, tslab at ${k.tslab})` : '';
      console.log(`  ${k.name.padEnd(width)}    ${k.dir}${ours}`);
      for (const p of k.problems) console.log(`  ${''.padEnd(width)}    broken: ${p}`);
    }
    return 0;
  }
  if (sub === 'remove') {
    const { flags, positional } = parseArgs(rest, [], ['-f', '-y', '--force']);
    if (positional.length === 0) throw new UsageError('kernel remove needs the name of a kernel');
    const force = flags.has('-f') || flags.has('-y') || flags.has('--force');
    if (!force) {
      if (!process.stdin.isTTY) throw new UsageError('kernel remove asks before removing; without a terminal, give -f');
      const found = listKernels().filter((k) => positional.some((n) => n.toLowerCase() === k.name.toLowerCase()));
      for (const k of found) console.log(`  ${k.name}  ${k.dir}`);
      if (!(await confirm(`Remove ${found.length} kernel spec${found.length === 1 ? '' : 's'} [y/N]: `))) return 1;
    }
    for (const dir of removeKernels(positional)) console.log(`avalanche-ts: removed ${dir}`);
    return 0;
  }
  if (sub === 'run') {
    const { flags, positional } = parseArgs(rest, ['--tslab', '--config-path'], ['--js']);
    if (positional.length > 0 || !flags.has('--tslab') || !flags.has('--config-path')) throw new UsageError('kernel run needs --tslab DIR and --config-path FILE (Jupyter gives it)');
    runKernel({ tslabDir: flags.get('--tslab') as string, configPath: flags.get('--config-path') as string, js: flags.has('--js') });
    return -1; // the kernel runs on
  }
  throw new UsageError(sub === undefined ? 'kernel needs a command' : `unknown kernel command '${sub}'`);
}

async function buildNativeCommand(args: string[]): Promise<number> {
  if (args.length > 0) throw new UsageError(`build-native takes no argument '${args[0]}'`);
  console.log(buildNativeIfStale(true));
  return 0;
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = { kernel, 'build-native': buildNativeCommand };

/** Runs `avalanche-ts kernel ...` or `avalanche-ts build-native`; exits when done (not for `kernel run`). */
export function main(argv: string[]): void {
  const [command, ...rest] = argv;
  const run = Object.prototype.hasOwnProperty.call(COMMANDS, command) ? COMMANDS[command](rest) : Promise.reject(new UsageError(`unknown command '${command}'`));
  run.then(
    (code) => {
      if (code >= 0) process.exit(code);
    },
    (error: Error) => {
      console.error(`avalanche-ts ${command ?? ''}: ${error.message}`);
      if (error instanceof UsageError) console.error(KERNEL_USAGE);
      process.exit(error instanceof UsageError ? 2 : 1);
    },
  );
}
