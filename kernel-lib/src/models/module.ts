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
  /**
   * State that is not trained (batch norm's `running_mean`, `running_var`, `num_batches_tracked`):
   * copied with the model and saved in its state dict, as PyTorch's buffers, but no parameter.
   */
  namedBuffers?(): [string, tf.Variable][];
  /**
   * How each parameter or buffer is laid out against PyTorch's `state_dict`: the permutation of axes
   * from ours to PyTorch's (a dense weight is `[in, out]` here, `[out, in]` there); absent: the same.
   */
  torchLayout?(): Record<string, number[]>;
  /** Sets the parameters and buffers from tensors of the same shapes, in this layer's own layout (copies them). */
  loadParameters(values: Record<string, tf.Tensor>): void;
  /** Frees the parameters; the layer cannot be used afterwards. */
  dispose(): void;
}

/**
 * A model's state, as PyTorch's `state_dict()`: parameter and buffer name (`features.0.weight`,
 * `bn1.running_mean`) → a tensor holding its values in PyTorch's layout (owned by the caller).
 */
export type StateDict = Record<string, tf.Tensor>;

/** The permutation that undoes `perm`. */
function inversePermutation(perm: number[]): number[] {
  const inverse = new Array<number>(perm.length);
  perm.forEach((axis, i) => (inverse[axis] = i));
  return inverse;
}

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

  /** Buffer name → variable (PyTorch's `named_buffers()`): state that is not trained. */
  namedBuffers(): [string, tf.Variable][] {
    return this.namedLayers().flatMap(([name, layer]) => (layer.namedBuffers?.() ?? []).map(([p, v]) => [`${name}.${p}`, v] as [string, tf.Variable]));
  }

  /** The permutations from our layouts to PyTorch's, by full parameter or buffer name. */
  torchLayout(): Record<string, number[]> {
    const layout: Record<string, number[]> = {};
    for (const [name, layer] of this.namedLayers()) {
      for (const [p, perm] of Object.entries(layer.torchLayout?.() ?? {})) layout[`${name}.${p}`] = perm;
    }
    return layout;
  }

  /** Every parameter, then every buffer, by full name, in our layout. */
  private namedState(): [string, tf.Variable][] {
    return [...this.namedParameters(), ...this.namedBuffers()];
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
   * A copy of every parameter and buffer (PyTorch's `state_dict()`: the same names, and PyTorch's
   * layouts, so that weights move between the two), as tensors the caller owns (dispose them, or
   * `tf.dispose(Object.values(state))`).
   */
  stateDict(): StateDict {
    const layout = this.torchLayout();
    const state: StateDict = {};
    for (const [name, v] of this.namedState()) state[name] = layout[name] ? tf.transpose(v, layout[name]) : tf.clone(v);
    return state;
  }

  /**
   * Sets every parameter and buffer from `state` (PyTorch's `load_state_dict`, strict): the names must
   * be exactly the model's and the shapes PyTorch's. The tensors are copied; `state` stays the caller's.
   */
  loadStateDict(state: StateDict): void {
    if (state == null || typeof state !== 'object') throw new Error(`loadStateDict: state must be an object of name → tensor, got ${state}`);
    const names = this.namedState().map(([n]) => n);
    const missing = names.filter((n) => !(n in state));
    const unexpected = Object.keys(state).filter((n) => !names.includes(n));
    if (missing.length || unexpected.length) {
      throw new Error(
        `loadStateDict: the state does not match the model${missing.length ? `; missing: ${missing.join(', ')}` : ''}${unexpected.length ? `; unexpected: ${unexpected.join(', ')}` : ''}`,
      );
    }
    const layout = this.torchLayout();
    const shapes = new Map(this.namedState().map(([n, v]) => [n, layout[n] ? layout[n].map((axis) => v.shape[axis]) : v.shape]));
    tf.tidy(() => {
      const ours: StateDict = {};
      for (const name of names) {
        const value = state[name];
        if (!(value instanceof tf.Tensor)) throw new Error(`loadStateDict: ${name} must be a tensor, got ${value}`);
        const shape = shapes.get(name)!;
        if (value.shape.join() !== shape.join()) throw new Error(`loadStateDict: ${name} has shape [${value.shape}]; the model's is [${shape}] (PyTorch's layout)`);
        ours[name] = layout[name] ? tf.transpose(value, inversePermutation(layout[name])) : value;
      }
      this.loadParameters(ours);
    });
  }

  /** Sets every parameter and buffer from `values` in our layouts (full names below this module). */
  loadParameters(values: Record<string, tf.Tensor>): void {
    for (const [layerName, layer] of this.namedLayers()) {
      const own: Record<string, tf.Tensor> = {};
      const prefix = `${layerName}.`;
      for (const [name, value] of Object.entries(values)) if (name.startsWith(prefix)) own[name.slice(prefix.length)] = value;
      layer.loadParameters(own);
    }
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
