/**
 * CWR* (Lomonaco & Maltoni 2017; Lomonaco et al. 2020), as Avalanche's `CWRStarPlugin`: the output
 * layer keeps consolidated weights per class. Before each experience its weights are zeroed except
 * the consolidated ones of the experience's classes (from the second experience, the other layers are
 * frozen); after it, each current class's weights, shifted by the mean over the current classes, are
 * averaged into the consolidated ones with weight sqrt(samples seen before / samples now), and every
 * class's consolidated weights are put back.
 *
 * Avalanche 0.1 counts a class's past samples only from its second experience on (the first time a
 * class is saved its count stays 0, so its next experience overwrites it) and leaves the bias to
 * drift; here the counts always accumulate and the bias is consolidated with the weights (a bias per
 * output unit is part of the class's weights).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CLModel } from '../../models/model';
import { checkKnownOptions } from '../../utils/validate';
import type { BaseStrategy } from '../template';
import { StrategyPlugin } from './strategyPlugin';

/** Options of `CWRStarPlugin` (Avalanche's names, in camelCase). */
export interface CWRStarPluginOptions {
  /** The output layer's name in `model.namedLayers()` (default: the last layer, `classifier`). */
  cwrLayerName?: string;
  /** Freeze every other layer from the second experience on (default true). */
  freezeRemainingModel?: boolean;
}

type Variable = tf.Variable;

/** The weight `[in, out]` and bias `[out]` variables of layer `name` of a library model. */
function cwrLayer(model: CLModel, name: string | undefined): { name: string; weight: Variable; bias: Variable } {
  const layers = (model as { namedLayers?: () => [string, { namedParameters(): [string, Variable][] }][] }).namedLayers;
  if (typeof layers !== 'function') throw new Error('CWRStarPlugin: the model must name its layers (namedLayers(), as the library\'s models do)');
  const all = layers.call(model);
  const entry = name === undefined ? all[all.length - 1] : all.find(([n]) => n === name);
  if (!entry) throw new Error(`CWRStarPlugin: no layer '${name}'; the model's layers: ${all.map(([n]) => n).join(', ')}`);
  const params = new Map(entry[1].namedParameters());
  const weight = params.get('weight');
  const bias = params.get('bias');
  if (!weight || !bias || weight.rank !== 2) throw new Error(`CWRStarPlugin: layer '${entry[0]}' must be a linear layer (weight [in, out] and bias [out])`);
  return { name: entry[0], weight, bias };
}

/** CWR* as a plugin: `new Naive(model, opt, crit, { plugins: [new CWRStarPlugin({ cwrLayerName: 'classifier' })] })`. */
export class CWRStarPlugin extends StrategyPlugin {
  readonly cwrLayerName?: string;
  readonly freezeRemainingModel: boolean;
  /** Class → its consolidated weights (the column `[in]`, then the bias), on the host. */
  readonly savedWeights = new Map<number, Float32Array>();
  /** Class → samples of it trained on in earlier experiences. */
  readonly pastJ = new Map<number, number>();
  private curJ = new Map<number, number>();
  private frozen = new Set<string>();
  private trained = 0;

  constructor(options: CWRStarPluginOptions = {}) {
    super();
    checkKnownOptions('CWRStarPlugin', options, ['cwrLayerName', 'freezeRemainingModel']);
    if (options.cwrLayerName !== undefined && typeof options.cwrLayerName !== 'string') throw new Error(`cwrLayerName must be a layer name (a string), got ${typeof options.cwrLayerName}`);
    this.cwrLayerName = options.cwrLayerName;
    this.freezeRemainingModel = options.freezeRemainingModel ?? true;
  }

  override async beforeTrainingExp(strategy: BaseStrategy): Promise<void> {
    const layer = cwrLayer(strategy.model, this.cwrLayerName);
    this.frozen = new Set(
      this.freezeRemainingModel && this.trained > 0 ? strategy.model.trainableVariables.filter((v) => v !== layer.weight && v !== layer.bias).map((v) => v.name) : [],
    );
    this.curJ = new Map();
    for (const t of strategy.experience!.dataset.targets) this.curJ.set(t, (this.curJ.get(t) ?? 0) + 1);
    // Zero, except the consolidated weights of the classes about to be trained.
    const [inF, outF] = layer.weight.shape;
    const w = new Float32Array(inF * outF);
    const b = new Float32Array(outF);
    for (const c of this.curJ.keys()) {
      const saved = this.savedWeights.get(c);
      if (saved && c < outF) writeClass(w, b, inF, outF, c, saved);
    }
    assignLayer(layer, w, b);
  }

  override afterBackward(strategy: BaseStrategy): void {
    const grads = strategy.grads!;
    for (const name of this.frozen) {
      grads[name]?.dispose();
      delete grads[name];
    }
  }

  override async afterTrainingExp(strategy: BaseStrategy): Promise<void> {
    const layer = cwrLayer(strategy.model, this.cwrLayerName);
    const [inF, outF] = layer.weight.shape;
    const w = (await layer.weight.data()) as Float32Array;
    const b = (await layer.bias.data()) as Float32Array;
    const current = [...this.curJ.keys()].filter((c) => c < outF);
    // Mean over every weight of the current classes (Avalanche's np.average of their rows).
    let sum = 0;
    for (const c of current) {
      const col = readClass(w, b, inF, outF, c);
      for (let i = 0; i < inF; i++) sum += col[i];
    }
    const globavg = current.length ? sum / (current.length * inF) : 0;
    for (const c of current) {
      const fresh = readClass(w, b, inF, outF, c);
      for (let i = 0; i < inF; i++) fresh[i] -= globavg;
      const saved = this.savedWeights.get(c);
      const past = this.pastJ.get(c) ?? 0;
      const now = this.curJ.get(c)!;
      if (saved && past > 0) {
        const wpast = Math.sqrt(past / now);
        for (let i = 0; i < fresh.length; i++) saved[i] = (saved[i] * wpast + fresh[i]) / (wpast + 1);
      } else this.savedWeights.set(c, fresh);
      this.pastJ.set(c, past + now);
    }
    // Every class's consolidated weights back in the layer (for evaluation and the next experience).
    const out = Float32Array.from(w);
    const bias = Float32Array.from(b);
    for (const [c, saved] of this.savedWeights) if (c < outF) writeClass(out, bias, inF, outF, c, saved);
    assignLayer(layer, out, bias);
    this.trained += 1;
  }
}

/** Uploads host weights `[in, out]` and bias into the layer (the temporary tensors freed). */
function assignLayer(layer: { weight: Variable; bias: Variable }, w: Float32Array, b: Float32Array): void {
  tf.tidy(() => {
    layer.weight.assign(tf.tensor2d(w, layer.weight.shape as [number, number]));
    layer.bias.assign(tf.tensor1d(b));
  });
}

/** Class c's weights (column c of `[in, out]`) followed by its bias. */
function readClass(w: Float32Array, b: Float32Array, inF: number, outF: number, c: number): Float32Array {
  const col = new Float32Array(inF + 1);
  for (let i = 0; i < inF; i++) col[i] = w[i * outF + c];
  col[inF] = b[c];
  return col;
}

function writeClass(w: Float32Array, b: Float32Array, inF: number, outF: number, c: number, col: Float32Array): void {
  for (let i = 0; i < inF; i++) w[i * outF + c] = col[i];
  b[c] = col[inF];
}
