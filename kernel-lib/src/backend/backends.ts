/**
 * Tensor backend selection. Backends are tried in the order of `BACKEND_CANDIDATES`, first that
 * loads wins; the `backend` option of `initBackend` or the env variable `AVALANCHE_TS_BACKEND`
 * forces one. A later backend joins by adding one entry to the list.
 */
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { notice } from '../utils/notice';
import { BLAS_ENV_VAR, enableNativeBlas, nativeBlasUnavailable } from './nativeBlas';
import { checkWebGPU, registerWebGPUBackend, webgpuFailure, webgpuInfo, webgpuModeFromEnv, WEBGPU_MODE_ENV_VAR } from './webgpu';
import { loadWasmBackend } from './wasmBackend';

// The library's code and declarations name tfjs-core only, so that a notebook's first cell checks
// its types without the @tensorflow/tfjs bundle's (layers, converter, tf.data, webgl: 160 more
// declaration files). tfjs-core's CommonJS build registers no gradients; its registrations, bundled
// at build time (scripts/build-gradients.js), do, without loading the rest of @tensorflow/tfjs.
loadGradients();

/** Registers every tfjs op's gradient (once per process: the registry is tfjs's global one). */
function loadGradients(): void {
  const file = path.join(__dirname, 'tfjsGradients.js');
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    require(file);
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((error as Error).message).includes(file);
    if (!missing) throw error;
    throw new Error(`avalanche-ts: ${file} is missing: run \`npm run build\` (it bundles tfjs-core's gradients with scripts/build-gradients.js)`);
  }
}

/**
 * What the library's code paths need to know about a backend, in one place: the loaders, models,
 * buffers, metrics and the training loop ask `backendCapabilities()`, never a backend's name.
 */
export interface BackendCapabilities {
  /**
   * Tensors live in device memory apart from the host: data sets are uploaded once and batches
   * gathered there, and random masks are drawn there (a host-made tensor costs an upload per step).
   */
  deviceMemory: boolean;
  /** `dataSync()` works (tfjs's webgpu backend in Node cannot read synchronously). */
  syncReads: boolean;
  /** The library's fused kernels (`ops/`) are registered for this backend. */
  fusedKernels: boolean;
  /**
   * Making a tensor from a host array copies the array at once (wasm copies it into its heap), so
   * the array can be refilled for the next tensor. Backends that keep a reference (cpu) or upload
   * later (tfjs-node, webgpu) must get a fresh array each time.
   */
  copiesHostArrays: boolean;
  /** Throws the device errors collected since the last call (validation errors, device loss). */
  checkErrors?: () => void;
}

/** Capabilities of a backend the table does not know (e.g. one set up by the user through tfjs). */
const HOST_BACKEND: BackendCapabilities = { deviceMemory: false, syncReads: true, fusedKernels: false, copiesHostArrays: false };

/** One way to get a tfjs backend: how to load its package and the name tfjs registers it under. */
export interface BackendCandidate {
  /** Our name for it, as accepted by `initBackend({ backend })`. */
  name: string;
  /** The name tfjs registers the backend under. */
  tfName: string;
  /** What it is, for the listing of tried backends. */
  description: string;
  /** Loads (registers) the backend; throws when it is not available. `forced`: named by the user. */
  load: (forced: boolean) => void | Promise<void>;
  /** Describes the backend once it runs (e.g. SIMD and threads for wasm). */
  details?: () => string;
  /** Why the backend's factory failed, when it knows. */
  failureReason?: () => string | null;
  /** CPU threads its kernels use, once it runs (when it knows). */
  threads?: () => number;
  /** What the library's code paths may rely on. */
  capabilities: BackendCapabilities;
  /**
   * An accelerator whose absence is normal (an optional dependency, no GPU): its failure is listed
   * only with `AVALANCHE_TS_BACKEND_VERBOSE=1`. When a backend that is not optional fails and a
   * later one runs, the backend line says why.
   */
  optional?: boolean;
  /**
   * Called when the backend failed to start: true when `load` should run once more, with the
   * safer setting this call chose (wasm: one thread when its threads failed).
   */
  retry?: (reason: string) => boolean;
}

