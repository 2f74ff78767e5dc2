/**
 * Matrix products through a native BLAS, on the wasm backend: our own `BatchMatMul` and
 * `_FusedMatMul` kernels call `cblas_sgemm` (OpenBLAS, Accelerate) from a small N-API addon
 * (`native/blas.c`, built by `scripts/build-native.js` where a C compiler is present: at install
 * where npm runs the package's install script, and by `avalanche-ts kernel install` or
 * `avalanche-ts build-native`) on Float32Arrays that view the
 * wasm heap, so no tensor is copied. Cases the addon does not cover (batched products, other
 * activations, PReLU) go to wasm's own kernels. The same addon runs convolutions and batch norm's
 * training pass and gradient. On by default where the addon loads (the backend
 * line says which path runs); the numbers then differ from XNNPACK's in the last bits (another
 * summation order), and `AVALANCHE_TS_BLAS=0` or `initBackend({ blas: false })` gives XNNPACK's.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';

interface BlasAddon {
  sgemm(transA: boolean, transB: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array, bias: Float32Array | null, relu: boolean): void;
  conv2d(mode: number, a: Float32Array, b: Float32Array, out: Float32Array, dims: Int32Array): void;
  batchNormForward(x: Float32Array, gamma: Float32Array, beta: Float32Array, eps: number, y: Float32Array, mean: Float32Array, variance: Float32Array, invStd: Float32Array): void;
  batchNormBackward(dy: Float32Array, x: Float32Array, mean: Float32Array, invStd: Float32Array, gamma: Float32Array, dx: Float32Array, dGamma: Float32Array, dBeta: Float32Array): void;
  setThreads(n: number): void;
  describe(): { library: string; threads: number };
}

/** Where `scripts/build-native.js` puts the addon. */
export const NATIVE_BLAS_ADDON = path.join(__dirname, '..', '..', 'native', 'build', 'blas.node');

/** The environment variable that turns the native BLAS path on. */
export const BLAS_ENV_VAR = 'AVALANCHE_TS_BLAS';

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

let active: { library: string; threads: number } | null = null;

/** The BLAS in use for matrix products, or null (wasm's own kernels). */
export function nativeBlasInfo(): { library: string; threads: number } | null {
  return active;
}

let loaded: { addon: BlasAddon } | { reason: string } | null = null;

/** The command that builds the addon in a project that installed this package. */
export const BUILD_NATIVE_COMMAND = 'npx avalanche-ts build-native';

function tryLoadAddon(): { addon: BlasAddon } | { reason: string } {
  if (!loaded && !fs.existsSync(NATIVE_BLAS_ADDON)) {
    // npm runs a dependency's install script only where the project allows it (allowScripts).
    loaded = { reason: `its addon is not built: run \`${BUILD_NATIVE_COMMAND}\` (it needs a C compiler; \`npx avalanche-ts kernel install\` runs it too)` };
  }
  if (!loaded) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      loaded = { addon: require(NATIVE_BLAS_ADDON) as BlasAddon };
    } catch (error) {
      loaded = { reason: (error as Error).message.split('\n')[0] };
    }
  }
  return loaded;
}

/**
 * Why the native BLAS path cannot run in this process (the addon was not built, or no BLAS was
 * found), or null when it can. Loads the addon once.
 */
export function nativeBlasUnavailable(): string | null {
  const r = tryLoadAddon();
  return 'reason' in r ? r.reason : null;
}

function loadAddon(): BlasAddon {
  const r = tryLoadAddon();
  if ('addon' in r) return r.addon;
  throw new Error(`the native BLAS path is not available (${r.reason}); \`${BUILD_NATIVE_COMMAND}\` builds it where a C compiler and Node's headers are present (and says why not), and it needs OpenBLAS at run time (apt-get install libopenblas0)`);
}

/** The 2-D shape of a product's operand, or null when it is batched (more than one matrix). */
function matrixShape(t: tf.TensorInfo): [number, number] | null {
  const r = t.shape.length;
  if (r < 2 || t.shape.slice(0, -2).some((d) => d !== 1)) return null;
  return [t.shape[r - 2], t.shape[r - 1]];
}

