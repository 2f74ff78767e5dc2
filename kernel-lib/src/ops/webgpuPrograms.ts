/**
 * Fused WGSL kernels for the webgpu backend, registered with tfjs as ordinary kernels
 * (`tf.registerKernel`), so that the engine tracks, disposes and profiles their outputs as any other.
 * Each does in one GPU dispatch what tfjs's ops do in several (an SGD update: 4 per variable; the
 * softmax cross-entropy and its gradient: ~16). On a GPU each dispatch costs a fixed overhead issued
 * from JavaScript, which dominates a small model's step. The programs follow tfjs-backend-webgpu's
 * `WebGPUProgram` shape; the backend adds the bindings, shape uniforms and the entry point.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Names of the fused kernels. */
export const FUSED_KERNELS = {
  sgdMomentumBuffer: 'AvalancheTsSgdMomentumBuffer',
  sgdMomentumBufferFlat: 'AvalancheTsSgdMomentumBufferFlat',
  sgdParamUpdate: 'AvalancheTsSgdParamUpdate',
  adamMoment: 'AvalancheTsAdamMoment',
  adamParamUpdate: 'AvalancheTsAdamParamUpdate',
  softmaxCrossEntropy: 'AvalancheTsSoftmaxCrossEntropy',
  softmaxCrossEntropyGrad: 'AvalancheTsSoftmaxCrossEntropyGrad',
  columnSum: 'AvalancheTsColumnSum',
  reluGrad: 'AvalancheTsReluGrad',
  maskWindow: 'AvalancheTsMaskWindow',
  bernoulliMaskPool: 'AvalancheTsBernoulliMaskPool',
  predictionHits: 'AvalancheTsPredictionHits',
  predictionHitCount: 'AvalancheTsPredictionHitCount',
  weightedSum: 'AvalancheTsWeightedSum',
} as const;

/** The part of tfjs-backend-webgpu's program interface these kernels use. */
interface Program {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  size?: boolean;
  uniforms?: string;
  getUserCode(): string;
}

/** The part of the webgpu backend these kernels call. */
interface WebGPUBackendLike {
  runWebGPUProgram(program: Program, inputs: tf.TensorInfo[], outputDtype: tf.DataType, uniforms?: { type: string; data: number[] }[]): tf.TensorInfo;
}

const FLAT_WORKGROUP = 128;
const REDUCE_WORKGROUP = 128; // one workgroup reduces; a power of two

/** Most inputs of one weighted-sum dispatch (WebGPU guarantees 8 storage buffers per stage, one is the output). */
export const WEIGHTED_SUM_MAX = 6;

/** A program with one thread per element of `threads` (a flat dispatch), writing `outputShape`. */
function program(key: string, variableNames: string[], outputShape: number[], threads: number, code: string, uniforms?: string, workgroup = FLAT_WORKGROUP): Program {
  return {
    variableNames,
    outputShape,
    shaderKey: key,
    dispatchLayout: { x: [0] },
    dispatch: [Math.max(1, Math.ceil(threads / workgroup)), 1, 1],
    workgroupSize: [workgroup, 1, 1],
    size: true, // uniforms.size: the number of output elements
    uniforms,
    getUserCode: () => code,
  };
}

const f32 = (data: number) => ({ type: 'float32', data: [data] });
const i32 = (data: number) => ({ type: 'int32', data: [data] });
const u32 = (data: number) => ({ type: 'uint32', data: [data] });

/** Sums `acc` of the workgroup's threads into `partial[0]` (every thread reaches the barriers). */
const TREE_REDUCE = `
        partial[index] = acc;
        workgroupBarrier();
        for (var stride = ${REDUCE_WORKGROUP / 2}; stride > 0; stride = stride / 2) {
          if (index < stride) { partial[index] = partial[index] + partial[index + stride]; }
          workgroupBarrier();
        }`;

/**
 * Row helpers over the `Logits` input `[rows, cols]` (a row starts at `base`): its maximum, the sum
 * of exp(logit - maximum), its log-sum-exp, and the column of its first maximum (as tf.argMax).
 */