/** The backends tried, fastest first. */
export const BACKEND_CANDIDATES: BackendCandidate[] = [
  {
    name: 'node-gpu',
    tfName: 'tensorflow',
    description: '@tensorflow/tfjs-node-gpu (libtensorflow with CUDA; optional dependency)',
    load: () => {
      require('@tensorflow/tfjs-node-gpu');
    },
    capabilities: HOST_BACKEND,
    optional: true,
  },
  {
    name: 'node',
    tfName: 'tensorflow',
    description: '@tensorflow/tfjs-node (libtensorflow on CPU; optional dependency)',
    load: () => {
      require('@tensorflow/tfjs-node');
    },
    capabilities: HOST_BACKEND,
    optional: true,
  },
  {
    name: 'webgpu',
    tfName: 'webgpu',
    description: 'WebGPU through Dawn (npm package webgpu; optional dependency): a real GPU adapter only, or Mesa\'s software renderer when AVALANCHE_TS_WEBGPU=software',
    load: (forced) => {
      const mode = webgpuModeFromEnv();
      // The null device computes nothing: never let the automatic choice land on it.
      if (mode === 'null' && !forced) throw new Error(`${WEBGPU_MODE_ENV_VAR}=null is used only when webgpu is forced (its results are meaningless)`);
      if (mode === 'null') console.warn(`avalanche-ts: webgpu on Dawn's null device (${WEBGPU_MODE_ENV_VAR}=null): nothing runs on a GPU and every result is meaningless; it measures the host's cost of issuing kernels`);
      registerWebGPUBackend({ mode });
    },
    details: () => webgpuInfo()?.description ?? '',
    failureReason: webgpuFailure,
    capabilities: { deviceMemory: true, syncReads: false, fusedKernels: true, copiesHostArrays: false, checkErrors: checkWebGPU },
    optional: true,
  },
  {
    name: 'wasm',
    tfName: 'wasm',
    description: '@tensorflow/tfjs-backend-wasm (XNNPACK, SIMD; threaded in Node through our patch of it, applied when loaded)',
    load: () => {
      // tfjs turns threads off in Node; patches/tfjs-backend-wasm.patch (applied in memory by
      // loadWasmBackend) starts its pthread workers from files and counts every CPU.
      const { module: wasm, threadsUnavailable } = loadWasmBackend();
      const asked = requestedThreads();
      const why = asked > 1 ? (wasmThreadsFailed ?? threadsUnavailable) : null;
      wasmThreadsNote = why === null ? null : `${asked} threads asked for, but ${why}`;
      wasmThreadsStarting = why === null ? asked : 1;
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', wasmThreadsStarting > 1);
      if (wasmThreadsStarting > 1) wasm.setThreadsCount(wasmThreadsStarting);
    },
    retry: (reason) => {
      if (wasmThreadsFailed !== null || wasmThreadsStarting <= 1) return false;
      wasmThreadsFailed = `its threads failed to start: ${reason}`;
      return true;
    },
    details: () => {
      const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
      const threads = wasmThreads();
      const note = wasmThreadsNote === null ? '' : `: ${wasmThreadsNote}`;
      return `${simd ? 'SIMD' : 'no SIMD'}, ${threads > 1 ? `${threads} threads` : `single-threaded${note}`}`;
    },
    threads: () => wasmThreads(),
    capabilities: { ...HOST_BACKEND, copiesHostArrays: true },
  },
  {
    name: 'cpu',
    tfName: 'cpu',
    description: 'tfjs plain JavaScript cpu backend (slow; last resort)',
    load: () => {
      require('@tensorflow/tfjs-backend-cpu');
    },
    details: () => "tfjs's plain JavaScript kernels, many times slower than wasm",
    capabilities: HOST_BACKEND,
  },
];

/** Why wasm runs on fewer threads than asked for (null when it runs on as many). */
let wasmThreadsNote: string | null = null;
/** Why wasm's threads failed to start in this process (then it starts on one thread). */
let wasmThreadsFailed: string | null = null;
/** The threads wasm was last started with. */
let wasmThreadsStarting = 0;

/** The environment variable that forces a backend by name. */
export const BACKEND_ENV_VAR = 'AVALANCHE_TS_BACKEND';