/**
 * Replaces wasm's `BatchMatMul` and `_FusedMatMul` with BLAS-backed kernels (fall back to the
 * originals where not covered). `threads`: the BLAS's threads. Call after the wasm backend started.
 */
export function enableNativeBlas(threads: number): { library: string; threads: number } {
  if (active) return active;
  if (tf.getBackend() !== 'wasm') throw new Error(`the native BLAS path runs on the wasm backend; the active backend is '${tf.getBackend()}'`);
  const addon = loadAddon();
  addon.setThreads(threads);
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const original = tf.getKernel(name, 'wasm');
    if (!original) throw new Error(`the wasm backend has no ${name} kernel to replace`);
    const fallback = original.kernelFunc;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: (args) => {
        const inputs = args.inputs as Record<string, tf.TensorInfo | undefined>;
        const attrs = args.attrs as { transposeA: boolean; transposeB: boolean; activation?: string };
        const { a, b, bias, preluActivationWeights } = inputs;
        const activation = attrs.activation ?? 'linear';
        const sa = matrixShape(a!);
        const sb = matrixShape(b!);
        const covered = sa && sb && a!.dtype === 'float32' && b!.dtype === 'float32' && !preluActivationWeights &&
          (activation === 'linear' || activation === 'relu') && (!bias || (bias.shape.length === 1 && bias.dtype === 'float32'));
        if (!covered) return fallback(args);
        const [m, k] = attrs.transposeA ? [sa[1], sa[0]] : sa;
        const [kb, n] = attrs.transposeB ? [sb[1], sb[0]] : sb;
        if (k !== kb || (bias && bias.shape[0] !== n)) return fallback(args); // wasm's kernel reports the mismatch
        const backend = args.backend as unknown as WasmBackendLike;
        const outShape = [...new Array(Math.max(a!.shape.length, b!.shape.length) - 2).fill(1), m, n];
        const out = backend.makeOutput(outShape, 'float32');
        // Views made after the output: a heap that grew detaches older views.
        const va = backend.typedArrayFromHeap(a!);
        const vb = backend.typedArrayFromHeap(b!);
        const vc = backend.typedArrayFromHeap(out);
        addon.sgemm(attrs.transposeA, attrs.transposeB, m, n, k, va, vb, vc, bias ? backend.typedArrayFromHeap(bias) : null, activation === 'relu');
        return out;
      },
    });
  }
  registerNativeConv(addon);
  registerNativeBatchNorm(addon);
  active = addon.describe();
  return active;
}

/** The kernel name of the native convolution (forward, filter gradient, input gradient). */
export const NATIVE_CONV_KERNEL = 'AvalancheNativeConv2D';

/** What the native convolution computes: the output, the filter's gradient, the input's gradient. */
export const enum ConvMode {
  Forward = 0,
  FilterGrad = 1,
  InputGrad = 2,
}

function registerNativeConv(addon: BlasAddon): void {
  if (typeof addon.conv2d !== 'function') return; // an addon built before convolutions were added
  tf.registerKernel({
    kernelName: NATIVE_CONV_KERNEL,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { mode, dims } = args.attrs as unknown as { mode: ConvMode; dims: number[] };
      const [B, H, W, C, K, , , OH, OW, O] = dims;
      const shape = mode === ConvMode.Forward ? [B, OH, OW, O] : mode === ConvMode.FilterGrad ? [K, K, C, O] : [B, H, W, C];
      const backend = args.backend as unknown as WasmBackendLike;
      const out = backend.makeOutput(shape, 'float32');
      addon.conv2d(mode, backend.typedArrayFromHeap(a), backend.typedArrayFromHeap(b), backend.typedArrayFromHeap(out), Int32Array.from(dims));
      return out;
    },
  });
  convActive = true;
}

let convActive = false;

