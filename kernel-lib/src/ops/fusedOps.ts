/**
 * Operations that the training step and the metrics repeat every iteration, each written twice:
 * as plain tfjs ops (the reference, used on wasm and cpu) and, on the webgpu backend, as one fused
 * GPU kernel (`webgpuPrograms.ts`). Results agree to float rounding (tested on Mesa's software
 * renderer). `setFusedOps(false)` or `AVALANCHE_TS_FUSED=0` turns the fused kernels off, e.g. to
 * compare.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendCapabilities } from '../backend/backends';
import { FUSED_KERNELS, WEIGHTED_SUM_MAX, registerFusedKernels } from './webgpuPrograms';

export { WEIGHTED_SUM_MAX };

let enabled = process.env.AVALANCHE_TS_FUSED !== '0';

/** Turns the fused webgpu kernels on or off (default on; `AVALANCHE_TS_FUSED=0` sets off). */
export function setFusedOps(on: boolean): void {
  if (typeof on !== 'boolean') throw new Error(`setFusedOps: on must be true or false, got ${on}`);
  enabled = on;
}

/** True when the fused kernels run: they are on and the active backend has them (webgpu). */
export function fusedOpsActive(): boolean {
  if (!enabled || !backendCapabilities().fusedKernels) return false;
  registerFusedKernels();
  return true;
}

function run(kernel: string, inputs: Record<string, tf.Tensor | undefined>, attrs: Record<string, number | boolean | number[]> = {}): tf.Tensor {
  const defined: tf.NamedTensorMap = {};
  for (const [k, v] of Object.entries(inputs)) if (v) defined[k] = v;
  return tf.engine().runKernel(kernel, defined, attrs) as tf.Tensor;
}