/** Options of `initBackend`. */
export interface InitBackendOptions {
  /** Force this backend (one of `BACKEND_CANDIDATES`' names); default: env variable, else the first that loads. */
  backend?: string;
  /** Print the chosen backend (default true; printed once per process). */
  verbose?: boolean;
  /**
   * CPU threads of the wasm backend's kernels (default: the env variable `AVALANCHE_TS_THREADS`,
   * else 1 when the native BLAS path runs and every CPU when it does not). Fixed when wasm first
   * starts in the process.
   */
  threads?: number;
  /**
   * Matrix products through a native BLAS on the wasm backend: true requires it, false turns it off
   * (XNNPACK's products, bit for bit), unset uses it where the addon built at install loads (the env
   * variable `AVALANCHE_TS_BLAS=1` / `0` sets true / false). Needs OpenBLAS (or Accelerate).
   */
  blas?: boolean;
  /** Threads of the native BLAS (default: the env variable `AVALANCHE_TS_BLAS_THREADS`, else 1). */
  blasThreads?: number;
}

/** The environment variable that sets the wasm backend's thread count. */
export const THREADS_ENV_VAR = 'AVALANCHE_TS_THREADS';

/** The environment variable that sets the native BLAS's thread count. */
export const BLAS_THREADS_ENV_VAR = 'AVALANCHE_TS_BLAS_THREADS';

let threadsOption: number | undefined;
let blasOption: boolean | undefined;

function checkThreads(value: unknown, source: string, shown: unknown = value): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 64) {
    throw new Error(`${source} must be a whole number of threads from 1 to 64, got ${JSON.stringify(shown)}`);
  }
  return value;
}

/**
 * The thread count asked for: the option, else the env variable, else one thread when the native
 * BLAS path will run (it does the matrix products, and wasm's thread pool then costs more than it
 * gives: each small op pays for waking its threads), else every CPU.
 */
function requestedThreads(): number {
  if (threadsOption !== undefined) return threadsOption;
  const env = process.env[THREADS_ENV_VAR];
  if (env !== undefined && env !== '') return checkThreads(Number(env), `environment variable ${THREADS_ENV_VAR}`, env);
  if (blasMode() !== 'off' && nativeBlasUnavailable() === null) return 1;
  return Math.max(1, os.cpus().length);
}

/** The native BLAS path asked for: 'on' (required), 'off', or 'auto' (where it loads). */
function blasMode(): 'on' | 'off' | 'auto' {
  if (blasOption !== undefined) return blasOption ? 'on' : 'off';
  const env = process.env[BLAS_ENV_VAR];
  if (env === undefined || env === '') return 'auto';
  if (env === '1') return 'on';
  if (env === '0') return 'off';
  throw new Error(`environment variable ${BLAS_ENV_VAR} must be 1 (on) or 0 (off), got ${JSON.stringify(env)}`);
}

/** The native BLAS's thread count: the option, else the env variable, else 1. */
function blasThreads(option: number | undefined): number {
  if (option !== undefined) return checkThreads(option, 'initBackend: blasThreads');
  const env = process.env[BLAS_THREADS_ENV_VAR];
  if (env !== undefined && env !== '') return checkThreads(Number(env), `environment variable ${BLAS_THREADS_ENV_VAR}`, env);
  return 1;
}

