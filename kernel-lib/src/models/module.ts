/**
 * `Module`: the base of the library's models, as PyTorch's `nn.Module` is of Avalanche's. A model
 * names its layers (`features.0`, `classifier`); the base gives it the train/eval mode, its
 * trainable variables, `dispose`, its state (`stateDict` / `loadStateDict`) and `clone()`, which the
 * strategies that keep an old model (LwF, LFL) or restore weights (GDumb, iCaRL, CWR*) need.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ClassificationDataset } from '../data/dataset';
import type { CLModel, TaskLabels } from './model';

/** A layer with parameters: a dense layer, a convolution, a head. */
export interface Layer {
  /** The parameters by their own name (`weight`, `bias`), created on first access. */
  namedParameters(): [string, tf.Variable][];
  /** Sets the parameters from tensors of the same shapes (copies them). */
  loadParameters(values: Record<string, tf.Tensor>): void;
  /** Frees the parameters; the layer cannot be used afterwards. */
  dispose(): void;
}

/** A model's state: parameter name (`features.0.weight`) → a tensor holding its values (owned by the caller). */
export type StateDict = Record<string, tf.Tensor>;

/**
 * The base of the library's models. Subclasses name their layers and compute `forward`. A module is
 * itself a layer, so models nest (`MTSimpleMLP`'s `classifier` is a `MultiHeadClassifier`).
 */
export abstract class Module implements CLModel, Layer {
  training = true;

  /** The layers by PyTorch-style name, in a fixed order (the order of `trainableVariables`). */
  abstract namedLayers(): [string, Layer][];

  /** Logits of the inputs (task labels route multi-head models; others ignore them). */
  abstract forward(x: tf.Tensor, taskLabels?: TaskLabels): tf.Tensor;

  /**
   * A new model of the same architecture and options, with its own copy of the weights (the
   * frozen previous model of LwF and LFL). Dropout draws from a new generator.
   */
  abstract clone(): Module;

  /** Adapts the architecture to an experience's data (a new head, more outputs); see `DynamicModule`s. */
  adaptation?(dataset: ClassificationDataset): void;

  get trainableVariables(): tf.Variable[] {
    return this.namedLayers().flatMap(([, layer]) => layer.namedParameters().map(([, v]) => v));
  }

  /** Parameter name → variable (PyTorch's `named_parameters()`). */
  namedParameters(): [string, tf.Variable][] {
    return this.namedLayers().flatMap(([name, layer]) => layer.namedParameters().map(([p, v]) => [`${name}.${p}`, v] as [string, tf.Variable]));
  }

  /** Number of trainable parameters. */
  get numParameters(): number {
    return this.trainableVariables.reduce((n, v) => n + v.size, 0);
  }

  train(): void {
    this.training = true;
  }

  eval(): void {
    this.training = false;
  }

  /**
   * A copy of every parameter (PyTorch's `state_dict()`), as tensors the caller owns (dispose them,
   * or `tf.dispose(Object.values(state))`). Weights are stored `[in, out]` (PyTorch's are `[out, in]`).
   */
  stateDict(): StateDict {
    const state: StateDict = {};
    for (const [name, v] of this.namedParameters()) state[name] = tf.clone(v);
    return state;
  }

  /**
   * Sets every parameter from `state` (PyTorch's `load_state_dict`, strict): the names must be
   * exactly the model's and the shapes equal. The tensors are copied; `state` stays the caller's.
   */
  loadStateDict(state: StateDict): void {
    if (state == null || typeof state !== 'object') throw new Error(`loadStateDict: state must be an object of name → tensor, got ${state}`);
    const names = this.namedParameters().map(([n]) => n);
    const missing = names.filter((n) => !(n in state));
    const unexpected = Object.keys(state).filter((n) => !names.includes(n));
    if (missing.length || unexpected.length) {
      throw new Error(
        `loadStateDict: the state does not match the model${missing.length ? `; missing: ${missing.join(', ')}` : ''}${unexpected.length ? `; unexpected: ${unexpected.join(', ')}` : ''}`,
      );
    }
    for (const [layerName, layer] of this.namedLayers()) {
      const values: Record<string, tf.Tensor> = {};
      for (const [p] of layer.namedParameters()) values[p] = state[`${layerName}.${p}`];
      layer.loadParameters(values);
    }
  }

  /** As a layer inside another module: the same as `loadStateDict`. */
  loadParameters(values: Record<string, tf.Tensor>): void {
    this.loadStateDict(values);
  }

  dispose(): void {
    for (const [, layer] of this.namedLayers()) layer.dispose();
  }
}

/** Checks that `value` has `shape` before it is copied into parameter `name`. */
export function checkParameterShape(name: string, value: tf.Tensor | undefined, shape: number[]): tf.Tensor {
  if (!(value instanceof tf.Tensor)) throw new Error(`${name}: expected a tensor of shape [${shape}], got ${value}`);
  if (value.shape.length !== shape.length || value.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`${name}: shape [${value.shape}] differs from the parameter's [${shape}]`);
  }
  return value;
}

/** Copies `from`'s parameters into `to` (same architecture) and its train/eval mode: the body of `clone()`. */
export function copyState(from: Module, to: Module): void {
  const state = from.stateDict();
  try {
    to.loadStateDict(state);
  } finally {
    tf.dispose(Object.values(state));
  }
  to.training = from.training;
}
