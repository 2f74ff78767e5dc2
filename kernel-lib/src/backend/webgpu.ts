/**
 * The `webgpu` backend: TensorFlow.js's WebGPU backend on Dawn's Node bindings (npm package `webgpu`,
 * binaries inside the package, so it installs offline). Our own factory replaces tfjs's, so that we
 * choose the adapter (a real GPU; or Mesa's software renderer through OpenGL ES when asked, for tests
 * without a GPU), raise the limits tfjs needs, and turn GPU errors and device loss into JavaScript
 * errors instead of silent zeros or hangs.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { checkKnownOptions } from '../utils/validate';

/**
 * Env variable choosing the webgpu backend's device (`WEBGPU_DEVICE_MODES`): unset or `gpu` for a real GPU,
 * `software` for Mesa's software renderer (OpenGL ES), `null` for Dawn's null device.
 */
export const WEBGPU_MODE_ENV_VAR = 'AVALANCHE_TS_WEBGPU';

/**
 * What the webgpu backend runs on:
 * - `gpu`: a real GPU adapter (Vulkan on Linux); CPU fallback adapters are refused;
 * - `software`: Mesa's software renderer through OpenGL ES (slow but real: tests and CI without a GPU);
 * - `null`: Dawn's null device, which validates and encodes every GPU command and runs none. Every result
 *   is meaningless; it measures what issuing the kernels costs the host (`scripts/bench-steady.js --device null`).
 */
export const WEBGPU_DEVICE_MODES = ['gpu', 'software', 'null'] as const;

/** One of `WEBGPU_DEVICE_MODES`. */
export type WebGPUDeviceMode = (typeof WEBGPU_DEVICE_MODES)[number];

/** The device mode asked for by `AVALANCHE_TS_WEBGPU` (unset or empty: `gpu`); other values are an error. */
export function webgpuModeFromEnv(): WebGPUDeviceMode {
  const value = process.env[WEBGPU_MODE_ENV_VAR] ?? '';
  if (value === '') return 'gpu';
  if (!(WEBGPU_DEVICE_MODES as readonly string[]).includes(value)) {
    throw new Error(`${WEBGPU_MODE_ENV_VAR}='${value}': expected one of ${WEBGPU_DEVICE_MODES.join(', ')} (or unset for gpu)`);
  }
  return value as WebGPUDeviceMode;
}

// Minimal shapes of the WebGPU objects used here (the DOM types are not in this project's lib).
interface GPUAdapterLike {
  features: Set<string>;
  limits: Record<string, number>;
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
  requestDevice(descriptor: Record<string, unknown>): Promise<GPUDeviceLike>;
}
interface GPUDeviceLike {
  lost: Promise<{ reason: string; message: string }>;
  onuncapturederror: ((event: { error: { message: string } }) => void) | null;
  destroy(): void;
}
interface DawnModule {
  create(flags: string[]): { requestAdapter(options?: Record<string, unknown>): Promise<GPUAdapterLike | null> };
  globals: Record<string, unknown>;
}

/** What the webgpu backend runs on, once started. */
export interface WebGPUInfo {
  /** Adapter description (vendor, device, driver). */
  description: string;
  /** True when it runs on Mesa's software renderer. */
  software: boolean;
  /** The device mode (`null`: nothing runs, results are meaningless). */
  mode: WebGPUDeviceMode;
}

let info: WebGPUInfo | null = null;
let failure: string | null = null;
let device: GPUDeviceLike | null = null;
/** Why the current device was lost (every later read fails with it), or null. */
let deviceLost: string | null = null;
const errors: string[] = [];

function loadDawn(): DawnModule {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require('webgpu') as DawnModule;
  } catch (error) {
    throw new Error(`the npm package 'webgpu' (Dawn) is not installed or does not load here (${(error as Error).message.split('\n')[0]})`);
  }
}

/**
 * On Linux, Dawn reaches GPUs through Vulkan: without the Vulkan loader there is no adapter (and
 * Dawn prints a native warning for each try), so look for it first.
 */
function vulkanLoaderFound(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/lib/aarch64-linux-gnu',
    '/usr/lib64', '/lib64', '/usr/lib', '/lib', '/usr/local/lib', '/usr/local/nvidia/lib64', '/usr/local/nvidia/lib',
  ];
  return dirs.some((d) => fs.existsSync(path.join(d, 'libvulkan.so.1')));
}

/**
 * The folders where the Vulkan loader looks for driver manifests (ICD `.json` files) on Linux, in its
 * order: XDG config home and dirs, the system config folders, XDG data home and dirs.
 */
function vulkanDriverFolders(): string[] {
  const home = process.env.HOME ?? '';
  const list = (value: string | undefined, fallback: string) => (value || fallback).split(':').filter(Boolean);
  return [
    process.env.XDG_CONFIG_HOME || path.join(home, '.config'),
    ...list(process.env.XDG_CONFIG_DIRS, '/etc/xdg'),
    '/usr/local/etc', '/etc',
    process.env.XDG_DATA_HOME || path.join(home, '.local', 'share'),
    ...list(process.env.XDG_DATA_DIRS, '/usr/local/share:/usr/share'),
  ].map((d) => path.join(d, 'vulkan', 'icd.d'));
}