const LOGITS_ROW_FNS = `
      fn rowMax(base : i32, cols : i32) -> f32 {
        var mx = Logits[base];
        for (var c = 1; c < cols; c = c + 1) { mx = max(mx, Logits[base + c]); }
        return mx;
      }
      fn rowSumExp(base : i32, cols : i32, mx : f32) -> f32 {
        var s = 0.0;
        for (var c = 0; c < cols; c = c + 1) { s = s + exp(Logits[base + c] - mx); }
        return s;
      }
      fn rowLogSumExp(base : i32, cols : i32) -> f32 {
        let mx = rowMax(base, cols);
        return log(rowSumExp(base, cols, mx)) + mx;
      }
      fn rowArgMax(base : i32, cols : i32) -> i32 {
        var best = 0;
        var mx = Logits[base];
        for (var c = 1; c < cols; c = c + 1) { let v = Logits[base + c]; if (v > mx) { mx = v; best = c; } }
        return best;
      }`;

/**
 * One workgroup sums `rowTerm` (WGSL of `r`, `base`, `cols`) over the rows of `Logits` and writes
 * `result` (WGSL of `partial[0]` and `rows`): a strided loop, then a tree reduction.
 */
function logitsRowReduction(rowTerm: string, result: string): string {
  return `
      ${LOGITS_ROW_FNS}
      var<workgroup> partial : array<f32, ${REDUCE_WORKGROUP}>;
      fn main(index : i32) {
        let rows = uniforms.logitsShape.x;
        let cols = uniforms.logitsShape.y;
        var acc = 0.0;
        for (var r = index; r < rows; r = r + ${REDUCE_WORKGROUP}) {
          let base = r * cols;
          acc = acc + ${rowTerm};
        }
        ${TREE_REDUCE}
        if (index == 0) { setOutputAtIndex(0, ${result}); }
      }`;
}

/** `d = g + wd * p` (the gradient with weight decay), as WGSL. */
const DECAYED_GRAD = 'let d = G[index] + uniforms.weightDecay * P[index];';

type Inputs = Record<string, tf.TensorInfo>;
type Attrs = Record<string, number | boolean | number[]>;
type KernelFn = (args: { inputs: Inputs; backend: WebGPUBackendLike; attrs: Attrs }) => tf.TensorInfo;