/** Hyper-parameters of an SGD update (PyTorch's meaning). */
export interface SgdHyper {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/**
 * The new momentum buffer of `torch.optim.SGD`: `d = grad + weightDecay * param`, then
 * `momentum * buffer + (1 - dampening) * d`, or `d` itself at the first step (no buffer yet).
 */
export function sgdMomentumBuffer(param: tf.Tensor, grad: tf.Tensor, buffer: tf.Tensor | undefined, h: SgdHyper): tf.Tensor {
  if (!buffer && !h.weightDecay) return tf.clone(grad);
  if (fusedOpsActive()) {
    return run(FUSED_KERNELS.sgdMomentumBuffer, { param, grad, buffer }, { momentum: h.momentum, dampening: h.dampening, weightDecay: h.weightDecay });
  }
  return tf.tidy(() => {
    const d = h.weightDecay ? tf.add(grad, tf.mul(param, h.weightDecay)) : grad;
    if (!buffer) return tf.clone(d);
    return tf.add(tf.mul(buffer, h.momentum), h.dampening ? tf.mul(d, 1 - h.dampening) : d);
  });
}

/**
 * The updated parameter of `torch.optim.SGD`: `param - lr * step`, where step is `d` without
 * momentum (`buffer` undefined), the new buffer with momentum, or `d + momentum * buffer` (nesterov).
 * `buffer` may be a flat buffer of several variables (`sgdMomentumBufferFlat`): this variable's
 * part starts at `offset`.
 */
export function sgdParamUpdate(param: tf.Tensor, grad: tf.Tensor, buffer: tf.Tensor | undefined, h: SgdHyper, offset = 0): tf.Tensor {
  if (fusedOpsActive()) {
    return run(FUSED_KERNELS.sgdParamUpdate, { param, grad, buffer }, { lr: h.lr, momentum: h.momentum, weightDecay: h.weightDecay, nesterov: h.nesterov, offset });
  }
  return tf.tidy(() => {
    const d = h.weightDecay ? tf.add(grad, tf.mul(param, h.weightDecay)) : grad;
    const own = buffer && buffer.size !== param.size ? tf.reshape(tf.slice(tf.reshape(buffer, [-1]), [offset], [param.size]), param.shape) : buffer;
    const step = !own ? d : h.nesterov ? tf.add(d, tf.mul(own, h.momentum)) : own;
    return tf.sub(param, tf.mul(step, h.lr));
  });
}

/** Storage buffers one dispatch may bind on the active webgpu device (8, WebGPU's guaranteed minimum, elsewhere). */
function maxStorageBuffers(): number {
  const device = (tf.backend() as unknown as { device?: { limits?: { maxStorageBuffersPerShaderStage?: number } } }).device;
  return device?.limits?.maxStorageBuffersPerShaderStage ?? 8;
}

/** True when one dispatch can compute the momentum buffers of `count` variables (`sgdMomentumBufferFlat`). */
export function sgdFlatFits(count: number, weightDecay: number): boolean {
  return count > 0 && 2 + count * (weightDecay ? 2 : 1) <= maxStorageBuffers();
}

/**
 * The new momentum buffers of several variables as one flat tensor (Mammoth-style): variable i's
 * buffer is `[starts[i], starts[i + 1])`, computed as `sgdMomentumBuffer`. One dispatch on webgpu
 * instead of one per variable; `previous` is the flat buffer of the last step (undefined at the first).
 */
export function sgdMomentumBufferFlat(params: tf.Tensor[], grads: tf.Tensor[], previous: tf.Tensor | undefined, h: SgdHyper): { buffer: tf.Tensor1D; starts: number[] } {
  const starts = [0];
  for (const p of params) starts.push(starts[starts.length - 1] + p.size);
  if (previous && previous.size !== starts[params.length]) {
    throw new Error(`sgdMomentumBufferFlat: previous buffer holds ${previous.size} values, the variables ${starts[params.length]}`);
  }
  if (fusedOpsActive()) {
    if (!sgdFlatFits(params.length, h.weightDecay)) throw new Error(`sgdMomentumBufferFlat: ${params.length} variables need more storage buffers than the device allows (check sgdFlatFits)`);
    const inputs: Record<string, tf.Tensor | undefined> = { M: previous };
    params.forEach((p, i) => {
      inputs[`G${i}`] = grads[i];
      if (h.weightDecay) inputs[`P${i}`] = p;
    });
    const attrs = { count: params.length, starts, momentum: h.momentum, dampening: h.dampening, weightDecay: h.weightDecay };
    return { buffer: run(FUSED_KERNELS.sgdMomentumBufferFlat, inputs, attrs) as tf.Tensor1D, starts };
  }
  const buffer = tf.tidy(() =>
    tf.concat(
      params.map((p, i) => {
        const own = previous ? tf.reshape(tf.slice(previous, [starts[i]], [p.size]), p.shape) : undefined;
        return tf.reshape(sgdMomentumBuffer(p, grads[i], own, h), [-1]);
      }),
    ) as tf.Tensor1D,
  );
  return { buffer, starts };
}

/**
 * A new Adam moment: `beta * moment + (1 - beta) * d` (or `d * d` when `squared`), with
 * `d = grad + weightDecay * param`; `(1 - beta) * d` at the first step (no moment yet).
 */
export function adamMoment(param: tf.Tensor, grad: tf.Tensor, moment: tf.Tensor | undefined, beta: number, weightDecay: number, squared: boolean): tf.Tensor {
  if (fusedOpsActive()) return run(FUSED_KERNELS.adamMoment, { param, grad, moment }, { beta, weightDecay, squared });
  return tf.tidy(() => {
    const d = weightDecay ? tf.add(grad, tf.mul(param, weightDecay)) : grad;
    const value = tf.mul(squared ? tf.square(d) : d, 1 - beta);
    return moment ? tf.add(tf.mul(moment, beta), value) : value;
  });
}

/** The Adam update of `param`: `param - stepSize * m / (sqrt(v) / sqrtC2 + eps)` (bias corrections in `stepSize` and `sqrtC2`). */
export function adamParamUpdate(param: tf.Tensor, m: tf.Tensor, v: tf.Tensor, stepSize: number, sqrtC2: number, eps: number): tf.Tensor {
  if (fusedOpsActive()) return run(FUSED_KERNELS.adamParamUpdate, { param, m, v }, { stepSize, sqrtC2, eps });
  return tf.tidy(() => tf.sub(param, tf.mul(tf.div(m, tf.add(tf.div(tf.sqrt(v), sqrtC2), eps)), stepSize)));
}

/** Class ids as int32 (a no-op when they already are). */
function int32Labels(labels: tf.Tensor): tf.Tensor {
  return labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32');
}

/** Mean cross-entropy of logits `[B, C]` against class ids `[B]`, as a scalar. */
export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor): tf.Scalar {
  if (fusedOpsActive()) {
    return tf.tidy(() => tf.reshape(run(FUSED_KERNELS.softmaxCrossEntropy, { logits, labels: int32Labels(labels) }), []) as tf.Scalar);
  }
  return tf.tidy(() => {
    const oneHot = tf.cast(tf.oneHot(int32Labels(labels) as tf.Tensor1D, logits.shape[1]), 'float32');
    return tf.mul(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits))), -1 / logits.shape[0]) as tf.Scalar;
  });
}