/** The threads the running wasm backend uses (1 when not threaded). */
function wasmThreads(): number {
  if (!tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')) return 1;
  try {
    return (require('@tensorflow/tfjs-backend-wasm') as { getThreadsCount(): number }).getThreadsCount();
  } catch {
    return 1;
  }
}

/** What happened to one candidate while choosing. */
export interface BackendAttempt {
  name: string;
  ok: boolean;
  reason?: string;
}

/** The chosen backend and the list of tried ones. */
export interface BackendInfo {
  name: string;
  tfName: string;
  details: string;
  /** CPU threads of its kernels, when known (wasm). */
  threads?: number;
  attempts: BackendAttempt[];
}

/** Env variable: set to 1 to print the list of tried backends and why each failed. */
export const BACKEND_VERBOSE_ENV_VAR = 'AVALANCHE_TS_BACKEND_VERBOSE';

let current: BackendInfo | null = null;
let pending: Promise<BackendInfo> | null = null;
let printed = false;

/** Throws unless `name` names a candidate backend. */
export function checkBackendName(name: string, source: string): BackendCandidate {
  const candidate = BACKEND_CANDIDATES.find((c) => c.name === name);
  if (!candidate) {
    throw new Error(
      `${source}: unknown backend '${name}'; allowed values: ${BACKEND_CANDIDATES.map((c) => `'${c.name}'`).join(', ')}`,
    );
  }
  return candidate;
}

/** Process-wide error events that a backend's runtime may take over. */
const PROCESS_ERROR_EVENTS: string[] = ['uncaughtException', 'unhandledRejection'];

/**
 * Runs `start` and removes the process-wide error handlers it installed. The wasm backend's
 * Emscripten runtime adds handlers that rethrow every uncaught error and unhandled rejection: in a
 * kernel they would override the kernel's own handlers (which report and carry on) and any error
 * raised after a cell returned would end the kernel process. Without them a plain script keeps
 * Node's default (print and exit), which is what the rethrowing handlers did too.
 */
async function withoutNewErrorHandlers(start: () => Promise<void>): Promise<void> {
  const listeners = (event: string) => (process as NodeJS.EventEmitter).listeners(event);
  const before = new Map(PROCESS_ERROR_EVENTS.map((e) => [e, new Set(listeners(e))]));
  try {
    await start();
  } finally {
    for (const event of PROCESS_ERROR_EVENTS) {
      for (const listener of listeners(event)) {
        if (!before.get(event)!.has(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  }
}

async function tryCandidate(candidate: BackendCandidate, forced: boolean): Promise<void> {
  try {
    await withoutNewErrorHandlers(() => startCandidate(candidate, forced));
  } catch (error) {
    if (!candidate.retry?.(firstLine(error))) throw error;
    await withoutNewErrorHandlers(() => startCandidate(candidate, forced));
  }
}

async function startCandidate(candidate: BackendCandidate, forced: boolean): Promise<void> {
  await candidate.load(forced);
  // setBackend returns false (rather than throwing) when the backend fails to initialise, and tfjs
  // logs the factory's error as a warning: keep the console quiet and report the reason ourselves.
  const warn = console.warn;
  const warnings: string[] = [];
  console.warn = (...args: unknown[]) => warnings.push(args.map(String).join(' '));
  let ok: boolean;
  try {
    ok = await tf.setBackend(candidate.tfName);
  } finally {
    console.warn = warn;
  }
  if (!ok || tf.getBackend() !== candidate.tfName) {
    // tfjs warns "Initialization of backend X failed", then the factory error's stack or message.
    const factoryError = warnings.find((w) => !w.startsWith('Initialization of backend'));
    throw new Error(candidate.failureReason?.() ?? (factoryError ? factoryError.split('\n')[0] : `tf.setBackend('${candidate.tfName}') failed`));
  }
  await tf.ready();
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0];
}

async function choose(options: InitBackendOptions): Promise<BackendInfo> {
  const forcedName = options.backend ?? process.env[BACKEND_ENV_VAR] ?? undefined;
  const source = options.backend !== undefined ? 'initBackend: backend' : `environment variable ${BACKEND_ENV_VAR}`;
  const candidates = forcedName ? [checkBackendName(forcedName, source)] : BACKEND_CANDIDATES;
  webgpuModeFromEnv(); // a misspelt device mode is an error, not a silent fall-through
  const attempts: BackendAttempt[] = [];
  for (const candidate of candidates) {
    try {
      await tryCandidate(candidate, Boolean(forcedName));
      attempts.push({ name: candidate.name, ok: true });
      // A backend that should have run did not: the one line printed says why this one runs instead.
      const missed = attempts.filter((a) => !a.ok && !checkBackendName(a.name, 'choose').optional);
      const details = [candidate.details ? candidate.details() : '', ...missed.map((a) => `used because ${a.name} could not start: ${a.reason}`)];
      return {
        name: candidate.name,
        tfName: candidate.tfName,
        details: details.filter((d) => d !== '').join('; '),
        threads: candidate.threads?.(),
        attempts,
      };
    } catch (error) {
      attempts.push({ name: candidate.name, ok: false, reason: firstLine(error) });
    }
  }
  const tried = attempts.map((a) => `${a.name}: ${a.reason}`).join('; ');
  throw new Error(forcedName ? `backend '${forcedName}' could not be started (${tried})` : `no tensor backend could be started (${tried})`);
}

/**
 * Chooses and starts the tensor backend (once per process; later calls return the same result
 * unless a different `backend` is forced). Strategies call it before they touch tensors.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  if (options.backend !== undefined) checkBackendName(options.backend, 'initBackend: backend');
  if (options.blas !== undefined && typeof options.blas !== 'boolean') throw new Error(`initBackend: blas must be true or false, got ${JSON.stringify(options.blas)}`);
  if (options.blasThreads !== undefined) blasThreads(options.blasThreads);
  if (options.threads !== undefined) {
    const threads = checkThreads(options.threads, 'initBackend: threads');
    const wasmStarted = (tf.engine().registry as Record<string, unknown>).wasm !== undefined;
    if (wasmStarted && threads !== wasmThreads()) {
      throw new Error(`initBackend: threads: the wasm backend already runs with ${wasmThreads()} thread(s) in this process; set threads before it starts (restart the kernel)`);
    }
    threadsOption = threads;
  }
  if (current && (options.backend === undefined || options.backend === current.name)) return current;
  if (pending && options.backend === undefined) return pending;
  if (options.blas !== undefined) blasOption = options.blas;
  blasMode(); // a bad env value is an error before anything starts
  pending = choose(options).then((info) => withBlas(info, blasThreads(options.blasThreads)));
  try {
    current = await pending;
  } finally {
    pending = null;
  }
  if (process.env[BACKEND_VERBOSE_ENV_VAR] === '1') {
    for (const a of current.attempts) console.log(`avalanche-ts: backend ${a.name}: ${a.ok ? 'started' : `not used (${a.reason})`}`);
  }
  if (options.verbose ?? true) {
    if (!printed || options.backend !== undefined) {
      const details = current.details ? ` (${current.details})` : '';
      notice(`avalanche-ts: tensor backend '${current.name}'${details}`);
      printed = true;
    }
  }
  return current;
}

/**
 * Turns the native BLAS path on: required (an error when it cannot run) or where it loads (else the
 * details say why XNNPACK does the products); never on other backends than wasm.
 */
function withBlas(info: BackendInfo, threads: number): BackendInfo {
  const mode = blasMode();
  if (mode === 'off') return info;
  if (info.name !== 'wasm') {
    if (mode === 'on') throw new Error(`initBackend: blas: the native BLAS path runs on the wasm backend, and the backend is '${info.name}'`);
    return info;
  }
  const unavailable = nativeBlasUnavailable();
  if (mode === 'auto' && unavailable !== null) return { ...info, details: `${info.details}, matrix products by XNNPACK (native BLAS path not available: ${unavailable})` };
  // One BLAS thread by default: on this 2-vCPU VM OpenBLAS on two threads evaluated (batch 100)
  // slower than on one (waking its threads costs more than a small product) and trained no faster.
  const blas = enableNativeBlas(threads);
  return { ...info, details: `${info.details}, matrix products by ${path.basename(blas.library)} on ${blas.threads} thread${blas.threads === 1 ? '' : 's'}` };
}

/** The backend chosen so far, or null before `initBackend`. */
export function currentBackend(): BackendInfo | null {
  return current;
}

/**
 * Throws a clear error when no backend has been started, neither by `initBackend` nor by the user
 * through tfjs. Called by the synchronous places that create tensors, so that tfjs does not silently
 * start its default backend (the plain cpu one) instead of the chosen one.
 */
export function requireBackend(where: string): void {
  if (current) return;
  const engine = tf.engine() as unknown as { backendInstance?: unknown };
  if (engine.backendInstance != null) return;
  throw new Error(`${where}: no tensor backend started yet: run \`await initBackend()\` first (SplitMNIST, SplitFMNIST and the strategies do it for you)`);
}

/**
 * The capabilities of the active tfjs backend (looked up by tfjs's name for it, so that a backend
 * switched with `tf.setBackend` is described correctly); a backend not in the table is treated as a
 * host backend.
 */
export function backendCapabilities(): BackendCapabilities {
  const active = tf.getBackend();
  if (cachedFor !== active) {
    cached = BACKEND_CANDIDATES.find((c) => c.tfName === active)?.capabilities ?? HOST_BACKEND;
    cachedFor = active;
  }
  return cached;
}

let cachedFor: string | undefined;
let cached: BackendCapabilities = HOST_BACKEND;

/** Throws the errors the active device collected (a GPU validation error or a lost device), if any. */
export function checkBackendErrors(): void {
  backendCapabilities().checkErrors?.();
}