const kernels: Record<string, KernelFn> = {
  // buffer' = momentum * buffer + (1 - dampening) * d, or d at the first step (PyTorch's SGD).
  [FUSED_KERNELS.sgdMomentumBuffer]: ({ inputs: { param, grad, buffer }, backend, attrs }) => {
    const n = tf.util.sizeFromShape(param.shape);
    const names = buffer ? ['P', 'G', 'M'] : ['P', 'G'];
    const update = buffer ? 'uniforms.momentum * M[index] + (1.0 - uniforms.dampening) * d' : 'd';
    const code = `fn main(index : i32) { if (index < uniforms.size) { ${DECAYED_GRAD} setOutputAtIndex(index, ${update}); } }`;
    const p = program(`avalanche_sgd_buffer_${buffer ? 1 : 0}`, names, param.shape, n, code, 'momentum : f32, dampening : f32, weightDecay : f32,');
    const ins = buffer ? [param, grad, buffer] : [param, grad];
    return backend.runWebGPUProgram(p, ins, 'float32', [f32(attrs.momentum as number), f32(attrs.dampening as number), f32(attrs.weightDecay as number)]);
  },
  // param' = param - lr * step, where step is d (no momentum), buffer', or d + momentum * buffer' (nesterov).
  [FUSED_KERNELS.sgdParamUpdate]: ({ inputs: { param, grad, buffer }, backend, attrs }) => {
    const n = tf.util.sizeFromShape(param.shape);
    const mode = !buffer ? 'plain' : attrs.nesterov ? 'nesterov' : 'momentum';
    // The buffer may be a flat one holding several variables' buffers: this one starts at uniforms.offset.
    const m = 'M[index + uniforms.offset]';
    const step = mode === 'plain' ? 'd' : mode === 'nesterov' ? `d + uniforms.momentum * ${m}` : m;
    const code = `fn main(index : i32) { if (index < uniforms.size) { ${DECAYED_GRAD} setOutputAtIndex(index, P[index] - uniforms.lr * (${step})); } }`;
    const names = buffer ? ['P', 'G', 'M'] : ['P', 'G'];
    const p = program(`avalanche_sgd_param_${mode}`, names, param.shape, n, code, 'lr : f32, momentum : f32, weightDecay : f32, offset : i32,');
    const ins = buffer ? [param, grad, buffer] : [param, grad];
    const uniforms = [f32(attrs.lr as number), f32(attrs.momentum as number), f32(attrs.weightDecay as number), i32((attrs.offset as number) ?? 0)];
    return backend.runWebGPUProgram(p, ins, 'float32', uniforms);
  },
  // The momentum buffers of several variables in one flat output: segment i holds variable i's
  // buffer' = momentum * buffer + (1 - dampening) * d (d at the first step), d = grad + wd * param.
  [FUSED_KERNELS.sgdMomentumBufferFlat]: ({ inputs, backend, attrs }) => {
    const count = attrs.count as number;
    const decay = Boolean(attrs.weightDecay);
    const hasPrevious = Boolean(inputs.M);
    const starts = attrs.starts as unknown as number[]; // segment starts; starts[count] is the total size
    const segment = (i: number) => `{ let j = index - uniforms.o${i}; d = G${i}[j]${decay ? ` + uniforms.weightDecay * P${i}[j]` : ''}; }`;
    const branches = Array.from({ length: count }, (_, i) => (i === count - 1 ? `else ${segment(i)}` : `${i === 0 ? '' : 'else '}if (index < uniforms.o${i + 1}) ${segment(i)}`));
    const update = hasPrevious ? 'uniforms.momentum * M[index] + (1.0 - uniforms.dampening) * d' : 'd';
    const code = `fn main(index : i32) { if (index >= uniforms.size) { return; } var d = 0.0; ${count === 1 ? segment(0) : branches.join(' ')} setOutputAtIndex(index, ${update}); }`;
    const names = [...(hasPrevious ? ['M'] : []), ...Array.from({ length: count }, (_, i) => `G${i}`), ...(decay ? Array.from({ length: count }, (_, i) => `P${i}`) : [])];
    const offsetUniforms = Array.from({ length: count }, (_, i) => `o${i} : i32,`).join(' ');
    const p = program(`avalanche_sgd_flat_${count}_${hasPrevious ? 1 : 0}_${decay ? 1 : 0}`, names, [starts[count]], starts[count], code, `momentum : f32, dampening : f32, weightDecay : f32, ${offsetUniforms}`);
    const uniforms = [f32(attrs.momentum as number), f32(attrs.dampening as number), f32(attrs.weightDecay as number), ...starts.slice(0, count).map((o) => i32(o))];
    return backend.runWebGPUProgram(p, names.map((n) => inputs[n]), 'float32', uniforms);
  },
  // moment' = beta * moment + (1 - beta) * d (or d * d), d = grad + wd * param; (1 - beta) * d at the first step.
  [FUSED_KERNELS.adamMoment]: ({ inputs: { param, grad, moment }, backend, attrs }) => {
    const value = attrs.squared ? 'd * d' : 'd';
    const update = moment ? `uniforms.beta * M[index] + (1.0 - uniforms.beta) * ${value}` : `(1.0 - uniforms.beta) * ${value}`;
    const code = `fn main(index : i32) { if (index < uniforms.size) { ${DECAYED_GRAD} setOutputAtIndex(index, ${update}); } }`;
    const names = moment ? ['P', 'G', 'M'] : ['P', 'G'];
    const p = program(`avalanche_adam_moment_${moment ? 1 : 0}_${attrs.squared ? 2 : 1}`, names, param.shape, tf.util.sizeFromShape(param.shape), code, 'beta : f32, weightDecay : f32,');
    return backend.runWebGPUProgram(p, moment ? [param, grad, moment] : [param, grad], 'float32', [f32(attrs.beta as number), f32(attrs.weightDecay as number)]);
  },
  // param' = param - stepSize * m / (sqrt(v) / sqrtC2 + eps) (PyTorch's Adam with bias corrections).
  [FUSED_KERNELS.adamParamUpdate]: ({ inputs: { param, m, v }, backend, attrs }) => {
    const code = 'fn main(index : i32) { if (index < uniforms.size) { setOutputAtIndex(index, P[index] - uniforms.stepSize * M[index] / (sqrt(V[index]) / uniforms.sqrtC2 + uniforms.eps)); } }';
    const p = program('avalanche_adam_param', ['P', 'M', 'V'], param.shape, tf.util.sizeFromShape(param.shape), code, 'stepSize : f32, sqrtC2 : f32, eps : f32,');
    return backend.runWebGPUProgram(p, [param, m, v], 'float32', [f32(attrs.stepSize as number), f32(attrs.sqrtC2 as number), f32(attrs.eps as number)]);
  },
  // mean over rows of logsumexp(logits[r]) - logits[r, label[r]]: one workgroup, a tree reduction.
  [FUSED_KERNELS.softmaxCrossEntropy]: ({ inputs: { logits, labels }, backend }) => {
    const code = logitsRowReduction('(rowLogSumExp(base, cols) - Logits[base + Labels[r]])', 'partial[0] / f32(rows)');
    const p = program('avalanche_ce', ['Logits', 'Labels'], [1], REDUCE_WORKGROUP, code, undefined, REDUCE_WORKGROUP);
    return backend.runWebGPUProgram(p, [logits, labels], 'float32');
  },
  // (softmax(logits) - onehot(labels)) * dy / rows: one thread per row.
  [FUSED_KERNELS.softmaxCrossEntropyGrad]: ({ inputs: { logits, labels, dy }, backend }) => {
    const code = `
      ${LOGITS_ROW_FNS}
      fn main(index : i32) {
        let rows = uniforms.logitsShape.x;
        let cols = uniforms.logitsShape.y;
        if (index >= rows) { return; }
        let base = index * cols;
        let mx = rowMax(base, cols);
        let s = rowSumExp(base, cols, mx);
        let scale = Dy[0] / f32(rows);
        let label = Labels[index];
        for (var c = 0; c < cols; c = c + 1) {
          let p = exp(Logits[base + c] - mx) / s;
          setOutputAtIndex(base + c, (p - select(0.0, 1.0, c == label)) * scale);
        }
      }`;
    const p = program('avalanche_ce_grad', ['Logits', 'Labels', 'Dy'], logits.shape, logits.shape[0], code, undefined, 64);
    return backend.runWebGPUProgram(p, [logits, labels, dy], 'float32');
  },
  // sum over rows: one thread per column.
  [FUSED_KERNELS.columnSum]: ({ inputs: { x }, backend }) => {
    const code = `
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let rows = uniforms.xShape.x;
        let cols = uniforms.xShape.y;
        var s = 0.0;
        for (var r = 0; r < rows; r = r + 1) { s = s + X[r * cols + index]; }
        setOutputAtIndex(index, s);
      }`;
    const p = program('avalanche_colsum', ['X'], [x.shape[1]], x.shape[1], code, undefined, 64);
    return backend.runWebGPUProgram(p, [x], 'float32');
  },
  // dy where y > 0, else 0.
  [FUSED_KERNELS.reluGrad]: ({ inputs: { dy, y }, backend }) => {
    const code = 'fn main(index : i32) { if (index < uniforms.size) { setOutputAtIndex(index, select(0.0, Dy[index], Y[index] > 0.0)); } }';
    const p = program('avalanche_relu_grad', ['Dy', 'Y'], dy.shape, tf.util.sizeFromShape(dy.shape), code);
    return backend.runWebGPUProgram(p, [dy, y], 'float32');
  },
  // x * pool[offset + i]: a dropout mask that is a window of a pool of mask values.
  [FUSED_KERNELS.maskWindow]: ({ inputs: { x, pool }, backend, attrs }) => {
    const code = 'fn main(index : i32) { if (index < uniforms.size) { setOutputAtIndex(index, X[index] * Pool[index + uniforms.offset]); } }';
    const p = program('avalanche_mask_window', ['X', 'Pool'], x.shape, tf.util.sizeFromShape(x.shape), code, 'offset : i32,');
    return backend.runWebGPUProgram(p, [x, pool], 'float32', [i32(attrs.offset as number)]);
  },
  // value i: scale where lowbias32(lowbias32(i + keyA) ^ keyB) < threshold, else 0 (as bernoulliMaskPool's host loop).
  [FUSED_KERNELS.bernoulliMaskPool]: ({ backend, attrs }) => {
    const size = attrs.size as number;
    const code = `
      fn lowbias32(v : u32) -> u32 {
        var x = v;
        x = x ^ (x >> 16u); x = x * 0x7feb352du; x = x ^ (x >> 15u); x = x * 0x846ca68bu; x = x ^ (x >> 16u);
        return x;
      }
      fn main(index : i32) {
        if (index < uniforms.size) {
          let h = lowbias32(lowbias32(u32(index) + uniforms.keyA) ^ uniforms.keyB);
          setOutputAtIndex(index, select(0.0, uniforms.scale, h < uniforms.threshold));
        }
      }`;
    const p = program('avalanche_bernoulli_pool', [], [size], size, code, 'keyA : u32, keyB : u32, threshold : u32, scale : f32,');
    return backend.runWebGPUProgram(p, [], 'float32', [u32(attrs.keyA as number), u32(attrs.keyB as number), u32(attrs.threshold as number), f32(attrs.scale as number)]);
  },
  // 1 where the first maximum of a row is at its label, else 0: one thread per row.
  [FUSED_KERNELS.predictionHits]: ({ inputs: { logits, labels }, backend }) => {
    const code = `
      ${LOGITS_ROW_FNS}
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let cols = uniforms.logitsShape.y;
        setOutputAtIndex(index, select(0.0, 1.0, rowArgMax(index * cols, cols) == Labels[index]));
      }`;
    const p = program('avalanche_hits', ['Logits', 'Labels'], [logits.shape[0]], logits.shape[0], code, undefined, 64);
    return backend.runWebGPUProgram(p, [logits, labels], 'float32');
  },
  // the number of rows whose first maximum is at their label: one workgroup, a tree reduction.
  [FUSED_KERNELS.predictionHitCount]: ({ inputs: { logits, labels }, backend }) => {
    const code = logitsRowReduction('select(0.0, 1.0, rowArgMax(base, cols) == Labels[r])', 'partial[0]');
    const p = program('avalanche_hit_count', ['Logits', 'Labels'], [1], REDUCE_WORKGROUP, code, undefined, REDUCE_WORKGROUP);
    return backend.runWebGPUProgram(p, [logits, labels], 'float32');
  },
  // sum of weight[i] * part[i][0] over up to WEIGHTED_SUM_MAX single-value inputs.
  [FUSED_KERNELS.weightedSum]: ({ inputs, backend, attrs }) => {
    const names = Object.keys(inputs).sort();
    const terms = names.map((name, i) => `uniforms.w${i} * ${name}[0]`).join(' + ');
    const code = `fn main(index : i32) { if (index == 0) { setOutputAtIndex(0, ${terms}); } }`;
    const p = program(`avalanche_weighted_sum_${names.length}`, names, [1], 1, code, names.map((_, i) => `w${i} : f32,`).join(' '), 1);
    const weights = attrs.weights as unknown as number[];
    return backend.runWebGPUProgram(p, names.map((n) => inputs[n]), 'float32', weights.map((w) => f32(w)));
  },
};

let registered = false;

/** Registers the fused kernels for the webgpu backend (once; a no-op if another copy did). */
export function registerFusedKernels(): void {
  if (registered) return;
  registered = true;
  for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
    if (tf.getKernel(kernelName, 'webgpu')) continue;
    tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
}