/** The gradient of `softmaxCrossEntropy` with respect to the logits, times `dy`: `(softmax - onehot) * dy / B`. */
export function softmaxCrossEntropyGrad(logits: tf.Tensor2D, labels: tf.Tensor, dy: tf.Tensor): tf.Tensor2D {
  if (fusedOpsActive()) {
    return tf.tidy(() => run(FUSED_KERNELS.softmaxCrossEntropyGrad, { logits, labels: int32Labels(labels), dy: tf.reshape(dy, [1]) }) as tf.Tensor2D);
  }
  return tf.tidy(() => {
    const oneHot = tf.cast(tf.oneHot(int32Labels(labels) as tf.Tensor1D, logits.shape[1]), 'float32');
    return tf.mul(tf.sub(tf.softmax(logits), oneHot), tf.mul(dy, 1 / logits.shape[0])) as tf.Tensor2D;
  });
}

/** The sum over the rows of `x` `[R, C]`: `[C]` (a bias gradient). */
export function columnSum(x: tf.Tensor2D): tf.Tensor1D {
  if (fusedOpsActive()) return run(FUSED_KERNELS.columnSum, { x }) as tf.Tensor1D;
  return tf.sum(x, 0);
}

/**
 * `op(a) op(b)` where `op` transposes when asked. On webgpu the matMul kernel reads transposed
 * operands itself; on wasm and cpu the transposes are explicit, because tfjs's transposed products
 * run 15-30x slower there than plain ones.
 */
export function matMulTransposed(a: tf.Tensor2D, b: tf.Tensor2D, transposeA: boolean, transposeB: boolean): tf.Tensor2D {
  if (fusedOpsActive()) return tf.matMul(a, b, transposeA, transposeB);
  return tf.tidy(() => tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b));
}

/** `dy` where `y > 0`, else 0: the gradient through a ReLU whose output is `y`. */
export function reluGrad(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (fusedOpsActive()) return run(FUSED_KERNELS.reluGrad, { dy, y });
  return tf.tidy(() => tf.mul(dy, tf.step(y)));
}

/**
 * `x * pool[offset : offset + x.size]` (reshaped as `x`): a dropout mask taken as a window of a pool
 * of mask values. Differentiable in `x` (the gradient is the same window times `dy`).
 */
export function maskWindow(x: tf.Tensor, pool: tf.Tensor1D, offset: number): tf.Tensor {
  if (!Number.isInteger(offset) || offset < 0 || offset + x.size > pool.size) {
    throw new Error(`maskWindow: offset must be an integer in [0, ${pool.size - x.size}], got ${offset}`);
  }
  if (!fusedOpsActive()) return tf.tidy(() => tf.mul(x, tf.reshape(tf.slice(pool, [offset], [x.size]), x.shape)));
  const apply = (t: tf.Tensor) => run(FUSED_KERNELS.maskWindow, { x: t, pool }, { offset });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const op = tf.customGrad(((xv: tf.Tensor) => ({ value: apply(xv), gradFunc: (dy: tf.Tensor) => apply(dy) })) as any) as unknown as (x: tf.Tensor) => tf.Tensor;
  return op(x);
}