/** True when convolutions run through the native im2col + BLAS kernel (the native BLAS path is on). */
export function nativeConvActive(): boolean {
  return convActive && tf.getBackend() === 'wasm';
}

/**
 * One native convolution step: `mode` Forward (a = x, b = w), FilterGrad (a = x, b = dy) or
 * InputGrad (a = dy, b = w); `dims` = [B, H, W, C, K, stride, padding, OH, OW, O].
 */
export function nativeConv(mode: ConvMode, a: tf.Tensor, b: tf.Tensor, dims: number[]): tf.Tensor4D {
  return tf.engine().runKernel(NATIVE_CONV_KERNEL, { a, b }, { mode, dims } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/** The kernel names of the native batch norm: the training-mode pass and its gradient. */
export const NATIVE_BATCH_NORM_KERNEL = 'AvalancheNativeBatchNorm';
export const NATIVE_BATCH_NORM_GRAD_KERNEL = 'AvalancheNativeBatchNormGrad';

let batchNormActive = false;

function registerNativeBatchNorm(addon: BlasAddon): void {
  if (typeof addon.batchNormForward !== 'function') return; // an addon built before batch norm was added
  tf.registerKernel({
    kernelName: NATIVE_BATCH_NORM_KERNEL,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x, gamma, beta } = args.inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
      const { eps } = args.attrs as unknown as { eps: number };
      const backend = args.backend as unknown as WasmBackendLike;
      const c = gamma.shape[0];
      const outs = [backend.makeOutput(x.shape, 'float32'), ...[0, 1, 2].map(() => backend.makeOutput([c], 'float32'))];
      // Views made after every output: a heap that grew detaches older views.
      const [y, mean, variance, invStd] = outs.map((t) => backend.typedArrayFromHeap(t));
      addon.batchNormForward(backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(gamma), backend.typedArrayFromHeap(beta), eps, y, mean, variance, invStd);
      return outs;
    },
  });
  tf.registerKernel({
    kernelName: NATIVE_BATCH_NORM_GRAD_KERNEL,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { dy, x, mean, invStd, gamma } = args.inputs as Record<'dy' | 'x' | 'mean' | 'invStd' | 'gamma', tf.TensorInfo>;
      const backend = args.backend as unknown as WasmBackendLike;
      const c = gamma.shape[0];
      const outs = [backend.makeOutput(x.shape, 'float32'), backend.makeOutput([c], 'float32'), backend.makeOutput([c], 'float32')];
      const [dx, dGamma, dBeta] = outs.map((t) => backend.typedArrayFromHeap(t));
      const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t);
      addon.batchNormBackward(view(dy), view(x), view(mean), view(invStd), view(gamma), dx, dGamma, dBeta);
      return outs;
    },
  });
  batchNormActive = true;
}

/** True when batch norm's training pass and gradient run natively (the native BLAS path is on). */
export function nativeBatchNormActive(): boolean {
  return batchNormActive && tf.getBackend() === 'wasm';
}

/**
 * Batch norm over the last axis with the batch's statistics: `y`, and per channel the batch's mean,
 * biased variance and `1 / sqrt(variance + eps)`.
 */
export function nativeBatchNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): { y: tf.Tensor; mean: tf.Tensor1D; variance: tf.Tensor1D; invStd: tf.Tensor1D } {
  const [y, mean, variance, invStd] = tf.engine().runKernel(NATIVE_BATCH_NORM_KERNEL, { x, gamma, beta }, { eps } as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
  return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D, invStd: invStd as tf.Tensor1D };
}

/** The gradient of `nativeBatchNorm` for `x`, `gamma` and `beta`, given the output's gradient `dy`. */
export function nativeBatchNormGrad(dy: tf.Tensor, x: tf.Tensor, mean: tf.Tensor, invStd: tf.Tensor, gamma: tf.Tensor): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.engine().runKernel(NATIVE_BATCH_NORM_GRAD_KERNEL, { dy, x, mean, invStd, gamma }, {}) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
}