/**
 * True when the Vulkan loader can find a driver: a manifest in its folders, or one named by
 * `VK_DRIVER_FILES` / `VK_ICD_FILENAMES` / `VK_ADD_DRIVER_FILES` (trusted as given). Without one,
 * Dawn would print native warnings ("vkCreateInstance: Found no drivers!") and find no adapter.
 */
function vulkanDriverFound(): boolean {
  if (process.platform !== 'linux') return true;
  if (process.env.VK_DRIVER_FILES || process.env.VK_ICD_FILENAMES || process.env.VK_ADD_DRIVER_FILES) return true;
  return vulkanDriverFolders().some((d) => {
    try {
      return fs.readdirSync(d).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  });
}

/**
 * The GPU device files of this Linux machine: DRM render nodes (AMD, Intel, nouveau, virtio-gpu),
 * NVIDIA's driver nodes, WSL2's GPU. Without one there is no GPU for Dawn to find, and asking it
 * anyway makes Mesa's Vulkan drivers (on most desktops) print warnings to stderr from native code
 * ("XDG_RUNTIME_DIR is invalid", "shaderUniform*ArrayDynamicIndexing required") in every process that
 * probes, sweep workers included. Elsewhere (macOS, Windows) the answer is left to Dawn.
 */
export function gpuDeviceFiles(): string[] | null {
  if (process.platform !== 'linux') return null;
  const list = (dir: string, pattern: RegExp) => {
    try {
      return fs.readdirSync(dir).filter((f) => pattern.test(f)).map((f) => path.join(dir, f));
    } catch {
      return [];
    }
  };
  return [...list('/dev/dri', /^renderD\d+$/), ...list('/dev', /^(nvidia\d+|dxg)$/)];
}

function describeAdapter(adapter: GPUAdapterLike): string {
  const i = adapter.info ?? {};
  return [i.vendor, i.architecture, i.device, i.description].filter((s) => s && s.length).join(' ') || 'unknown adapter';
}

/** True for adapters that are CPU renderers (fallback, llvmpipe, SwiftShader): never chosen automatically. */
function isSoftwareAdapter(adapter: GPUAdapterLike): boolean {
  if (adapter.isFallbackAdapter || adapter.info?.isFallbackAdapter) return true;
  return /llvmpipe|swiftshader|softpipe|lavapipe/i.test(describeAdapter(adapter));
}

/**
 * Registers tfjs's WebGPU backend with our factory (idempotent). `mode` (default: `AVALANCHE_TS_WEBGPU`,
 * else `gpu`) picks the device; `software` is Mesa's renderer through OpenGL ES in compatibility mode
 * (needs EGL; `EGL_PLATFORM=surfaceless` is set when unset).
 */
export function registerWebGPUBackend(options: { mode?: WebGPUDeviceMode } = {}): void {
  checkKnownOptions('registerWebGPUBackend', options, ['mode']);
  const mode = options.mode ?? webgpuModeFromEnv();
  if (!(WEBGPU_DEVICE_MODES as readonly string[]).includes(mode)) {
    throw new Error(`registerWebGPUBackend: mode '${mode}' is not one of ${WEBGPU_DEVICE_MODES.join(', ')}`);
  }
  const dawn = loadDawn();
  // Dawn's globals (GPUBufferUsage, ...) must exist before tfjs-backend-webgpu loads.
  for (const [k, v] of Object.entries(dawn.globals)) {
    if (!(k in globalThis)) Object.defineProperty(globalThis, k, { value: v, configurable: true, writable: true });
  }
  let webgpuBackend: { WebGPUBackend: new (device: unknown, adapterInfo?: unknown) => tf.KernelBackend };
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    webgpuBackend = require('@tensorflow/tfjs-backend-webgpu');
  } catch (error) {
    throw new Error(`the npm package '@tensorflow/tfjs-backend-webgpu' does not load (${(error as Error).message.split('\n')[0]})`);
  }
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', async () => {
    try {
      return await createBackend(dawn, webgpuBackend.WebGPUBackend, mode);
    } catch (error) {
      failure = (error as Error).message;
      throw error;
    }
  }, 1);
}