/** Wellons' `lowbias32` integer hash (a bijection of 32-bit integers with full avalanche); the fused kernel has the same. */
export function lowbias32(v: number): number {
  let x = v >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * A pool of `size` dropout mask values drawn from `seed`: each is `1 / keep` with probability `keep`,
 * else 0. Value i depends only on (seed, i), through a counter-based hash (`lowbias32` twice), so the
 * fused kernel (one dispatch, nothing uploaded) and the host loop give the same values, bit for bit.
 */
export function bernoulliMaskPool(size: number, keep: number, seed: number): tf.Tensor1D {
  if (!Number.isInteger(size) || size < 1) throw new Error(`bernoulliMaskPool: size must be a positive integer, got ${size}`);
  if (typeof keep !== 'number' || !(keep > 0 && keep < 1)) throw new Error(`bernoulliMaskPool: keep must be a number in (0, 1), got ${keep}`);
  if (!Number.isInteger(seed)) throw new Error(`bernoulliMaskPool: seed must be an integer, got ${seed}`);
  const keyA = seed >>> 0;
  const keyB = lowbias32(keyA ^ 0x9e3779b9);
  const threshold = Math.floor(keep * 4294967296); // < 2^32 because keep < 1
  const scale = Math.fround(1 / keep);
  if (fusedOpsActive()) return run(FUSED_KERNELS.bernoulliMaskPool, {}, { size, keyA, keyB, threshold, scale }) as tf.Tensor1D;
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = lowbias32(lowbias32((i + keyA) >>> 0) ^ keyB) < threshold ? scale : 0;
  return tf.tensor1d(values);
}

/** 1 where the top-1 prediction of a row of `logits` `[B, C]` is its label, else 0 (float32 `[B]`). */
export function predictionHits(logits: tf.Tensor2D, labels: tf.Tensor): tf.Tensor1D {
  if (fusedOpsActive()) return run(FUSED_KERNELS.predictionHits, { logits, labels: int32Labels(labels) }) as tf.Tensor1D;
  return tf.tidy(() => tf.cast(tf.equal(tf.argMax(logits, 1), int32Labels(labels)), 'float32') as tf.Tensor1D);
}

/** The number of rows of `logits` `[B, C]` whose top-1 prediction is their label, as a float32 scalar. */
export function predictionHitCount(logits: tf.Tensor2D, labels: tf.Tensor): tf.Scalar {
  if (fusedOpsActive()) return tf.tidy(() => tf.reshape(run(FUSED_KERNELS.predictionHitCount, { logits, labels: int32Labels(labels) }), []) as tf.Scalar);
  return tf.tidy(() => tf.sum(predictionHits(logits, labels)) as tf.Scalar);
}

/** `sum of weights[i] * parts[i]` over single-value tensors, as a scalar (one dispatch per 6 parts on webgpu). */
export function weightedSum(parts: tf.Tensor[], weights: number[]): tf.Scalar {
  if (parts.length === 0 || parts.length !== weights.length || parts.some((p) => p.size !== 1)) {
    throw new Error(`weightedSum: parts must be one or more single-value tensors, one weight each; got ${parts.length} parts (sizes ${parts.map((p) => p.size)}) and ${weights.length} weights`);
  }
  return tf.tidy(() => {
    // Not tf.addN: on webgpu it binds every input at once and fails past 7 inputs (tfjs 4.22).
    if (!fusedOpsActive()) return tf.sum(tf.mul(tf.stack(parts.map((p) => tf.reshape(p, []))), tf.tensor1d(weights))) as tf.Scalar;
    // Each dispatch sums up to WEIGHTED_SUM_MAX inputs; after the first, one of them is the total so far.
    let total: tf.Tensor | null = null;
    let next = 0;
    while (next < parts.length) {
      const room = total ? WEIGHTED_SUM_MAX - 1 : WEIGHTED_SUM_MAX;
      const chunk = parts.slice(next, next + room);
      const chunkWeights = weights.slice(next, next + chunk.length);
      next += chunk.length;
      const all = total ? [total, ...chunk] : chunk;
      const inputs: Record<string, tf.Tensor> = {};
      all.forEach((t, i) => (inputs[`S${i}`] = tf.reshape(t, [1]))); // rank 1: the backend's shape uniforms need one value
      total = run(FUSED_KERNELS.weightedSum, inputs, { weights: total ? [1, ...chunkWeights] : chunkWeights });
    }
    return tf.reshape(total!, []) as tf.Scalar;
  });
}