async function createBackend(
  dawn: DawnModule,
  WebGPUBackend: new (device: unknown, adapterInfo?: unknown) => tf.KernelBackend,
  mode: WebGPUDeviceMode,
): Promise<tf.KernelBackend> {
    const software = mode === 'software';
    if (software && !process.env.EGL_PLATFORM) process.env.EGL_PLATFORM = 'surfaceless';
    if (mode === 'gpu' && gpuDeviceFiles()?.length === 0) {
      throw new Error('no GPU adapter: this machine has no GPU device (no /dev/dri/renderD*, /dev/nvidia*, /dev/dxg), so Dawn is not asked');
    }
    if (mode === 'gpu' && !vulkanLoaderFound()) {
      throw new Error('no GPU adapter: the Vulkan loader (libvulkan.so.1) is not installed (Debian: libvulkan1), so Dawn cannot reach a GPU');
    }
    if (mode === 'gpu' && !vulkanDriverFound()) {
      throw new Error('no GPU adapter: no Vulkan driver is installed (no ICD manifest in /etc/vulkan/icd.d, /usr/share/vulkan/icd.d or the other loader folders); on NVIDIA, set VK_DRIVER_FILES to the driver\'s nvidia_icd.json');
    }
    const gpu = dawn.create(software ? ['backend=opengles'] : mode === 'null' ? ['backend=null'] : []);
    // tfjs-backend-webgpu checks navigator.gpu. Node 20 has no navigator; Node >= 21 has its own,
    // read-only one: define the property rather than assign it.
    const nav = (globalThis as { navigator?: object }).navigator ?? {};
    Object.defineProperty(globalThis, 'navigator', { value: Object.assign(Object.create(nav), { gpu }), configurable: true, writable: true });
    const adapter = await gpu.requestAdapter(software ? { featureLevel: 'compatibility' } : { powerPreference: 'high-performance' });
    if (!adapter) {
      throw new Error(
        mode === 'null'
          ? 'no null WebGPU adapter: this build of Dawn has no null backend'
          : software
          ? 'no software WebGPU adapter: install Mesa EGL/GLES (Debian: libegl1 libgles2 libegl-mesa0 libgl1-mesa-dri)'
          : 'no GPU adapter: no GPU, or its Vulkan driver is not found (on NVIDIA, set VK_DRIVER_FILES to the driver\'s nvidia_icd.json)',
      );
    }
    if (mode === 'gpu' && isSoftwareAdapter(adapter)) {
      throw new Error(`only a fallback (CPU) adapter was found (${describeAdapter(adapter)}); set ${WEBGPU_MODE_ENV_VAR}=software to use it anyway`);
    }
    const limits = adapter.limits;
    const requiredFeatures = ['timestamp-query'].filter((f) => adapter.features.has(f));
    const dev = await adapter.requestDevice({
      requiredFeatures,
      requiredLimits: {
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
        maxComputeWorkgroupSizeY: limits.maxComputeWorkgroupSizeY,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
        // tfjs binds every input of some kernels at once (addN): the default 8 fails past 7 inputs.
        maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
      },
    });
    // GPU validation errors do not throw: collect them, and device loss, for checkWebGPU().
    dev.onuncapturederror = (event) => errors.push(`WebGPU error: ${event.error.message}`);
    deviceLost = null;
    void dev.lost.then((lost) => {
      if (device !== dev) return;
      deviceLost = `WebGPU device lost (${lost.reason}): ${lost.message}`;
      errors.push(deviceLost);
    });
    device = dev;
    info = mode === 'null'
      ? { description: 'Dawn null device: GPU commands are encoded, never run; every result is meaningless', software: false, mode }
      : { description: describeAdapter(adapter), software, mode };
    // Without a device to keep, Node would not exit while Dawn holds it: release it at exit.
    process.once('exit', releaseWebGPU);
    // tfjs submits GPU work every 15 kernels by default; a training step is ~50 small kernels, and on an
    // H200 submitting every 64 raised batch-500 training from ~74,000 to ~85,000 samples/s. A value the
    // user set (tf.env().set) is kept.
    if (!tf.env().getFlags().hasOwnProperty('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE')) tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', 64);
    const backend = new WebGPUBackend(dev, adapter.info);
    // A GPU validation error or device loss makes the next read reject with it, instead of returning
    // numbers computed by a dropped command buffer (the training and evaluation loops check every iteration).
    const withRead = backend as unknown as { read(dataId: object): Promise<unknown> };
    const read = withRead.read.bind(backend);
    withRead.read = async (dataId: object) => {
      let values: unknown;
      try {
        values = await read(dataId);
      } catch (error) {
        // A lost device aborts pending reads with an AbortError that has no message; the loss itself is
        // reported by `device.lost`, which may settle just after: give it a turn, then name it.
        await new Promise((resolve) => setImmediate(resolve));
        checkWebGPU();
        if (deviceLost) throw new Error(deviceLost);
        const e = error as Error;
        throw new Error(`WebGPU read failed: ${e.name || 'Error'}${e.message ? `: ${e.message}` : ' without a message (the GPU device may have been lost)'}`);
      }
      checkWebGPU();
      return values;
    };
    return backend;
}

/** Why the webgpu backend could not start (null if it did or was not tried). */
export function webgpuFailure(): string | null {
  return failure;
}

/** The adapter the webgpu backend runs on (null before it starts). */
export function webgpuInfo(): WebGPUInfo | null {
  return info;
}

/** Throws the first GPU error or device loss reported since the last check. */
export function checkWebGPU(): void {
  if (errors.length) {
    const message = errors.splice(0, errors.length).join('; ');
    throw new Error(message);
  }
}

/** Records a device loss (used by tests to simulate one). */
export function reportWebGPUError(message: string): void {
  errors.push(message);
}

/** Releases the GPU device (the process can exit). */
export function releaseWebGPU(): void {
  const d = device;
  device = null;
  d?.destroy();
}
